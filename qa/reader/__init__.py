"""The project's own reader: a small cross-encoder choosing answer sentences and refusals.

Heavy imports (torch, transformers) wait until a reader is loaded or trained.
"""

from .model import DEFAULT_WEIGHTS, Reader, ReaderInput, reader_text

__all__ = ["DEFAULT_WEIGHTS", "Reader", "ReaderInput", "reader_text"]
