"""Changing the archive over HTTP, and who may: `POST /api/documents`, `DELETE /api/documents/{doc_id}`.

Both need `Authorization: Bearer <admin token>`; with no admin token configured they answer
403 saying how to turn them on. With login on (`--auth users.toml`), `ReadGuard` asks every
other /api route but health for a user's API token (the admin token also reads).
"""

# No `from __future__ import annotations`: FastAPI must see the route's Annotated types as objects,
# and `admin` below is a closure it could not resolve from a string.
import json
from typing import Annotated, Any, Callable, Mapping
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, File, Form, HTTPException, Path as PathParam, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.requests import cookie_parser

from .access import ADMIN_TOKEN_ENV, Access
from .errors import UploadRejected
from .limits import MAX_DATE_CHARS, MAX_ID_CHARS, MAX_TITLE_CHARS
from .live import LiveArchive, Removed
from .problems import Problem, ValidationProblem
from .results import DocumentSummary

__all__ = ["add_document_routes", "ReadGuard", "bearer_token", "UPLOAD_PATH"]

UPLOAD_PATH = "/api/documents"
_STATUS = {"too_large": 413, "unsupported": 415, "invalid": 422, "duplicate": 409}
_ENABLE = (f"changes to the archive are off: start the server with ${ADMIN_TOKEN_ENV} set "
           f"(or --admin-token-file FILE) and send it as 'Authorization: Bearer <token>'")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def bearer_token(headers: Any) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def add_document_routes(app: FastAPI, live: LiveArchive | None, access: Access) -> None:
    """The upload and removal routes over `live` (None: an archive that cannot change, so 403)."""

    def admin(request: Request) -> LiveArchive:
        if access.admin_token is None or live is None:
            raise HTTPException(403, _ENABLE)
        if not access.is_admin(bearer_token(request.headers)):
            raise HTTPException(401, "this route needs 'Authorization: Bearer <admin token>'", headers=_CHALLENGE)
        return live

    problems = {401: {"model": Problem, "description": "No or wrong admin token."},
                403: {"model": Problem, "description": "Changes are off (no admin token configured)."},
                404: {"model": Problem, "description": "No such document."},
                422: {"model": ValidationProblem, "description": "Bad input; `detail` says what to change."}}

    @app.post(UPLOAD_PATH, status_code=201, response_model=DocumentSummary, tags=["documents"],
              responses={**problems,
                         409: {"model": Problem, "description": "The same file is already in the archive."},
                         413: {"model": Problem, "description": "The file is over the upload limit."},
                         415: {"model": Problem, "description": "Not a type the archive reads (.txt, .md, .html, .pdf)."},
                         422: {"model": ValidationProblem,
                               "description": "The content contradicts the name or cannot be read, or a bad field."}})
    def upload(archive: Annotated[LiveArchive, Depends(admin)],
               file: Annotated[UploadFile, File(description="The document: .txt, .md, .html or .pdf.")],
               title: Annotated[str | None, Form(max_length=MAX_TITLE_CHARS,
                                                 description="Its title (default: read from the file).")] = None,
               date: Annotated[str | None, Form(max_length=MAX_DATE_CHARS,
                                                description="Its date: 2010-12-09 or 2012-03.")] = None) -> DocumentSummary:
        """Add a document: stored under a name the server chooses, indexed, and searchable when this returns."""
        data = file.file.read(archive.max_upload + 1)
        return archive.add(file.filename or "", data, title=title, date=date)

    @app.delete(f"{UPLOAD_PATH}/{{doc_id}}", response_model=Removed, tags=["documents"], responses=problems)
    def remove(archive: Annotated[LiveArchive, Depends(admin)],
               doc_id: Annotated[str, PathParam(max_length=MAX_ID_CHARS)]) -> Removed:
        """Remove a document: its file and catalog entry are deleted and the index without it goes live."""
        return archive.remove(doc_id)

    @app.exception_handler(UploadRejected)
    async def rejected(request: Request, exc: UploadRejected) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=_STATUS.get(exc.kind, 422))


class ReadGuard:
    """ASGI middleware: with login on, /api routes but health answer 401 without a user's (or the admin) token.

    On `cookie_paths`, a live login to the chat (`chat_login` of the request's cookies) also lets a
    request through when it comes from this site: the reading page's verdict buttons have no token.
    """

    def __init__(self, app: Any, access: Access, open_paths: tuple[str, ...] = ("/api/health",),
                 chat_login: Callable[[Mapping[str, str]], bool] | None = None, cookie_paths: tuple[str, ...] = ()):
        self.app = app
        self.access = access
        self.open_paths = open_paths
        self.chat_login = chat_login
        self.cookie_paths = cookie_paths

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or self.access.users is None or not path.startswith("/api/")
                or path in self.open_paths):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or ()}
        if self.access.may_read(bearer_token(headers)) or self._chat_user(path, headers):
            await self.app(scope, receive, send)
            return
        payload = json.dumps({"detail": "log in first: send 'Authorization: Bearer <API token>' "
                                        "(`qa users add NAME` prints one)"}).encode()
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    def _chat_user(self, path: str, headers: dict[str, str]) -> bool:
        if self.chat_login is None or path not in self.cookie_paths or not _same_site(headers):
            return False
        return self.chat_login(cookie_parser(headers.get("cookie", "")))


def _same_site(headers: dict[str, str]) -> bool:
    """No Origin (not a cross-site browser request), or an Origin naming this host: a page elsewhere
    cannot spend a reviewer's login cookie."""
    origin = headers.get("origin")
    return origin is None or urlsplit(origin).netloc == headers.get("host")
