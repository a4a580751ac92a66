"""`POST /api/verdicts` and `GET /api/verdicts`: reviewers' verdicts on quotes (see qa.verdicts)."""

from __future__ import annotations

from typing import Annotated, Callable

from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from .archive import Archive
from .errors import QueryError
from .limits import MAX_ID_CHARS, MAX_NOTE_CHARS, MAX_QUESTION_CHARS, MAX_QUOTE_CHARS, MAX_VERDICTS_PAGE, VERDICTS_PAGE
from .problems import BAD_INPUT, TOO_LARGE
from .verdicts import Judgement, Verdict, VerdictDraft, expectation, open_store

__all__ = ["VerdictRequest", "add_verdict_routes", "VERDICTS_PATH"]

VERDICTS_PATH = "/api/verdicts"

Id = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_CHARS)]
Note = Annotated[str, StringConstraints(max_length=MAX_NOTE_CHARS)]


class VerdictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, json_schema_extra={"pattern": r"\S"},
                          description="The question the quote was given for.")
    doc_id: Id = Field(description="The quote's document.")
    anchor: Id = Field(description="The quote's paragraph.")
    start: int = Field(strict=True, description="The quote's offsets in the document's text, as the API gave them.")
    end: int = Field(strict=True)
    text: str = Field(min_length=1, max_length=MAX_QUOTE_CHARS, description="The quote, verbatim.")
    verdict: Judgement = Field(description="Whether the quote answers the question.")
    right_doc_id: Id | None = Field(None, description="With `does_not_answer`: the document that does answer "
                                                      "(default: the quote's own).")
    right_anchor: Id | None = Field(None, description="With `does_not_answer`: the paragraph that does answer.")
    reviewer: Note | None = None
    note: Note | None = None

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is blank; send the question the quote was given for")
        return value


def add_verdict_routes(app: FastAPI, current: Callable[[], Archive]) -> None:
    """The verdict routes, on the archive `current()` returns for each request."""

    @app.post(VERDICTS_PATH, response_model=Verdict, status_code=201, tags=["review"], responses={**BAD_INPUT, **TOO_LARGE})
    def record_verdict(body: VerdictRequest) -> Verdict:
        """Record whether a quote answers its question (and, if not, which paragraph does)."""
        archive = current()
        draft = VerdictDraft(**body.model_dump())
        sha256, expected = expectation(archive, draft)
        return open_store(archive.index_dir).add(draft, sha256, expected)

    @app.get(VERDICTS_PATH, response_model=list[Verdict], tags=["review"], responses=BAD_INPUT)
    def list_verdicts(limit: Annotated[int, Query(description=f"How many, 1 to {MAX_VERDICTS_PAGE}.")] = VERDICTS_PAGE,
                      offset: Annotated[int, Query(description="How many of the newest to pass over.")] = 0,
                      ) -> list[Verdict]:
        """Recorded verdicts, newest first."""
        if not 0 < limit <= MAX_VERDICTS_PAGE:
            raise QueryError(f"limit must be a whole number from 1 to {MAX_VERDICTS_PAGE}, not {limit}")
        if offset < 0:
            raise QueryError(f"offset must be 0 or more, not {offset}")
        return open_store(current().index_dir).newest(limit, offset)
