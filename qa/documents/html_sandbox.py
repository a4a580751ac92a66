"""HTML parsing under the same limits as PDF: in a child process, with a timeout and a memory cap.

lexbor builds its tree in time quadratic in the nesting depth (fifty thousand nested `<div>` take
over a minute on two cores) and cannot be interrupted from a thread, so the page is parsed
in `_html_worker` and the child is killed at the time limit. Every failure is one line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from ..errors import DocumentError
from ..limits import PARSER_MEMORY, PARSER_SECONDS
from .blocks import Block

__all__ = ["read_html_isolated"]

# The folder holding the `qa` package: the child imports it from there, whatever its working directory.
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def read_html_isolated(where: str, markup: str, *, timeout: float = PARSER_SECONDS,
                       memory_limit: int = PARSER_MEMORY) -> tuple[str, list[Block]]:
    """`html.read_html(markup)` run in a child process; DocumentError naming `where` on any failure."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "qa.documents._html_worker", str(int(memory_limit))]
    try:
        done = subprocess.run(command, input=markup.encode("utf-8", "surrogatepass"), capture_output=True,
                              timeout=timeout, cwd=_PACKAGE_ROOT, env=env)
    except subprocess.TimeoutExpired:  # run() has killed and reaped the child
        raise DocumentError(where, f"HTML parser timed out after {timeout:g} s") from None
    try:
        result = json.loads(done.stdout)
    except ValueError:
        raise DocumentError(where, _crash_reason(done)) from None
    if result.get("error") == "memory":
        raise DocumentError(where, "HTML parser exceeded the memory limit")
    return result["text"], [Block(*row) for row in result["blocks"]]


def _crash_reason(done: subprocess.CompletedProcess[bytes]) -> str:
    stderr = done.stderr.decode("utf-8", "replace")
    if "MemoryError" in stderr or "Cannot allocate memory" in stderr:
        return "HTML parser exceeded the memory limit"
    if done.returncode < 0:
        try:
            name = signal.Signals(-done.returncode).name
        except ValueError:
            name = f"signal {-done.returncode}"
        return f"HTML parser crashed ({name})"
    last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "")
    return f"HTML parser failed (exit status {done.returncode}){': ' + last[:120] if last else ''}"
