"""The API's error shapes, for the `responses` of every route module (the results are qa.results' dataclasses)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from .limits import API_BODY_LIMIT

__all__ = ["Problem", "ValidationProblem", "BAD_INPUT", "TOO_LARGE", "NOT_FOUND"]


class Problem(BaseModel):
    detail: str = Field(description="What was wrong and what to do about it.")


class ValidationProblem(Problem):
    errors: list[dict[str, Any]] = Field(default_factory=list, description="Each problem: loc, msg, type.")


BAD_INPUT = {422: {"model": ValidationProblem, "description": "Bad input; `detail` says what to change."}}
TOO_LARGE = {413: {"model": Problem, "description": f"The body is over {API_BODY_LIMIT // 1024} KiB."}}
NOT_FOUND = {404: {"model": Problem, "description": "No such document or paragraph."}}
