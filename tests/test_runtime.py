"""Process-wide state is set once at start-up (`qa.runtime.configure`), never by a request."""

from __future__ import annotations

import os

import pytest
import torch

from fixtures_archive import encoder  # noqa: F401  (fixture)
from qa.runtime import ENVIRONMENT, configure


@pytest.fixture
def threads():
    """Torch's thread count, put back after the test whatever it did."""
    before = torch.get_num_threads()
    yield before
    torch.set_num_threads(before)


def test_encoding_leaves_torch_thread_count_alone(encoder, threads):
    # Three: neither the one thread a query once switched to nor, on most machines, the core count.
    torch.set_num_threads(3)
    encoder.encode(["How many staff does it have?"])
    assert torch.get_num_threads() == 3
    encoder.encode([f"sentence number {n} of a build batch" for n in range(40)])
    assert torch.get_num_threads() == 3


def test_configure_sets_the_thread_count_once_asked(threads):
    configure(threads=1)
    assert torch.get_num_threads() == 1
    configure()
    assert torch.get_num_threads() == 1, "configure() without threads leaves torch as it is"


def test_configure_rejects_no_threads(threads):
    with pytest.raises(ValueError, match="threads must be at least 1, got 0"):
        configure(threads=0)


def test_configure_sets_defaults_and_keeps_what_the_user_set(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "True")
    configure()
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "True"
