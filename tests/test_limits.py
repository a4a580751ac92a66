"""Input limits have one home, qa/limits.py: no other module of qa/ writes one as a number."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import ROOT
from qa import limits

PACKAGE = ROOT / "qa"
# 0 and 1 are everywhere (MIN_K is 1): the keyword check below catches `ge=1`.
LIMIT_VALUES = {value for name, value in vars(limits).items()
                if name.isupper() and isinstance(value, int) and value > 1}
# A number on a line that speaks of bounds on input is a limit written twice.
BOUND_WORDS = re.compile(r"max_length|min_length|max_file_size|\ble=|\bge=|limit|at most|characters|history|"
                         r"doc_ids|MAX_|\bk\b|len\(", re.I)
BOUND_KEYWORDS = {"max_length", "min_length", "le", "ge", "lt", "gt", "max_file_size"}


def _constant(node: ast.AST) -> int | None:
    """The value of an integer literal or of arithmetic on literals (`64 * 1024`), else None."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.BinOp):
        left, right = _constant(node.left), _constant(node.right)
        if left is not None and right is not None:
            operations = {ast.Mult: int.__mul__, ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Pow: int.__pow__,
                          ast.LShift: int.__lshift__}
            operation = operations.get(type(node.op))
            return operation(left, right) if operation else None
    return None


def written_limits(source: str) -> list[tuple[int, str]]:
    """(line, what) for each input limit written as a literal in `source`."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg in BOUND_KEYWORDS and _constant(node.value) is not None:
            if (node.arg, _constant(node.value)) == ("min_length", 1):
                continue  # "not empty": the meaning of a required text, not a limit to tune
            found.append((node.value.lineno, f"{node.arg}={_constant(node.value)}"))
            continue
        value = _constant(node)
        if value in LIMIT_VALUES and BOUND_WORDS.search(lines[node.lineno - 1]):
            found.append((node.lineno, str(value)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for number in re.findall(r"\b\d+\b", node.value):
                if int(number) in LIMIT_VALUES and BOUND_WORDS.search(node.value):
                    found.append((node.lineno, f"{number} in text"))
    return sorted(set(found))


@pytest.mark.parametrize("source", [
    "q = Field(min_length=1, max_length=2000)",
    "history: list = Field(max_length=20)",
    "API_BODY_LIMIT = 64 * 1024",
    'DESCRIPTION = "The question, 1 to 2000 characters."',
    "if len(doc_ids) > 100: raise QueryError('too many')",
], ids=["max_length", "history", "body-size", "in-a-description", "a-comparison"])
def test_the_scan_finds_a_limit_written_as_a_number(source):
    assert written_limits(source)


def test_input_limits_are_written_only_in_qa_limits():
    written = {
        f"{path.relative_to(ROOT).as_posix()}:{line}": what
        for path in sorted(PACKAGE.rglob("*.py")) if path != PACKAGE / "limits.py"
        for line, what in written_limits(path.read_text(encoding="utf-8"))
    }
    assert written == {}, "import these from qa.limits instead"
