"""The shapes of the API's error bodies, shared by every route module (the results are qa.results' dataclasses)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["Problem", "ValidationProblem"]


class Problem(BaseModel):
    detail: str = Field(description="What was wrong and what to do about it.")


class ValidationProblem(Problem):
    errors: list[dict[str, Any]] = Field(default_factory=list, description="Each problem: loc, msg, type.")
