"""Writing a file so that a crash leaves either the old bytes or the new ones, never half of either;
and a file's sha256, by which what was written is checked when it is read back."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

__all__ = ["write_atomically", "fsync_dir", "file_sha256"]


def write_atomically(path: Path, data: bytes) -> None:
    """`data` into a hidden temporary beside `path`, fsynced, renamed over `path`, the folder fsynced."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}")
    try:
        with open(temporary, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in `directory` durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
