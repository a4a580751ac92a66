"""HTML parsing under the same limits as PDF: in a child process, with a timeout and a memory cap.

lexbor builds its tree in time quadratic in the nesting depth (fifty thousand nested `<div>` take
over a minute on two cores) and cannot be interrupted from a thread, so the page is parsed
in `_html_worker` and the child is killed at the time limit. Every failure is one line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import DocumentError
from ..limits import PARSER_MEMORY, PARSER_SECONDS
from .blocks import Block
from .child import run_parser

__all__ = ["read_html_isolated"]

# The folder holding the `qa` package: the child imports it from there, whatever its working directory.
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def read_html_isolated(where: str, markup: str, *, timeout: float = PARSER_SECONDS,
                       memory_limit: int = PARSER_MEMORY) -> tuple[str, list[Block]]:
    """`html.read_html(markup)` run in a child process; DocumentError naming `where` on any failure."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "qa.documents._html_worker", str(int(memory_limit))]
    result = run_parser(command, where, "HTML parser", timeout, data=markup.encode("utf-8", "surrogatepass"),
                        cwd=_PACKAGE_ROOT, env=env)
    if result.get("error") == "memory":
        raise DocumentError(where, "HTML parser exceeded the memory limit")
    return result["text"], [Block(*row) for row in result["blocks"]]

