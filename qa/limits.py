"""Every bound on input, in one place: the API's request models, the facade, the CLI and the UI import these.

A request over a limit gets a 422 naming the field and the limit; a body over its size a 413.
"""

from __future__ import annotations

__all__ = ["MAX_QUESTION_CHARS", "MIN_K", "MAX_K", "MAX_HISTORY", "MAX_DOC_IDS", "MAX_ID_CHARS",
           "MAX_DATE_CHARS", "API_BODY_LIMIT", "UI_BODY_LIMIT", "UI_UPLOAD_LIMIT",
           "MAX_UPLOAD_MB", "UPLOAD_ENVELOPE", "MAX_TITLE_CHARS", "MAX_VERIFY_QUOTES", "MAX_QUOTE_CHARS",
           "MAX_NOTE_CHARS", "VERDICTS_PAGE", "MAX_VERDICTS_PAGE",
           "PARSER_SECONDS", "PARSER_MEMORY"]

# A question, a search query, or one earlier question of `history`.
MAX_QUESTION_CHARS = 2000
# How many passages a search returns, or an answer draws its quotes from.
MIN_K = 1
MAX_K = 100
# Earlier questions of a conversation sent with `history`; the UI sends at most the last this many.
MAX_HISTORY = 20
# Documents named in a `doc_ids` filter, and the length of one id (also of an anchor in a path).
MAX_DOC_IDS = 100
MAX_ID_CHARS = 200
# `date_from` / `date_to` as typed ("2010-12-09" is 10; room for stray spaces, never for a book).
MAX_DATE_CHARS = 32
# Request bodies in bytes. The Gradio UI posts the whole conversation back with each question,
# so it gets more room than a JSON call to /api.
API_BODY_LIMIT = 64 * 1024
UI_BODY_LIMIT = 4 * 1024 * 1024
# Files posted to Gradio's own upload route: the UI takes none, so this is kept tiny.
UI_UPLOAD_LIMIT = 1024 * 1024
# A document posted to POST /api/documents (or `qa add`), in MiB; `--max-upload-mb` or $QA_MAX_UPLOAD_MB.
MAX_UPLOAD_MB = 50
# Room for the multipart framing and the title/date fields around the file on the upload route.
UPLOAD_ENVELOPE = 64 * 1024
# A title given with an upload.
MAX_TITLE_CHARS = 300
# Quotes checked by one `POST /api/verify`. The body limit above bounds them too: 100 quotes of
# two sentences each, sent back with every field /api/ask gave them, come to about 60 KiB.
MAX_VERIFY_QUOTES = 100
# The text of one quote sent back (to verify, or with a verdict): a long paragraph at most.
MAX_QUOTE_CHARS = 16_000
# A reviewer's name or note on a verdict.
MAX_NOTE_CHARS = 2000
# Verdicts listed by one `GET /api/verdicts` (or `qa verdicts list`): when no limit is given, and at most.
VERDICTS_PAGE = 50
MAX_VERDICTS_PAGE = 500
# A child process parsing one PDF or HTML file: wall-clock seconds and address space in bytes.
# Malformed files can hang a parser (pypdf) or cost time quadratic in nesting (lexbor: 50,000
# nested <div> take over a minute); a file over either limit is refused with one line.
PARSER_SECONDS = 20.0
PARSER_MEMORY = 2 * 1024**3
