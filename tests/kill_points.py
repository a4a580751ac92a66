"""Running `python -m qa.cli index` as a real child process and SIGKILLing it at a chosen point.

A point is tied to the progress the command prints on stderr: "the first line holding
`anchor`, then `delay` seconds". A reference run records when each line came, and
`spread_points` turns that timeline into points spread over the build, half of them
packed into the short write-and-switch phase after "writing", where a kill matters most.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["KillPoint", "Run", "run_index", "spread_points", "BUILDING", "WRITING", "DONE"]

ROOT = Path(__file__).resolve().parent.parent
BUILDING = "building the index"
WRITING = "writing "
DONE = "index built: "
_LINE_BREAK = re.compile(rb"[\r\n]+")


@dataclass(frozen=True)
class KillPoint:
    anchor: str
    delay: float

    def __str__(self) -> str:
        return f"{self.anchor.strip()!r}+{self.delay * 1000:.0f}ms"


@dataclass
class Run:
    """What one run printed (line, seconds since start) and how it ended."""

    events: list[tuple[str, float]] = field(default_factory=list)
    returncode: int | None = None
    killed: bool = False
    seconds: float = 0.0

    def at(self, anchor: str) -> float:
        return next(t for line, t in self.events if anchor in line)

    def output(self) -> str:
        return "\n".join(line for line, _ in self.events)


def run_index(corpus: Path, index: Path, *extra: str, kill: KillPoint | None = None, timeout: float = 300) -> Run:
    """Run `qa index` to the end, or SIGKILL it at `kill` (if it has not finished by then)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "qa.cli", "index", "--corpus", str(corpus), "--index", str(index), *extra]
    run = Run()
    began = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    seen = threading.Condition()

    def read() -> None:
        pending = b""
        while chunk := os.read(process.stdout.fileno(), 4096):
            pieces = _LINE_BREAK.split(pending + chunk)
            pending = pieces.pop()
            now = time.monotonic() - began
            with seen:
                run.events.extend((p.decode("utf-8", "replace"), now) for p in pieces if p.strip())
                seen.notify_all()
        with seen:
            if pending.strip():
                run.events.append((pending.decode("utf-8", "replace"), time.monotonic() - began))
            seen.notify_all()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if kill is not None:
        with seen:
            seen.wait_for(lambda: process.poll() is not None or any(kill.anchor in line for line, _ in run.events),
                          timeout=timeout)
        time.sleep(kill.delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            run.killed = True
    run.returncode = process.wait(timeout=timeout)
    reader.join(timeout=10)
    process.stdout.close()
    run.seconds = time.monotonic() - began
    return run


def spread_points(reference: Run, count: int) -> list[KillPoint]:
    """`count` points over `reference`'s build: half from "building" to "writing", half after "writing"."""
    building, writing, end = reference.at(BUILDING), reference.at(WRITING), reference.at(DONE)
    early = count // 2
    late = count - early
    points = [KillPoint(BUILDING, (i + 0.5) / early * (writing - building)) for i in range(early)]
    # The write phase is short (tens of ms): spread over 90% of it, so few kills land after the exit.
    points += [KillPoint(WRITING, i / late * 0.9 * (end - writing)) for i in range(late)]
    return points
