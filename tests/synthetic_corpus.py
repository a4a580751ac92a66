"""A seeded corpus of generated reports for tests and benches that need many documents.

Each file is plain text: a title line, then numbered paragraphs ("1. …") of a few sentences of
words drawn from a fixed vocabulary, so that documents differ from one another and every run
with the same seed writes the same bytes.
"""

from __future__ import annotations

import random
from pathlib import Path

__all__ = ["write_corpus"]

_WORDS = (
    "committee review budget staff training report survey community housing transport library "
    "river school clinic volunteer council meeting decision evidence figure quarter target audit "
    "contract supplier service visitor complaint response delay repair garden bridge station "
    "archive record policy member officer support scheme grant project pilot outcome measure"
).split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 18))]
    if rng.random() < 0.3:
        words.insert(rng.randint(1, len(words) - 1), str(rng.randint(2, 990)))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def write_corpus(folder: Path, documents: int, *, seed: int = 0, paragraphs: tuple[int, int] = (6, 10),
                 sentences: tuple[int, int] = (2, 4)) -> list[Path]:
    """Write `documents` generated reports into `folder` (created); returns their paths."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, documents + 1):
        title = f"Report {number}: {rng.choice(_WORDS)} and {rng.choice(_WORDS)}"
        body = [f"{k}. " + " ".join(_sentence(rng) for _ in range(rng.randint(*sentences)))
                for k in range(1, rng.randint(*paragraphs) + 1)]
        path = folder / f"report-{number:04d}.txt"
        path.write_text(title + "\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
