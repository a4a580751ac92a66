"""The chat's verdict box: for the quote a citation opened in the source panel, a reviewer records
whether it answers the question it was given for (and may name the paragraph that does), through
the same checks and store as `POST /api/verdicts` (qa.verdicts), called directly, not over HTTP.

Only quotes are judged: the nearest passages of a refusal were not offered as answers, so
"answers"/"does not" would say nothing about the answerer. Everything shown is inert text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import gradio as gr

from .archive import Archive
from .errors import QAError
from .results import Cited, DocumentDetail
from .verdicts import Judgement, Verdict, VerdictDraft, expectation, open_store

__all__ = ["Judged", "VerdictBox", "record", "said"]

ANSWERS, DOES_NOT = "answers the question", "does not"


@dataclass(frozen=True)
class Judged:
    """A quote of the chat as a verdict needs it: its number in the answer, the question it answered, the quote."""

    number: int
    question: str
    quote: Cited


def record(archive: Archive, judged: Judged, verdict: Judgement, right_anchor: str | None = None,
           reviewer: str | None = None) -> Verdict:
    """Check and store a verdict on `quote` as POST /api/verdicts does; QAError says what is wrong.

    A right paragraph goes only with `does_not_answer` (the reading page's rule)."""
    quote = judged.quote
    draft = VerdictDraft(judged.question, quote.doc_id, quote.anchor, quote.start, quote.end, quote.text, verdict,
                         right_anchor=(right_anchor or None) if verdict == "does_not_answer" else None,
                         reviewer=reviewer)
    sha256, expected = expectation(archive, draft)
    return open_store(archive.index_dir).add(draft, sha256, expected)


def said(verdict: Verdict) -> str:
    """What was stored, in the reading page's words."""
    judged = "answers the question" if verdict.verdict == "answers" else "does not answer it"
    right = f"; the right paragraph: {verdict.right_anchor}" if verdict.right_anchor else ""
    return f"Recorded as verdict {verdict.id} ({verdict.created_at}): {judged}{right}."


class VerdictBox:
    """The box under the source panel; build it inside the Blocks, then `wire` it to the chat's events."""

    def __init__(self, archive_now: Callable[[], Archive], inert: Callable[[str], str],
                 paragraphs: Callable[[DocumentDetail], list[tuple[str, str]]]):
        self._archive_now, self._inert, self._paragraphs = archive_now, inert, paragraphs
        self.target = gr.State(None)  # the Judged quote the box is for
        with gr.Group(visible=False, elem_id="chat-verdict") as self.group:
            self.heading = gr.Markdown(elem_id="verdict-heading")
            with gr.Row():
                self.answers = gr.Button(ANSWERS, size="sm", variant="primary", elem_id="verdict-answers")
                self.does_not = gr.Button(DOES_NOT, size="sm", elem_id="verdict-does-not")
            self.right = gr.Dropdown([], value=None, label="If not, the paragraph that does (optional)",
                                     elem_id="verdict-right")
            self.said = gr.Textbox(label="Verdict", interactive=False, elem_id="verdict-said", lines=1)

    @property
    def outputs(self) -> list[Any]:
        return [self.target, self.group, self.heading, self.right, self.said]

    def open(self, judged: Judged | None) -> tuple:
        """The box for `judged`, or hidden (None: a passage, a heading, a cleared chat)."""
        if judged is None:
            return None, gr.update(visible=False), "", gr.update(choices=[], value=None), ""
        try:
            detail = self._archive_now().document(judged.quote.doc_id)
        except QAError:  # removed since the answer was given: nothing left to judge against
            return None, gr.update(visible=False), "", gr.update(choices=[], value=None), ""
        heading = f"**Review quote [{judged.number}]**: does it answer *{self._inert(judged.question)}*"
        return (judged, gr.update(visible=True), heading, gr.update(choices=self._paragraphs(detail), value=None), "")

    def judge(self, quote: Judged | None, right_anchor: str | None, verdict: Judgement,
              request: gr.Request | None = None) -> str:
        if quote is None:
            return "Not recorded: open a quote first (its citation button under the answer)."
        reviewer = getattr(request, "username", None) if request is not None else None
        try:
            return said(record(self._archive_now(), quote, verdict, right_anchor, reviewer))
        except QAError as exc:
            return f"Not recorded: {exc}"

    def wire(self) -> None:
        def answers(quote: Judged | None, right: str | None, request: gr.Request) -> str:
            return self.judge(quote, right, "answers", request)

        def does_not(quote: Judged | None, right: str | None, request: gr.Request) -> str:
            return self.judge(quote, right, "does_not_answer", request)

        self.answers.click(answers, [self.target, self.right], [self.said], api_visibility="private")
        self.does_not.click(does_not, [self.target, self.right], [self.said], api_visibility="private")
