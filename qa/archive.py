"""The one facade the CLI, the REST API and the UI call: `Archive.open(corpus, index)`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Iterable

from . import config
from .answer import AnswerSettings, Answerer
from .citecheck import QuoteRef, VerifyResult, check_quotes
from .embedding import Encoder, load_encoder
from .errors import NotFound, QueryError
from .indexer import Refresh, refresh_index
from .query import QueryAnalyzer
from .limits import MAX_HISTORY, MAX_K, MAX_QUESTION_CHARS, MIN_K
from .results import AskResult, Cited, DocumentDetail, DocumentSummary, Health, ParagraphDetail, SearchResult
from .retrieval import Filters, Retriever
from .scoring import SentenceScorer, load_scorer
from .store import APPROXIMATE_ABOVE
from .stores import StoreSettings
from .types import Document, Quote

__all__ = ["Archive", "NOT_FOUND"]

# A refusal's `message`: this, then its `reason` ("No passage …", "None of the nearest passages mentions …").
NOT_FOUND = "Not found in the archive."
WEAK_EVIDENCE = "No passage answers this closely enough."
NOT_MENTIONED = "None of the nearest passages mentions {}."
# An answer whose best quote scores less than this above the scorer's `abstain_below` is `low_confidence`.
# Measured with the hand weights (threshold 0.60) on eval/questions.jsonl and the dev set: within 0.10 of
# the threshold quote [1] missed the expected snippet for 6 of 12 answered questions, above it for 25 of
# 110, so such an answer is worth checking; a reader's scores are probabilities, on the same 0-1 scale.
LOW_CONFIDENCE_MARGIN = 0.10


class Archive:
    """Search, answers and documents over one corpus and its index."""

    def __init__(self, refresh: Refresh, encoder: Encoder, answer_settings: AnswerSettings | None = None,
                 scorer: SentenceScorer | None = None, **retriever_options: Any):
        self.refresh = refresh
        self.encoder = encoder
        self.stored = refresh.stored
        self.profile = refresh.profile
        self.analyzer = QueryAnalyzer(self.stored.documents, self.profile)
        self.retriever = Retriever(self.stored, **retriever_options)
        self.answerer = Answerer(self.stored, self.retriever, scorer, answer_settings or AnswerSettings(),
                                 profile=self.profile)
        self._documents: dict[str, Document] = {d.doc_id: d for d in self.stored.documents}
        self._positions = {(d.doc_id, p.anchor): i for d in self.stored.documents for i, p in enumerate(d.paragraphs)}

    @classmethod
    def open(
        cls,
        corpus: str | Path | None = None,
        index: str | Path | None = None,
        model: str | None = None,
        *,
        encoder: Encoder | None = None,
        encoder_engine: str | None = None,
        scorer: SentenceScorer | None = None,
        reader: str | None = None,
        approximate_above: int = APPROXIMATE_ABOVE,
        progress: bool = False,
        on_step: Callable[[str], None] | None = None,
        store: StoreSettings | None = None,
        **retriever_options: Any,
    ) -> "Archive":
        """Open `index` for `corpus`, building or refreshing it first when needed.

        The encoder is `encoder`, else `model` run by `encoder_engine` ("onnx" or "torch", see
        `config.encoder_engine`); the sentence scorer is `scorer`, else the one `reader` names (see
        `config.reader_choice`);
        the passages are held in the `store` given (default: FAISS; an index in another is rebuilt)."""
        index = config.index_path(index)
        encoder = encoder or load_encoder(config.model_name(model), config.encoder_engine(encoder_engine), index)
        scorer = scorer or load_scorer(config.reader_choice(reader))
        refresh = refresh_index(config.corpus_path(corpus), index, encoder,
                                approximate_above=approximate_above, progress=progress, on_step=on_step, store=store)
        return cls(refresh, encoder, scorer=scorer, **retriever_options)

    # -- documents -----------------------------------------------------------------------

    def with_scorer(self, scorer: SentenceScorer) -> "Archive":
        """The same archive and index, answering with another sentence scorer (to compare two in one run)."""
        return self._like(self.refresh, scorer)

    def with_refresh(self, refresh: Refresh) -> "Archive":
        """Another generation of the index (a document added or removed), answered with the same settings."""
        return self._like(refresh, self.answerer.scorer)

    def _like(self, refresh: Refresh, scorer: SentenceScorer) -> "Archive":
        return Archive(refresh, self.encoder, self.answerer.settings, scorer=scorer,
                       method=self.retriever.method, fusion=self.retriever.fusion, weight=self.retriever.weight,
                       candidates=self.retriever.candidates)

    def documents(self) -> list[DocumentSummary]:
        return [DocumentSummary.of(d) for d in self._documents.values()]

    def document(self, doc_id: str) -> DocumentDetail:
        return DocumentDetail.of(self._document(doc_id))

    def parsed(self, doc_id: str) -> Document:
        """The document as parsed (canonical text, paragraphs with references), for the reading page."""
        return self._document(doc_id)

    def paragraph(self, doc_id: str, anchor: str) -> ParagraphDetail:
        """One paragraph with its text, citation and neighbours' anchors (`prev`, `next`)."""
        document = self._document(doc_id)
        at = self._positions.get((doc_id, anchor))
        if at is None:
            raise NotFound(f"document {doc_id!r} has no paragraph {anchor!r}")
        return ParagraphDetail.at(document, at)

    def check_quotes(self, quotes: Iterable[QuoteRef]) -> VerifyResult:
        """`POST /api/verify`: where each saved quote stands in the archive now (ok, moved, changed,
        unknown_document; see qa.citecheck), in order."""
        quotes = tuple(quotes)
        for number, quote in enumerate(quotes):
            if not quote.text.strip():
                raise QueryError(f"quotes[{number}].text is empty; send each quote's text as the API gave it")
        return check_quotes(self._documents, quotes)

    @property
    def index_dir(self) -> Path:
        """The index folder (the live generation's parent): state kept there outlives every rebuild."""
        return self.stored.path.parent

    def health(self) -> Health:
        return Health.of(self.stored.manifest, len(self._documents), self.answerer.scorer.name)

    # -- search --------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, doc_ids: list[str] | None = None,
               date_from: str | None = None, date_to: str | None = None) -> SearchResult:
        """`POST /api/search`: the `k` best paragraphs for `query`."""
        began = time.perf_counter()
        query = _check_text("query", query)
        filters = _filters(k, doc_ids, date_from, date_to)
        analysis = self.analyzer.analyze(query)
        hits = self.answerer.passages(analysis, self.encoder.encode([query])[0], k, filters)
        passages = tuple(self._passage(hit.doc_id, hit.anchor, hit.score) for hit in hits)
        return SearchResult(query, _ms(began), passages)

    def ask(self, question: str, history: list[str] | tuple[str, ...] = (), k: int = 5,
            doc_ids: list[str] | None = None, date_from: str | None = None,
            date_to: str | None = None) -> AskResult:
        """`POST /api/ask`: verbatim quotes that answer `question`, or `answered: false` and the nearest passages.

        `history` holds the conversation's earlier questions, oldest first; a follow-up that
        refers back ("How many staff does it have?") is searched together with the last one.
        """
        began = time.perf_counter()
        question = _check_text("question", question)
        if history is None:
            history = ()
        if not isinstance(history, (list, tuple)) or len(history) > MAX_HISTORY:
            raise QueryError(f"history must be a list of at most {MAX_HISTORY} earlier questions")
        history = [_check_text("history item", h) for h in history]
        filters = _filters(k, doc_ids, date_from, date_to)
        analysis = self.analyzer.analyze(question, history)
        ranked = self.answerer.answer(analysis, self.encoder.encode([analysis.searched])[0], k, filters)
        reason = "" if ranked.answered else _refusal(ranked.absent_numbers)
        weak = ranked.answered and ranked.best_score < self.answerer.scorer.abstain_below + LOW_CONFIDENCE_MARGIN
        return AskResult(
            question=question,
            answered=ranked.answered,
            low_confidence=bool(weak),
            took_ms=_ms(began),
            message=f"{NOT_FOUND} {reason}" if reason else "",
            reason=reason,
            searched=analysis.searched,
            quotes=tuple(self._quote(q, question) for q in ranked.quotes),
            passages=tuple(self._passage(h.doc_id, h.anchor, h.score) for h in ranked.hits),
        )

    def _quote(self, quote: Quote, question: str) -> Cited:
        document = self._documents[quote.doc_id]
        return Cited.of(document, document.paragraph(quote.anchor), quote.score, quote.start, quote.end, question)

    def _passage(self, doc_id: str, anchor: str, score: float) -> Cited:
        document = self._documents[doc_id]
        return Cited.of(document, document.paragraph(anchor), score)

    def _document(self, doc_id: str) -> Document:
        try:
            return self._documents[doc_id]
        except KeyError:
            raise NotFound(f"no document {doc_id!r}; GET /api/documents lists them") from None


def _check_text(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise QueryError(f"{field} is empty; type a question or some words to search for")
    if len(value) > MAX_QUESTION_CHARS:
        raise QueryError(f"{field} is {len(value)} characters long; the limit is {MAX_QUESTION_CHARS}")
    return value.strip()


def _filters(k: Any, doc_ids, date_from, date_to) -> Filters:
    if isinstance(k, bool) or not isinstance(k, int) or not MIN_K <= k <= MAX_K:
        raise QueryError(f"k must be a whole number from {MIN_K} to {MAX_K}, not {k!r}")
    return Filters(tuple(doc_ids) if doc_ids else None, date_from or None, date_to or None)


def _refusal(absent_numbers: tuple[str, ...]) -> str:
    """Why the archive does not answer, one sentence: numbers the question gives that nothing near holds,
    or weak evidence."""
    if absent_numbers:
        numbers = " or ".join(f'"{n}"' for n in absent_numbers)
        return NOT_MENTIONED.format(numbers)
    return WEAK_EVIDENCE


def _ms(began: float) -> float:
    return round((time.perf_counter() - began) * 1000, 2)
