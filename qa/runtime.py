"""Process-wide settings, made once at start-up and never in a request path or a constructor."""

from __future__ import annotations

import os

__all__ = ["ENVIRONMENT", "QUERY_THREADS", "configure"]

# Defaults only: a variable the user set is kept. No model from a hub, no analytics (gradio reads
# its variable when first imported, so `configure` must run before that).
ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
}

# A query encodes a sentence or two: with torch's one-thread-per-core default it waits on whatever
# else holds a core (measured on two busy cores: search p50 22.7 ms, p95 485 ms with two threads;
# 13.8 ms and 17.7 ms with one; encoding alone at load 6, p50 291 ms with two, 28 ms with one).
# Concurrent requests still use every core, one request a thread. The count is process-wide, so
# it is set once, after any index build and before the first query.
QUERY_THREADS = 1


def configure(threads: int | None = None) -> None:
    """Set the environment defaults, and torch's thread count when `threads` is given.

    `None` leaves torch at its default (one thread per core, or `OMP_NUM_THREADS`), which is
    what an index build wants; torch is then not imported, so a command that never encodes
    stays quick.
    """
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        import torch

        torch.set_num_threads(threads)
