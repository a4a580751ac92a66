"""`POST /api/verify`: citation checks of saved quotes against the archive as it is now (see qa.citecheck)."""

from __future__ import annotations

from typing import Callable

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from .archive import Archive
from .citecheck import QuoteRef, VerifyResult
from .limits import MAX_VERIFY_QUOTES
from .problems import BAD_INPUT, TOO_LARGE

__all__ = ["VerifyRequest", "add_verify_routes"]


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quotes: list[QuoteRef] = Field(max_length=MAX_VERIFY_QUOTES,
                                   description=f"Quotes as /api/ask gave them, at most {MAX_VERIFY_QUOTES}.")


def add_verify_routes(app: FastAPI, current: Callable[[], Archive]) -> None:
    """The citation-check route, on the archive `current()` returns for each request."""

    @app.post("/api/verify", response_model=VerifyResult, tags=["review"], responses={**BAD_INPUT, **TOO_LARGE})
    def verify(body: VerifyRequest) -> VerifyResult:
        """Whether each quote is still where it was cited: ok, moved (with the new place), changed
        (with the nearest paragraph) or unknown_document; one result a quote, in order."""
        return current().check_quotes(body.quotes)
