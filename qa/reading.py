"""The reading page: a document as plain server-rendered HTML, the cited paragraph highlighted and a
quote's words marked in it, at the address every quote carries (`/d/{doc_id}/{anchor}?start=S&end=E`).

A reviewer opens it weeks later, without the chat, and may print it. All archive text is HTML-escaped;
the page's one script is ours, holds no archive text, and the Content-Security-Policy admits it (and
the stylesheet) by hash and nothing else, so even a slip in escaping could not run a payload.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from html import escape
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from .archive import Archive
from .errors import NotFound
from .limits import MAX_QUESTION_CHARS
from .results import permalink
from .types import Document, Paragraph

__all__ = ["Span", "render_document", "render_problem", "add_reading_routes", "LONG_DOCUMENT", "WINDOW"]

LONG_DOCUMENT = 200  # paragraphs; a longer document's page shows a window around the cited paragraph
WINDOW = 30  # paragraphs each side of the cited one, in such a window
MAX_OFFSET = 10**9
SHOWN_ID_CHARS = 120  # of an unknown id, echoed in a 404 page

STYLE = """
body { font: 17px/1.55 Georgia, "Times New Roman", serif; color: #1d1d1d; background: #fdfcf9; margin: 0; }
nav { font: 14px/1.4 system-ui, sans-serif; background: #2f3a4a; padding: 0.5em 1.2em; position: sticky; top: 0; }
nav a { color: #fff; margin-right: 1.2em; }
header, main, .notice { max-width: 46em; margin: 0 auto; padding: 0 1.2em; }
h1 { font-size: 1.5em; margin: 0.9em 0 0.3em; }
h2 { font-size: 1.05em; margin: 1.6em 0 0.4em; color: #4a4a4a; }
.meta { font: 14px/1.5 system-ui, sans-serif; color: #444; margin: 0 0 1em; }
.meta span + span::before { content: " · "; }
.citation { font: 14px/1.5 system-ui, sans-serif; }
.notice { font: 15px/1.5 system-ui, sans-serif; background: #fde2e1; border-left: 5px solid #c0392b;
  padding: 0.5em 0.8em; margin: 1em auto; }
.paragraph { margin: 0.9em 0; padding: 0.2em 0.6em; scroll-margin-top: 3em; border-left: 5px solid transparent; }
.paragraph .ref { font: 13px/1.4 system-ui, sans-serif; color: #555; display: block; }
.paragraph .text { white-space: pre-wrap; }
.cited { background: #fff3bf; border-left-color: #e8a400; scroll-margin-top: 20vh; }
mark { background: #ffd43b; color: inherit; padding: 0.05em 0; }
.more { font: 14px/1.5 system-ui, sans-serif; }
#verdict { font: 15px/1.5 system-ui, sans-serif; border: 1px solid #c9c9c9; border-radius: 6px; padding: 0.4em 0.9em;
  margin: 1em 0; background: #f4f6fa; }
#verdict button { font: inherit; margin: 0.2em 0.4em 0.2em 0; }
#verdict .said { font-weight: 600; }
@media print {
  nav, .more, #verdict { display: none; }
  body { background: #fff; font-size: 12pt; }
  .paragraph .ref { color: #000; text-decoration: none; }
  .cited { border-left: 3pt solid #000; background: none; }
  mark { background: none; font-weight: bold; text-decoration: underline; }
}
""".strip()

# Opened from a permalink without a #fragment: bring the cited paragraph into view. With a question
# (`q`), the verdict buttons POST /api/verdicts; every value comes from the page's data attributes
# and text, and the reply is shown with textContent (never as HTML).
SCRIPT = """
if (!location.hash) { const c = document.querySelector('.cited'); if (c) c.scrollIntoView(); }
const review = document.getElementById('verdict');
if (review) {
  const said = review.querySelector('.said');
  for (const button of review.querySelectorAll('button[data-verdict]')) {
    button.addEventListener('click', async () => {
      const d = review.dataset, verdict = button.dataset.verdict;
      const body = {question: d.question, doc_id: d.doc, anchor: d.anchor, start: Number(d.start),
                    end: Number(d.end), text: document.querySelector('.cited mark').textContent, verdict};
      const right = review.querySelector('select').value;
      if (right && verdict === 'does_not_answer') body.right_anchor = right;
      said.textContent = 'Saving…';
      try {
        const response = await fetch('/api/verdicts', {method: 'POST', body: JSON.stringify(body),
                                                       headers: {'Content-Type': 'application/json'}});
        const data = await response.json();
        said.textContent = !response.ok ? `Not recorded: ${data.detail}` :
          `Recorded as verdict ${data.id} (${data.created_at}): ` +
          (data.verdict === 'answers' ? 'answers the question' : 'does not answer it') +
          (data.right_anchor ? `; the right paragraph: ${data.right_anchor}` : '') + '.';
      } catch (error) { said.textContent = `Not recorded: ${error}`; }
    });
  }
}
""".strip()


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


CSP = (f"default-src 'none'; style-src {_sha256(STYLE)}; script-src {_sha256(SCRIPT)}; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@dataclass(frozen=True)
class Span:
    """Offsets a permalink asks to mark, into the document's canonical text."""

    start: int
    end: int


def render_document(document: Document, anchor: str | None = None, span: Span | None = None,
                    question: str | None = None, *, long_document: int = LONG_DOCUMENT, window: int = WINDOW) -> str:
    """The reading page of `document`; with `anchor`, that paragraph highlighted and, with `span`, the
    span marked in it. A span outside the paragraph leaves it unmarked, with a notice saying so.
    With `question` too (and the span marked), buttons to record whether the quote answers it.

    Raises NotFound for an anchor the document does not have."""
    paragraphs = document.paragraphs
    at = None
    if anchor is not None:
        at = next((i for i, p in enumerate(paragraphs) if p.anchor == anchor), None)
        if at is None:
            raise NotFound(f"document {document.doc_id!r} has no paragraph {anchor!r}")
    first, last = 0, len(paragraphs)
    if at is not None and len(paragraphs) > long_document:
        first, last = max(0, at - window), min(len(paragraphs), at + window + 1)
    cited = paragraphs[at] if at is not None else None
    notice = _span_notice(cited, span) if cited is not None and span is not None else ""
    marked = span if cited is not None and span is not None and not notice else None
    whole = escape(permalink(document.doc_id))
    parts = [_header(document, cited)]
    if notice:
        parts.append(f'<p class="notice" role="alert">{escape(notice)}</p>')
    parts.append("<main>")
    if first > 0:
        parts.append(f'<p class="more"><a href="{whole}#{escape(paragraphs[first - 1].anchor)}">{first} earlier '
                     f'paragraphs: read the whole document</a></p>')
    section = None
    for paragraph in paragraphs[first:last]:
        if paragraph.section != section:
            section = paragraph.section
            if section:
                parts.append(f"<h2>{escape(section)}</h2>")
        parts.append(_paragraph(document, paragraph, paragraph is cited, marked if paragraph is cited else None))
        if paragraph is cited and marked is not None and question:  # right under the quote it judges
            parts.append(_verdict_panel(document, cited, marked, question, paragraphs[first:last]))
    if last < len(paragraphs):
        parts.append(f'<p class="more"><a href="{whole}#{escape(paragraphs[last].anchor)}">{len(paragraphs) - last} '
                     f'later paragraphs: read the whole document</a></p>')
    parts.append("</main>")
    title = f"{cited.reference} · {document.title}" if cited is not None else document.title
    return _page(title, "\n".join(parts), _nav(document))


def render_problem(heading: str, message: str) -> str:
    """A page saying what was not found or what was wrong with the address."""
    body = f"<header><h1>{escape(heading)}</h1></header>\n<p class=\"notice\" role=\"alert\">{escape(message)}</p>"
    return _page(heading, body, '<nav><a href="/">Ask the archive</a></nav>')


def _span_notice(paragraph: Paragraph, span: Span) -> str:
    if paragraph.start <= span.start < span.end <= paragraph.end:
        return ""
    return (f"The quoted span {span.start}–{span.end} is not inside this paragraph (its text runs from "
            f"{paragraph.start} to {paragraph.end}), so nothing is marked: the document may have changed "
            f"since the link was made. The paragraph is shown whole.")


def _verdict_panel(document: Document, cited: Paragraph, span: Span, question: str,
                   shown: tuple[Paragraph, ...]) -> str:
    """Two buttons that record whether the marked quote answers `question`, and an optional right paragraph."""
    data = {"question": question, "doc": document.doc_id, "anchor": cited.anchor, "start": str(span.start),
            "end": str(span.end)}
    attributes = " ".join(f'data-{name}="{escape(value)}"' for name, value in data.items())
    choices = "".join(f'<option value="{escape(p.anchor)}">{escape(p.reference)} · {escape(p.anchor)}</option>'
                      for p in shown if p is not cited)
    return (f'<section id="verdict" aria-label="Review" {attributes}>\n'
            f"<p>Question: <q>{escape(question)}</q></p>\n<p>Does the marked quote answer it?\n"
            '<button type="button" data-verdict="answers">answers the question</button>\n'
            '<button type="button" data-verdict="does_not_answer">does not</button></p>\n'
            f'<p><label>If not, the paragraph that does (optional): <select name="right_anchor">'
            f'<option value="">—</option>{choices}</select></label></p>\n'
            '<p class="said" role="status" aria-live="polite"></p>\n</section>')


def _header(document: Document, cited: Paragraph | None) -> str:
    facts = [document.date or "undated", document.source, document.origin]
    meta = "".join(f"<span>{escape(fact)}</span>" for fact in facts if fact)
    header = f"<header>\n<h1>{escape(document.title)}</h1>\n<p class=\"meta\">{meta}</p>"
    if cited is not None:
        header += f"\n<p class=\"citation\">Cited: {escape(document.citation(cited))}</p>"
    return header + "\n</header>"


def _nav(document: Document) -> str:
    doc = escape(permalink(document.doc_id))
    api = escape("/api/documents/" + permalink(document.doc_id).removeprefix("/d/"))
    return (f'<nav aria-label="Site"><a href="/">Ask the archive</a><a href="{doc}">The whole document</a>'
            f'<a href="{api}">As JSON</a></nav>')


def _paragraph(document: Document, paragraph: Paragraph, cited: bool, span: Span | None) -> str:
    text = document.text
    if span is None:
        body = escape(text[paragraph.start:paragraph.end])
    else:
        body = (escape(text[paragraph.start:span.start]) + "<mark>" + escape(text[span.start:span.end]) + "</mark>"
                + escape(text[span.end:paragraph.end]))
    reference = paragraph.reference + (f", page {paragraph.page}" if paragraph.page is not None else "")
    link = escape(permalink(document.doc_id, paragraph.anchor))
    css = "paragraph cited" if cited else "paragraph"
    return (f'<article class="{css}" id="{escape(paragraph.anchor)}">'
            f'<a class="ref" href="{link}">{escape(reference)}</a>'
            f'<div class="text">{body}</div></article>')


def _page(title: str, body: str, nav: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{nav}\n{body}\n"
            f"<script>{SCRIPT}</script>\n</body>\n</html>\n")


# -- routes ----------------------------------------------------------------------------------


class _BadAddress(ValueError):
    pass


def _offset(name: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_OFFSET:
        raise _BadAddress(f"{name} must be a whole number of characters from 0 to {MAX_OFFSET}, "
                          f"not {raw[:SHOWN_ID_CHARS]!r}")
    return int(raw)


def _span(request: Request) -> Span | None:
    start = _offset("start", request.query_params.get("start"))
    end = _offset("end", request.query_params.get("end"))
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise _BadAddress("give both start and end (character offsets of the quote), or neither")
    return Span(start, end)


def _question(request: Request) -> str | None:
    question = (request.query_params.get("q") or "").strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise _BadAddress(f"q (the question) is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    return question or None


def _html(page: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(page, status_code=status, headers={"Content-Security-Policy": CSP,
                                                            "X-Content-Type-Options": "nosniff"})


def _not_found(what: str) -> HTMLResponse:
    return _html(render_problem("Not found", f"The archive has no {what}. It may have been removed or renamed "
                                             "since the link was made; the chat at / searches what it holds."), 404)


def add_reading_routes(app: FastAPI, current: Callable[[], Archive],
                       may_read: Callable[[Request], bool] | None = None) -> None:
    """`GET /d/{doc_id}` (a whole document) and `GET /d/{doc_id}/{anchor}` (a cited paragraph, with
    `?start=S&end=E` a quote marked): HTML pages, not in the OpenAPI schema. Register them before
    mounting the chat at /, which would otherwise answer for these paths. With `may_read` (login on),
    a request it refuses gets a 401 page."""

    def reply(doc_id: str, anchor: str | None, request: Request) -> HTMLResponse:
        if may_read is not None and not may_read(request):
            return _html(render_problem("Log in first", "This archive needs a login: log in to the chat at / "
                                                        "(or send a user's API token), then open this link again."), 401)
        try:
            span = _span(request) if anchor is not None else None
            question = _question(request)
        except _BadAddress as exc:
            return _html(render_problem("Bad address", str(exc)), 422)
        archive = current()
        try:
            document = archive.parsed(doc_id)
        except NotFound:
            return _not_found(f"document {doc_id[:SHOWN_ID_CHARS]!r}")
        try:
            return _html(render_document(document, anchor, span, question))
        except NotFound:
            return _not_found(f"paragraph {(anchor or '')[:SHOWN_ID_CHARS]!r} in the document {document.title!r}")

    @app.get("/d/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def whole_document(doc_id: str, request: Request) -> HTMLResponse:
        return reply(doc_id, None, request)

    @app.get("/d/{doc_id}/{anchor}", response_class=HTMLResponse, include_in_schema=False)
    def cited_paragraph(doc_id: str, anchor: str, request: Request) -> HTMLResponse:
        return reply(doc_id, anchor, request)
