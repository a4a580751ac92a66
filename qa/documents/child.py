"""Run a parser in a child process under a time limit and read its one JSON answer."""

from __future__ import annotations

import json
import signal
import subprocess
from typing import Any

from ..errors import DocumentError

__all__ = ["run_parser"]


def run_parser(command: list[str], where: str, parser: str, timeout: float, *, data: bytes | None = None,
               **popen: Any) -> dict[str, Any]:
    """The JSON object `command` prints; DocumentError naming `where` if it times out or dies without one.

    `parser` names it in the one-line reasons ("PDF parser timed out after 20 s")."""
    try:
        # On timeout, run() kills the child and reaps it before raising.
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout,
                              stdin=None if data is not None else subprocess.DEVNULL, **popen)
    except subprocess.TimeoutExpired:
        raise DocumentError(where, f"{parser} timed out after {timeout:g} s") from None
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise DocumentError(where, _crash_reason(done, parser)) from None


def _crash_reason(done: subprocess.CompletedProcess[bytes], parser: str) -> str:
    """A one-line reason for a child that died without answering."""
    stderr = done.stderr.decode("utf-8", "replace")
    if "MemoryError" in stderr or "Cannot allocate memory" in stderr:
        return f"{parser} exceeded the memory limit"
    if done.returncode < 0:
        try:
            name = signal.Signals(-done.returncode).name
        except ValueError:
            name = f"signal {-done.returncode}"
        return f"{parser} crashed ({name})"
    last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "")
    return f"{parser} failed (exit status {done.returncode}){': ' + last[:120] if last else ''}"
