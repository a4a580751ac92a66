"""Hostile files: cost bombs end in bounded time and memory as one line each; Unicode tricks stay inert.

The PDF bombs are generated (`pdf_bombs`); the HTML one is markup nested deeper than lexbor
builds in reasonable time. Each is parsed by the real sandboxed child, under a short time limit
so the test stays quick (the default limit is `qa.limits.PARSER_SECONDS`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pdf_bombs
from conftest import ROOT
from qa.documents import load_document
from qa.documents.html_sandbox import read_html_isolated
from qa.errors import DocumentError
from qa.ui import inert
from qa.visible import is_hidden

LIMIT = 5.0  # seconds a parse may take here
MEMORY = 1024**3


def bounded(parse) -> tuple[str, float]:
    """Run `parse`; its one-line error or "text", and the seconds it took."""
    began = time.monotonic()
    try:
        parse()
        outcome = "text"
    except DocumentError as exc:
        outcome = str(exc)
    seconds = time.monotonic() - began
    assert seconds < LIMIT + 3, f"{outcome} after {seconds:.1f} s"
    assert "\n" not in outcome
    return outcome, seconds


# Whichever limit stops a bomb first (pypdf's own caps, or the child's clock): on a busy machine
# the clock can win the race, so either is a pass; text or any other error is not.
DEFUSED = ("LimitReachedError", f"timed out after {LIMIT:g} s", "memory limit")


@pytest.mark.parametrize("make", [
    pdf_bombs.flate_bomb,  # 256 MiB of zeros in a 1 MiB stream; pypdf caps inflation
    pdf_bombs.fan_out,  # 2**40 pages declared in 45 objects; pypdf caps page-tree entries
    pdf_bombs.shared_stream,  # 2,000 pages each drawing one 16 MiB stream: stopped by the clock
], ids=["flate", "fan-out", "shared-stream"])
def test_pdf_cost_bomb_ends_in_one_line_within_the_limits(tmp_path, make):
    path = tmp_path / "bomb.pdf"
    path.write_bytes(make())
    assert path.stat().st_size < 4 << 20
    outcome, seconds, peak = read_pdf_alone(path)
    assert seconds < LIMIT + 3, f"{outcome} after {seconds:.1f} s"
    assert "\n" not in outcome
    assert outcome.startswith(f"{path}: ") and any(reason in outcome for reason in DEFUSED), outcome
    # The parser child ran under its address-space cap and its peak resident size stayed under it.
    assert 0 < peak < MEMORY, f"{peak / 2**20:.0f} MiB"


# Run in a fresh interpreter so that RUSAGE_CHILDREN's peak there is this one parse's child alone:
# in the test process it is the peak over every child any earlier test started.
_ALONE = """
import json, resource, sys, time
from pathlib import Path
from qa.documents.pdf import read_pdf
from qa.errors import DocumentError
began = time.monotonic()
try:
    read_pdf(Path(sys.argv[1]), timeout=float(sys.argv[2]), memory_limit=int(sys.argv[3]))
    outcome = "text"
except DocumentError as exc:
    outcome = str(exc)
seconds = time.monotonic() - began
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak": peak}))
"""


def read_pdf_alone(path: Path) -> tuple[str, float, int]:
    """`read_pdf(path)` in a fresh interpreter: its one-line error or "text", seconds, the child's peak RSS in bytes."""
    # This checkout's code, not the installed one.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.fspath(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-c", _ALONE, os.fspath(path), str(LIMIT), str(MEMORY)],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )
    answer = json.loads(done.stdout)
    return answer["outcome"], answer["seconds"], answer["peak"]


def test_deeply_nested_html_is_stopped_at_the_time_limit():
    depth = 60_000  # lexbor's tree building is quadratic in depth: over a minute in-process
    markup = "<p>before</p>" + "<div>" * depth + "deep" + "</div>" * depth
    outcome, _ = bounded(lambda: read_html_isolated("page.html", markup, timeout=LIMIT))
    assert outcome == f"page.html: HTML parser timed out after {LIMIT:g} s"


def test_html_in_the_child_gives_the_same_text_and_blocks_as_in_process():
    from qa.documents.html import read_html

    markup = "<h1>Title</h1><p>One <b>two</b></p><ul><li>three<p>four</p></li></ul>" + "<div>" * 2000 + "x" + "</div>" * 2000
    assert read_html_isolated("page.html", markup) == read_html(markup)


TRICKS = "\u202eevil\u202c \u2066iso\u2069 \u200bzero\u200d width\ufeff \u0007bell \u001bescape \u2028line"


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_unicode_tricks_stay_verbatim_in_the_text_and_inert_on_screen(tmp_path, suffix):
    path = tmp_path / f"2011-01-01-tricks{suffix}"
    body = f"Tricks\n\n1. A paragraph with {TRICKS} in it.\n\n2. A second paragraph.\n"
    path.write_text(f"<p>{body}</p>" if suffix == ".html" else body, encoding="utf-8")
    document = load_document(path)
    tricky = next(p for p in document.paragraphs if "evil" in document.paragraph_text(p))
    quote = document.text[tricky.start : tricky.end]
    assert "\u202e" in quote and "\u200b" in quote  # parsed text keeps them: quotes are verbatim
    shown = inert(quote)
    assert not any(is_hidden(ch) for ch in shown), repr(shown)
    # Named in place (the brackets and "+" are entities in Markdown), in the order written.
    assert shown.index("U&#43;202E") < shown.index("evil") < shown.index("U&#43;202C")
    assert "U&#43;200B" in shown and "U&#43;0007" in shown
