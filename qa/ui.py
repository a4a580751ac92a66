"""The Gradio chat: questions in, the archive's own words out, each quote one click from its source.

Every piece of archive or user text reaches the browser as inert text: in Markdown each ASCII
punctuation mark becomes a numeric entity (`inert`), so no tag, link or Markdown syntax can
form from it; elsewhere it goes into components that render plain text (buttons, dropdowns,
textboxes). No `gr.HTML` anywhere. The only tags in the chat are the project's own: the
`<details>`/`<summary>` that fold a refusal's nearest passages, with no archive text in them.
"""

from __future__ import annotations

import re
import string
import tempfile
from pathlib import Path
from typing import Any, Callable

import gradio as gr

from .archive import NOT_FOUND, Archive
from .chat_verdicts import Judged, VerdictBox
from .errors import QAError
from .export import WEAK_MATCH, to_markdown
from .limits import MAX_DATE_CHARS, MAX_HISTORY, MAX_QUESTION_CHARS
from .results import AskResult, Cited, DocumentDetail, ParagraphDetail
from .visible import reveal

__all__ = ["build_ui", "inert", "CSS"]

NEIGHBOURS = 2
# A refusal's nearest passages are not answers: each shows its first words, folded; the source panel shows it whole.
PREVIEW_CHARS = 200
SOURCE_HINT = "Click a quote's citation (the buttons under an answer, or the quote itself) to read it in context here."

# The cited paragraph in the source panel is the one block quote there.
CSS = """
#source-panel blockquote { background: #fff3bf; border-left: 5px solid #e8a400; color: #1f1f1f;
  padding: 0.4em 0.8em; margin: 0.6em 0; border-radius: 4px; }
#source-panel { max-height: 34em; overflow-y: auto; }
.dark #source-panel blockquote { background: #4a3b00; color: #fff7d6; }
"""

# Our own script (no archive text in it): scroll the source panel to the cited paragraph.
_SCROLL_TO_CITED = """() => { setTimeout(() => {
  const panel = document.querySelector('#source-panel');
  const cited = panel && panel.querySelector('blockquote');
  if (cited) { panel.scrollTop += cited.getBoundingClientRect().top - panel.getBoundingClientRect().top - 8; }
}, 100); }"""

_ENTITIES = {ord(c): f"&#{ord(c)};" for c in string.punctuation}


def inert(text: str) -> str:
    """`text` for Markdown, shown exactly as written: every ASCII punctuation mark as `&#NN;`.

    With no `<`, `&`, `[`, `*`, `#` … left, no HTML, link or formatting can come out of it; with
    direction overrides, zero-width and control characters named in place (`visible.reveal`),
    nothing is reordered or hidden.
    Leading spaces are dropped so that an indented line does not become a code block.
    """
    return "\n".join(line.strip().translate(_ENTITIES) for line in reveal(str(text)).split("\n"))


def _block_quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in inert(text).split("\n"))


def _quote_message(item: Cited, number: int, text: str | None = None) -> str:
    """`text` (default: the item's own) as a block quote, then its number, citation and permalink."""
    # The permalink is ours and URL-encoded (no space, bracket or parenthesis), so it cannot break the link.
    return (f"{_block_quote(item.text if text is None else text)}\n\n[{number}] — *{inert(item.citation)}* · "
            f"[open in context ↗]({item.permalink})")


def _preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """`text` on one line (hidden characters named), cut after the last whole word within `limit`
    characters, with "…" where it was cut."""
    words = re.sub(r"[ \t\n]+", " ", reveal(text)).strip()
    if len(words) <= limit:
        return words
    head = words[:limit + 1]
    return (head.rsplit(" ", 1)[0] if " " in head else words[:limit]) + " …"


def _refusal_message(answer: AskResult) -> str:
    """One message: "Not found in the archive.", why, then the nearest passages folded under a summary.

    The <details>/<summary> tags are ours and hold no archive text; each passage inside is inert Markdown
    (a blank line ends the HTML block, so Markdown renders again), shortened to its first words."""
    said = f"**{NOT_FOUND}**\n{inert(answer.reason)}"
    if not answer.passages:
        return said
    passages = "\n\n".join(_quote_message(item, number, _preview(item.text))
                            for number, item in enumerate(answer.passages, 1))
    return (f"{said}\n\n<details><summary>Nearest passages ({len(answer.passages)})</summary>\n\n"
            f"{passages}\n\n</details>")


def _by_document(items: tuple[Cited, ...]) -> list[tuple[str | None, list[tuple[int, Cited]]]]:
    """Quotes numbered by rank; when they come from several documents, grouped by document, documents by
    date (undated last), each group headed by its title and date, so that sources can be read side by side."""
    numbered = list(enumerate(items, 1))
    groups: dict[str, list[tuple[int, Cited]]] = {}
    for number, item in numbered:
        groups.setdefault(item.doc_id, []).append((number, item))
    if len(groups) < 2:
        return [(None, numbered)]
    ordered = sorted(groups.values(), key=lambda group: (not group[0][1].date, group[0][1].date))
    return [(f"**{inert(group[0][1].title)}** · {inert(group[0][1].date or 'undated')}", group) for group in ordered]


def _base_url(request: gr.Request | None) -> str:
    """The server's address as the browser reached it, to make exported permalinks absolute ("" if unknown)."""
    headers = dict(getattr(request, "headers", None) or {}) if request is not None else {}
    host = headers.get("x-forwarded-host") or headers.get("host")
    if not host:
        return ""
    scheme = headers.get("x-forwarded-proto") or "http"
    return f"{scheme}://{host}"


def build_ui(archive: Callable[[], Archive] | Archive) -> gr.Blocks:
    """The chat, its source panel and filters, calling the archive directly (never the HTTP API).

    `archive` is one Archive, or a callable giving the one live now (documents come and go
    while serving); each event asks for it once and uses that one throughout.
    """
    archive_now: Callable[[], Archive] = (lambda: archive) if isinstance(archive, Archive) else archive
    summaries = archive_now().documents()

    def show(doc_id: str, anchor: str, now: Archive | None = None):
        """The source panel's five outputs for one paragraph: text, citation, state, pickers."""
        now = now or archive_now()
        try:
            shown = now.paragraph(doc_id, anchor)
            detail = now.document(doc_id)
        except QAError as exc:  # an unknown document or anchor (a stale or forged click, a removed document)
            return (inert(str(exc)), "", None, gr.update(), gr.update())
        return (_source_markdown(now, detail.title, shown), shown.citation, [doc_id, anchor],
                gr.update(value=doc_id), gr.update(choices=_anchor_choices(detail), value=anchor))

    def document_pickers():
        """The document lists as they are now: refreshed when a page loads."""
        choices = [(d.title, d.doc_id) for d in archive_now().documents()]
        return gr.update(choices=choices), gr.update(choices=choices)

    def respond(message: str, chat: list, asked: list, refs: list, doc_ids: list | None,
                date_from: str | None, date_to: str | None, request: gr.Request):
        """Ask the archive; the answer is one chat message per quote, each with its citation and permalink,
        or for a refusal one message saying why, with the nearest passages folded under it.

        The last output is the answer as Markdown, for the export box and download."""
        chat, asked, refs = list(chat or []), list(asked or []), list(refs or [])
        if len(refs) != len(chat):  # the conversation was cleared or edited in the browser
            refs = [[] for _ in chat]
        question = (message or "").strip()
        if not question:
            return "", chat, asked, refs, gr.update()
        chat.append({"role": "user", "content": inert(question)})
        refs.append([])
        try:
            answer = archive_now().ask(question, history=tuple(asked[-MAX_HISTORY:]), k=5, doc_ids=doc_ids or None,
                                 date_from=(date_from or "").strip() or None, date_to=(date_to or "").strip() or None)
        except QAError as exc:
            chat.append({"role": "assistant", "content": f"**Cannot ask that:** {inert(str(exc))}"})
            refs.append([])
            return message, chat, asked, refs, gr.update()
        asked.append(question)
        options = []
        if not answer.answered:
            options = [(number, {"value": f"{len(chat)}:{number - 1}", "label": f"[{number}] {item.citation}"})
                       for number, item in enumerate(answer.passages, 1)]
            chat.append({"role": "assistant", "content": _refusal_message(answer)})
            # A refusal's passages are not judged (qa.chat_verdicts).
            refs.append([[item.doc_id, item.anchor, None] for item in answer.passages])
        else:
            if answer.low_confidence:
                chat.append({"role": "assistant", "content": f"*{WEAK_MATCH}*"})
                refs.append([])
            for heading, group in _by_document(answer.quotes):
                if heading:
                    chat.append({"role": "assistant", "content": heading})
                    refs.append([])
                for number, item in group:
                    options.append((number, {"value": f"{len(chat)}:0", "label": f"[{number}] {item.citation}"}))
                    chat.append({"role": "assistant", "content": _quote_message(item, number)})
                    # A quote carries what a verdict on it needs.
                    refs.append([[item.doc_id, item.anchor, Judged(number, question, item)]])
        if options:
            # Gradio shows a message's options as buttons under the latest answer, in rank order.
            chat[-1]["options"] = [option for _, option in sorted(options, key=lambda o: o[0])]
        return "", chat, asked, refs, to_markdown(answer, _base_url(request))

    def ref_at(refs: list, at: Any) -> list | None:
        """[doc_id, anchor, Judged or None] that `at` names, or None (a question, a heading, a stale index).

        `at` is "7:2", the third item shown by chat message 7 (a citation button's value), or 7, a message
        clicked, which names its item only when it shows one: a refusal's folded passages open by their buttons."""
        message, _, item = str(at).partition(":")
        try:
            number = int(message)
            shown = refs[number] if number >= 0 else []
            if not item:
                return shown[0] if len(shown) == 1 else None
            position = int(item)
            return shown[position] if position >= 0 else None
        except (TypeError, ValueError, IndexError):
            return None

    def open_ref(refs: list, at: Any):
        ref = ref_at(refs, at)
        if not ref:
            return (gr.update(),) * 5
        return show(ref[0], ref[1])

    def message_at(evt: gr.SelectData) -> Any:
        return evt.index if not isinstance(evt.index, (list, tuple)) else evt.index[0]

    def open_option(refs: list, evt: gr.SelectData):
        return open_ref(refs, evt.value)

    def open_message(refs: list, evt: gr.SelectData):
        return open_ref(refs, message_at(evt))

    def review(ref: list | None, target: Judged | None):
        """The verdict box follows the source panel: a quote's box, hidden for a passage, as it was otherwise."""
        if not ref:
            return (target, *(gr.update(),) * 4)
        return verdict_box.open(ref[2] if len(ref) > 2 else None)

    def review_option(refs: list, target: Judged | None, evt: gr.SelectData):
        return review(ref_at(refs, evt.value), target)

    def review_message(refs: list, target: Judged | None, evt: gr.SelectData):
        return review(ref_at(refs, message_at(evt)), target)

    def step(shown: list | None, direction: str):
        if not shown:
            return (gr.update(),) * 5
        now = archive_now()
        try:
            neighbour = getattr(now.paragraph(*shown), direction)
        except QAError:
            return (gr.update(),) * 5
        return show(shown[0], neighbour, now) if neighbour else (gr.update(),) * 5

    def pick_document(doc_id: str | None):
        now = archive_now()
        try:
            paragraphs = now.document(doc_id or "").paragraphs
        except QAError:
            return (gr.update(),) * 5
        return show(doc_id, paragraphs[0].anchor, now) if paragraphs else (gr.update(),) * 5

    def pick_anchor(doc_id: str | None, anchor: str | None):
        if not doc_id or not anchor:
            return (gr.update(),) * 5
        return show(doc_id, anchor)

    def clear():
        return [], [], [], "", SOURCE_HINT, "", None, "", "", gr.update(value=None, interactive=False)

    exports = Path(tempfile.mkdtemp(prefix="qa-export-"))

    def export(markdown: str, request: gr.Request):
        """The answer's Markdown in the copy box, and as a file for the download button."""
        if not markdown:
            return "", gr.update(value=None, interactive=False)
        folder = exports / "".join(c for c in str(request.session_hash or "anonymous") if c.isalnum())[:64]
        folder.mkdir(exist_ok=True)
        path = folder / "answer.md"
        path.write_text(markdown, encoding="utf-8")
        return markdown, gr.update(value=str(path), interactive=True)

    with gr.Blocks(title="Archive QA", analytics_enabled=False) as blocks:
        asked = gr.State([])     # the user's earlier questions, sent as `history`
        refs = gr.State([])      # per chat message: [doc_id, anchor, Judged or None] of each item it shows
        current = gr.State(None)  # [doc_id, anchor] in the source panel
        exported = gr.State("")  # the latest answer as Markdown
        gr.Markdown("# Archive QA\nAsk the archive a question: the answer is its own words, verbatim, "
                    "each quote with its document and paragraph. Nothing is paraphrased.")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Conversation", elem_id="chat", height=560, feedback_options=None,
                                  buttons=[], placeholder="Ask a question below, or pick an example.")
                examples = archive_now().profile.chat.examples
                question = gr.Textbox(label="Question", elem_id="question", placeholder=next(iter(examples), "Ask the archive a question"),
                                      max_length=MAX_QUESTION_CHARS, submit_btn="Ask", lines=1)
                with gr.Row():
                    new_chat = gr.Button("New conversation", size="sm", variant="secondary")
                with gr.Accordion("Export this answer (Markdown)", open=False, elem_id="export"):
                    export_box = gr.Textbox(label="The answer as Markdown: quotes, citations, permalinks",
                                            elem_id="export-markdown", lines=6, max_lines=14, interactive=False,
                                            buttons=["copy"])
                    download = gr.DownloadButton("Download answer.md", elem_id="export-download", size="sm",
                                                 interactive=False)
                if examples:  # the archive's own, from its profile
                    gr.Examples(list(examples), inputs=question, label="Example questions")
                with gr.Accordion("Filters", open=False):
                    doc_filter = gr.Dropdown([(d.title, d.doc_id) for d in summaries], value=[],
                                             multiselect=True, label="Documents", info="Empty: all documents.")
                    with gr.Row():
                        date_from = gr.Textbox("", label="Date from", placeholder="2010, 2010-12 or 2010-12-09",
                                               max_length=MAX_DATE_CHARS)
                        date_to = gr.Textbox("", label="Date to", placeholder="2010, 2010-12 or 2010-12-09",
                                             max_length=MAX_DATE_CHARS)
            with gr.Column(scale=2, elem_id="source-column"):
                gr.Markdown("## Source")
                source = gr.Markdown(SOURCE_HINT, elem_id="source-panel", line_breaks=True)
                with gr.Row():
                    prev_button = gr.Button("◀ Previous paragraph", size="sm", elem_id="source-prev")
                    next_button = gr.Button("Next paragraph ▶", size="sm", elem_id="source-next")
                citation = gr.Textbox(label="Citation", elem_id="citation", interactive=False, buttons=["copy"])
                with gr.Accordion("Read a whole document", open=False):
                    read_doc = gr.Dropdown([(d.title, d.doc_id) for d in summaries], value=None,
                                           label="Document", elem_id="read-doc")
                    read_anchor = gr.Dropdown([], value=None, label="Paragraph (anchor · label)", elem_id="read-anchor")
                verdict_box = VerdictBox(archive_now, inert, _anchor_choices)

        panel = [source, citation, current, read_doc, read_anchor]

        def opens_source(event) -> None:
            event.then(None, None, None, js=_SCROLL_TO_CITED, api_visibility="private")

        ask_inputs = [question, chat, asked, refs, doc_filter, date_from, date_to]
        ask_outputs = [question, chat, asked, refs, exported]
        question.submit(respond, ask_inputs, ask_outputs, api_name="ask").then(
            export, [exported], [export_box, download], api_visibility="private")
        opens_source(chat.option_select(open_option, [refs], panel, api_visibility="private"))
        opens_source(chat.select(open_message, [refs], panel, api_visibility="private"))
        verdict_box.wire()
        chat.option_select(review_option, [refs, verdict_box.target], verdict_box.outputs, api_visibility="private")
        chat.select(review_message, [refs, verdict_box.target], verdict_box.outputs, api_visibility="private")
        opens_source(prev_button.click(lambda c: step(c, "prev"), [current], panel, api_visibility="private"))
        opens_source(next_button.click(lambda c: step(c, "next"), [current], panel, api_visibility="private"))
        opens_source(read_doc.input(pick_document, [read_doc], panel, api_visibility="private"))
        opens_source(read_anchor.input(pick_anchor, [read_doc, read_anchor], panel, api_visibility="private"))
        new_chat.click(clear, None, [chat, asked, refs, question, source, citation, current, exported, export_box,
                                     download],
                       api_visibility="private")
        chat.clear(lambda: ([], []), None, [asked, refs], api_visibility="private")
        for cleared in (new_chat.click, chat.clear):
            cleared(lambda: verdict_box.open(None), None, verdict_box.outputs, api_visibility="private")
        blocks.load(document_pickers, None, [doc_filter, read_doc], api_visibility="private")
    # Bounded: a few questions answered at once, a short line waiting, the rest told to retry.
    blocks.queue(default_concurrency_limit=4, max_size=64)
    return blocks


def _anchor_choices(detail: DocumentDetail) -> list[tuple[str, str]]:
    """Dropdown entries for a document's paragraphs: "C4 · 4 — first words…"."""
    choices = []
    for p in detail.paragraphs:
        words = " ".join(detail.text[p.start:p.end].split())
        words = words if len(words) <= 60 else words[:59] + "…"
        choices.append((f"{p.anchor} · {p.label} — {words}", p.anchor))
    return choices


def _source_markdown(archive: Archive, title: str, shown: ParagraphDetail) -> str:
    """The cited paragraph as a (highlighted) block quote between its neighbours."""
    before, after = [], []
    doc_id, at = shown.doc_id, shown
    for _ in range(NEIGHBOURS):
        if not at.prev:
            break
        at = archive.paragraph(doc_id, at.prev)
        before.insert(0, at)
    at = shown
    for _ in range(NEIGHBOURS):
        if not at.next:
            break
        at = archive.paragraph(doc_id, at.next)
        after.append(at)
    parts = [f"### {inert(title)}"]
    section = None
    for item in [*before, shown, *after]:
        if item.section and item.section != section:
            parts.append(f"**{inert(item.section)}**")
            section = item.section
        label = f"{inert(item.label)} \u00b7 {inert(item.anchor)}"
        if item is shown:
            parts.append(f"> **▶ {label}**\n>\n{_block_quote(item.text)}")
        else:
            parts.append(f"*{label}*\n\n{inert(item.text)}")
    return "\n\n".join(parts)
