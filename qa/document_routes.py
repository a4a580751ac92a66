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

from fastapi import Depends, FastAPI, File, Form, HTTPException, Path as PathParam, Request, Security, UploadFile
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
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
_NEEDS_ADMIN = "this route needs 'Authorization: Bearer <admin token>'"
_CHALLENGE = {"WWW-Authenticate": "Bearer"}
# Declared so that /openapi.json shows the routes need a bearer token; the check is ours (`admin`).
_ADMIN_SCHEME = HTTPBearer(scheme_name="admin token", auto_error=False,
                           description=f"The admin token (${ADMIN_TOKEN_ENV} or --admin-token-file).")


def bearer_token(headers: Any) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def add_document_routes(app: FastAPI, live: LiveArchive | None, access: Access) -> None:
    """The upload and removal routes over `live` (None: an archive that cannot change, so 403)."""

    def admin(credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_ADMIN_SCHEME)]) -> LiveArchive:
        if access.admin_token is None or live is None:
            raise HTTPException(403, _ENABLE)
        if credentials is None or not access.is_admin(credentials.credentials):
            raise HTTPException(401, _NEEDS_ADMIN, headers=_CHALLENGE)
        return live

    problems = {401: {"model": Problem, "description": "No or wrong admin token."},
                403: {"model": Problem, "description": "Changes are off (no admin token configured)."},
                404: {"model": Problem, "description": "No such document."},
                422: {"model": ValidationProblem, "description": "Bad input; `detail` says what to change."},
                507: {"model": Problem,
                      "description": "The new index could not be written (disk full); the archive is unchanged."}}

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
    """ASGI middleware, outermost: checks the token before a body is read.

    With login on, /api routes but health answer 401 without a user's (or the admin) token; a
    change (POST or DELETE under /api/documents) answers 403 or 401 without the admin token,
    so nobody without it can make the server take in a large upload. The routes check again.
    On `cookie_paths`, a live login to the chat (`chat_login` of the request's cookies) also lets a
    read through when it comes from this site: the reading page's verdict buttons have no token.
    """

    def __init__(self, app: Any, access: Access, changes: bool = True, open_paths: tuple[str, ...] = ("/api/health",),
                 chat_login: Callable[[Mapping[str, str]], bool] | None = None, cookie_paths: tuple[str, ...] = ()):
        self.app = app
        self.access = access
        self.changes = changes
        self.open_paths = open_paths
        self.chat_login = chat_login
        self.cookie_paths = cookie_paths

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/") or path in self.open_paths:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or ()}
        token = bearer_token(headers)
        if scope.get("method") in ("POST", "DELETE") and (path == UPLOAD_PATH or path.startswith(UPLOAD_PATH + "/")):
            if self.access.admin_token is None or not self.changes:
                await _refuse(send, 403, _ENABLE)
            elif not self.access.is_admin(token):
                await _refuse(send, 401, _NEEDS_ADMIN)
            else:
                await self.app(scope, receive, send)
            return
        if self.access.may_read(token) or self._chat_user(path, headers):
            await self.app(scope, receive, send)
            return
        await _refuse(send, 401, "log in first: send 'Authorization: Bearer <API token>' (`qa users add NAME` prints one)")

    def _chat_user(self, path: str, headers: dict[str, str]) -> bool:
        if self.chat_login is None or path not in self.cookie_paths or not _same_site(headers):
            return False
        return self.chat_login(cookie_parser(headers.get("cookie", "")))


async def _refuse(send: Any, status: int, detail: str) -> None:
    payload = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _same_site(headers: dict[str, str]) -> bool:
    """No Origin (not a cross-site browser request), or an Origin naming this host: a page elsewhere
    cannot spend a reviewer's login cookie."""
    origin = headers.get("origin")
    return origin is None or urlsplit(origin).netloc == headers.get("host")
