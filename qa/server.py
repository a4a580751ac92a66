"""One server: the REST API under /api (OpenAPI at /docs) and the Gradio chat UI at /."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any, Callable, Mapping

from fastapi import FastAPI, Path as PathParam, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Mount

from .access import Access
from .archive import Archive
from .errors import IndexWriteFailed, NotFound, QAError, QueryError
from .document_routes import UPLOAD_PATH, ReadGuard, add_document_routes, bearer_token
from .limits import (API_BODY_LIMIT, MAX_DATE_CHARS, MAX_DOC_IDS, MAX_HISTORY, MAX_ID_CHARS, MAX_K,
                     MAX_QUESTION_CHARS, MIN_K, UI_BODY_LIMIT, UI_UPLOAD_LIMIT, UPLOAD_ENVELOPE)
from .live import LiveArchive
from .problems import BAD_INPUT, NOT_FOUND, TOO_LARGE
from .reading import add_reading_routes
from .stores import StoreSettings
from .results import AskResult, DocumentDetail, DocumentSummary, Health, ParagraphDetail, SearchResult
from .verdict_routes import VERDICTS_PATH, add_verdict_routes
from .verify_routes import add_verify_routes

__all__ = ["create_app", "serve", "BodyLimit"]

log = logging.getLogger("qa.server")
_MIB = 1024 * 1024

Text = Annotated[str, StringConstraints(max_length=MAX_QUESTION_CHARS)]
DocId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_CHARS)]
DateText = Annotated[str, StringConstraints(max_length=MAX_DATE_CHARS)]
# The JSON schema says "not blank" too, so generated clients (and schemathesis) know it.
_NOT_BLANK = {"pattern": r"\S"}


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doc_ids: list[DocId] | None = Field(None, max_length=MAX_DOC_IDS,
                                        description="Only these documents (ids from GET /api/documents).")
    date_from: DateText | None = Field(None, description="Earliest date: 2010, 2010-12 or 2010-12-09.")
    date_to: DateText | None = Field(None, description="Latest date: 2010, 2010-12 or 2010-12-09.")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("is blank; type a question or some words to search for")
    return value


class SearchRequest(_Request):
    query: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, json_schema_extra=_NOT_BLANK,
                       description=f"Words or a question, 1 to {MAX_QUESTION_CHARS} characters.")
    k: int = Field(10, ge=MIN_K, le=MAX_K, strict=True, description=f"How many passages, {MIN_K} to {MAX_K}.")

    _query_not_blank = field_validator("query")(_not_blank)


class AskRequest(_Request):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, json_schema_extra=_NOT_BLANK,
                          description=f"The question, 1 to {MAX_QUESTION_CHARS} characters.")
    history: list[Text] = Field(default_factory=list, max_length=MAX_HISTORY,
                                description=f"Earlier questions of the conversation, oldest first (at most {MAX_HISTORY}).")
    k: int = Field(5, ge=MIN_K, le=MAX_K, strict=True,
                   description=f"How many passages to draw quotes from, {MIN_K} to {MAX_K}.")

    _question_not_blank = field_validator("question")(_not_blank)


# -- error shapes: qa.problems ------------------------------------------------------------------

_BAD_INPUT, _TOO_LARGE, _NOT_FOUND = BAD_INPUT, TOO_LARGE, NOT_FOUND


# -- the app -------------------------------------------------------------------------------


def create_app(archive: Archive | LiveArchive, *, ui: bool = True, access: Access | None = None) -> FastAPI:
    """The REST API over `archive`, with the Gradio chat UI mounted at / unless `ui` is False.

    A `LiveArchive` can change while serving (uploads and removals with the admin token of
    `access`); every request then uses the generation live when it arrived. With `access.users`,
    the UI asks for a login and the read API for a user's token.
    """
    access = access or Access()
    live = archive if isinstance(archive, LiveArchive) else None
    current: Callable[[], Archive] = live.current if live else (lambda: archive)
    app = FastAPI(
        title="Archive QA",
        version="1",
        summary="Verbatim quotes from the archive, with paragraph citations.",
        description="Extractive question answering: every quote is `document.text[start:end]`, "
                    "cited by document, section and paragraph. Nothing is paraphrased.",
    )
    _add_error_handlers(app)

    @app.get("/api/health", response_model=Health, tags=["archive"])
    def health() -> Health:
        """The index in use: document and passage counts, model, build time."""
        return current().health()

    @app.post("/api/search", response_model=SearchResult, tags=["archive"], responses={**_BAD_INPUT, **_TOO_LARGE})
    def search(body: SearchRequest) -> SearchResult:
        """The `k` paragraphs that best match `query`, best first, optionally filtered."""
        return current().search(body.query, k=body.k, doc_ids=body.doc_ids,
                              date_from=body.date_from, date_to=body.date_to)

    @app.post("/api/ask", response_model=AskResult, tags=["archive"], responses={**_BAD_INPUT, **_TOO_LARGE})
    def ask(body: AskRequest) -> AskResult:
        """Verbatim quotes that answer `question`; `answered` is false when the archive holds none."""
        return current().ask(body.question, history=tuple(body.history), k=body.k, doc_ids=body.doc_ids,
                           date_from=body.date_from, date_to=body.date_to)

    @app.get("/api/documents", response_model=list[DocumentSummary], tags=["documents"])
    def documents() -> list[DocumentSummary]:
        """Every document: id, title, date, origin and paragraph count."""
        return current().documents()

    @app.get("/api/documents/{doc_id}", response_model=DocumentDetail, responses={**_NOT_FOUND, **_BAD_INPUT},
             tags=["documents"])
    def document(doc_id: Annotated[str, PathParam(max_length=MAX_ID_CHARS)]) -> DocumentDetail:
        """One document: metadata, canonical `text` and each paragraph's offsets."""
        return current().document(doc_id)

    @app.get("/api/documents/{doc_id}/paragraphs/{anchor}", response_model=ParagraphDetail,
             responses={**_NOT_FOUND, **_BAD_INPUT}, tags=["documents"])
    def paragraph(doc_id: Annotated[str, PathParam(max_length=MAX_ID_CHARS)],
                  anchor: Annotated[str, PathParam(max_length=MAX_ID_CHARS)]) -> ParagraphDetail:
        """One paragraph with its text, citation and its neighbours' anchors."""
        return current().paragraph(doc_id, anchor)

    add_document_routes(app, live, access)

    add_verdict_routes(app, current)
    add_verify_routes(app, current)
    chat_login = _chat_login(app)
    add_reading_routes(app, current, _page_reader(access, chat_login))  # before the chat's mount at /, which would shadow /d/...

    if ui:
        import gradio as gr

        from .ui import CSS, build_ui

        # Mounted last: the /api routes above match first. No allowed_paths: the corpus and
        # the index are reachable only through the routes above.
        # show_error=False: an unexpected exception reaches the browser as "Error", not its text.
        # The UI takes no files, so uploads to Gradio's own route are kept tiny.
        login = access.users.check_password if access.users else None
        app = gr.mount_gradio_app(app, build_ui(current), path="/", css=CSS, ssr_mode=False,
                                  mcp_server=False, pwa=False, run_history=False, show_error=False,
                                  max_file_size=UI_UPLOAD_LIMIT, footer_links=["api"], auth=login,
                                  auth_message="Log in to ask the archive.")
    # Outermost, so it also bounds what reaches the Gradio app; the upload route gets its own limit.
    uploads = live is not None and access.admin_token is not None
    app.add_middleware(BodyLimit, upload_limit=live.max_upload + UPLOAD_ENVELOPE if uploads else API_BODY_LIMIT)
    # The reading page's verdict buttons POST with the chat's login cookie, not a token.
    app.add_middleware(ReadGuard, access=access, changes=live is not None, chat_login=chat_login,
                       cookie_paths=(VERDICTS_PATH,))
    return app


def _chat_login(app: FastAPI) -> Callable[[Mapping[str, str]], bool]:
    """Whether a request's cookies hold a live login to the chat mounted on `app` (looked up per call:
    the chat is mounted after the routes that use this)."""

    def logged_in(cookies: Mapping[str, str]) -> bool:
        # Gradio keeps its logins in its app's `tokens`, keyed by the cookie it set at /login.
        chat = next((route.app for route in app.routes if isinstance(route, Mount) and hasattr(route.app, "tokens")),
                    None)
        if chat is None:
            return False
        cookie = (cookies.get(f"access-token-{chat.cookie_id}")
                  or cookies.get(f"access-token-unsecure-{chat.cookie_id}"))
        return cookie is not None and chat.tokens.get(cookie) is not None

    return logged_in


def _page_reader(access: Access, chat_login: Callable[[Mapping[str, str]], bool]) -> Callable[[Request], bool] | None:
    """With login on, who may open a reading page: a user's API token, or the chat's login cookie (a
    reviewer opens a permalink from the chat they logged in to). None with login off."""
    if access.users is None:
        return None

    def may_read(request: Request) -> bool:
        return access.may_read(bearer_token(request.headers)) or chat_login(request.cookies)

    return may_read


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_plain_error(e) for e in exc.errors()]
        detail = "; ".join(_explain(e) for e in exc.errors()) or "the request is not valid"
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI answers 400 to a body it cannot decode (not UTF-8); that is bad input like any other.
        if exc.status_code == 400 and request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "the body is not valid JSON in UTF-8; send a JSON object"},
                                status_code=422)
        return await http_exception_handler(request, exc)

    @app.exception_handler(QueryError)
    async def bad_query(request: Request, exc: QueryError) -> JSONResponse:
        # The shape documented for every 422 (ValidationProblem); `detail` names the field.
        return JSONResponse({"detail": str(exc), "errors": []}, status_code=422)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(IndexWriteFailed)
    async def no_room(request: Request, exc: IndexWriteFailed) -> JSONResponse:
        # Disk full or a file size limit while writing a new generation: the live one still serves.
        log.error("index not written on %s %s: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": str(exc)}, status_code=507)

    @app.exception_handler(QAError)
    async def archive_error(request: Request, exc: QAError) -> JSONResponse:
        log.error("archive error on %s %s: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": str(exc)}, status_code=500)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged with its traceback on the server; the client gets one line, never the trace.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)


def _plain_error(error: dict[str, Any]) -> dict[str, Any]:
    """`loc`, `msg` and `type` only: `input` and `ctx` may hold objects JSON cannot carry."""
    return {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", "")),
            "type": str(error.get("type", ""))}


def _explain(error: dict[str, Any]) -> str:
    """One pydantic error as a sentence naming the field and what to send instead."""
    loc = [str(part) for part in error.get("loc", ())][1:]  # [0] is where: body, path or query
    field = ".".join(loc) or "the body"
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "json_invalid":
        return f"the body is not valid JSON ({ctx.get('error', 'parse error')}); send a JSON object"
    if kind in ("model_attributes_type", "dict_type", "missing") and not loc:
        return "the body must be a JSON object with the fields listed at /docs, e.g. {\"query\": \"annual budget\"}"
    if kind == "extra_forbidden":
        return f"unknown field {field!r}; see /docs for the fields this route takes"
    if kind == "missing":
        return f"{field} is required"
    if kind == "string_too_short":
        return f"{field} is empty; type a question or some words to search for"
    if kind == "string_too_long":
        size = len(value) if isinstance(value, str) else "too many"
        return f"{field} is {size} characters long; the limit is {ctx.get('max_length')}"
    if kind == "string_unicode":
        return f"{field} is not valid Unicode text (a lone surrogate such as \\ud800); send UTF-8 text"
    if kind == "too_long":
        return f"{field} has too many items; the limit is {ctx.get('max_length')}"
    if kind in ("greater_than_equal", "less_than_equal", "int_type", "int_parsing", "int_from_float"):
        if field != "k":
            return f"{field} must be a whole number, not {value!r}"
        return f"{field} must be a whole number from {MIN_K} to {MAX_K}, not {value!r}"
    if kind == "value_error":
        return f"{field} {str(error.get('msg', '')).removeprefix('Value error, ')}"
    return f"{field}: {error.get('msg', 'is not valid')}"


class BodyLimit:
    """ASGI middleware: 413 when a request body exceeds its limit, counted as it arrives.

    Content-Length is only a hint (a client can lie or send chunks), so the bytes are counted;
    the body is buffered up to the limit and then replayed to the app.
    """

    def __init__(self, app: Any, api_limit: int = API_BODY_LIMIT, ui_limit: int = UI_BODY_LIMIT,
                 upload_limit: int = API_BODY_LIMIT):
        self.app = app
        self.api_limit = api_limit
        self.ui_limit = ui_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.api_limit if scope["path"].startswith("/api/") else self.ui_limit
        if scope["path"] == UPLOAD_PATH and scope.get("method") == "POST":
            limit = max(limit, self.upload_limit)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its whole body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Any, limit: int) -> None:
    import json

    size = f"{limit // 1024} KiB" if limit < _MIB else f"{limit / _MIB:.1f} MiB"
    payload = json.dumps({"detail": f"the request body is over {size}; send less"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})


def serve(corpus: str | Path | None = None, index: str | Path | None = None, host: str = "127.0.0.1",
          port: int = 7860, model: str | None = None, reader: str | None = None, *,
          admin_token_file: str | Path | None = None, auth: str | Path | None = None,
          max_upload_mb: float | None = None, store: StoreSettings | None = None,
          encoder_engine: str | None = None) -> None:
    """Build or refresh the index (with progress shown), then serve the API and UI until stopped.

    `admin_token_file` (else $QA_ADMIN_TOKEN) enables uploads and removals; `auth` (else $QA_AUTH)
    names a users.toml and turns login on; `store` chooses the passage store (default: FAISS files in
    the index); `encoder_engine` what runs the embedding model (see `config.encoder_engine`)."""
    import os

    import uvicorn

    from . import config
    from .access import USERS_ENV, read_admin_token, read_users
    from .runtime import QUERY_THREADS, configure

    users_file = auth or os.environ.get(USERS_ENV)
    # Checked before the index is built: a bad token or users file stops the start at once.
    access = Access(read_admin_token(Path(admin_token_file) if admin_token_file else None),
                    read_users(Path(users_file)) if users_file else None)
    max_upload = config.max_upload_bytes(max_upload_mb)
    archive = Archive.open(corpus, index, model, reader=reader, progress=True,
                           on_step=lambda step: print(step, flush=True), store=store, encoder_engine=encoder_engine)
    configure(threads=QUERY_THREADS)  # the build used every core; queries from here on use one
    live = LiveArchive(archive, config.corpus_path(corpus), config.index_path(index), max_upload, store)
    app = create_app(live, access=access)
    print(f"Archive QA on http://{host}:{port}/ (API under /api, OpenAPI at /docs; sentence scorer: "
          f"{archive.answerer.scorer.name}; uploads {'on' if access.admin_token else 'off'}; "
          f"login {'on' if access.users else 'off'})", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="info")
