"""The exceptions Archive QA raises: one base class, a few named kinds."""

from __future__ import annotations

__all__ = [
    "QAError",
    "DocumentError",
    "CorpusError",
    "ProfileError",
    "IndexError_",
    "IndexIncompatible",
    "IndexMissing",
    "IndexWriteFailed",
    "QueryError",
    "NotFound",
    "ReaderError",
    "UploadRejected",
    "AccessError",
]


class QAError(Exception):
    """Base class of every error Archive QA raises on purpose."""


class DocumentError(QAError):
    """One document could not be read; the message names the file and the reason."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class CorpusError(QAError):
    """The corpus as a whole is unusable (missing folder, unreadable catalog)."""


class IndexError_(QAError):
    """Base of index problems (named with a trailing underscore so as not to shadow the builtin)."""


class IndexMissing(IndexError_):
    """No index has been built at the given path."""


class IndexIncompatible(IndexError_):
    """The index on disk does not match this program, model or corpus; rebuild it."""


class IndexWriteFailed(IndexError_):
    """A new generation could not be written (disk full, quota, file size limit); the live one stays."""


class QueryError(QAError):
    """A question, search or filter the caller gave is not usable; the message says why."""


class NotFound(QAError):
    """An unknown document id or paragraph anchor."""


class ProfileError(QAError):
    """A corpus's profile.toml is unusable; the message names the file, the key and the problem."""

    def __init__(self, path: str, key: str, reason: str):
        self.path = path
        self.key = key
        self.reason = reason
        super().__init__(f"{path}: {key}: {reason}" if key else f"{path}: {reason}")


class ReaderError(QAError):
    """The reader model's weights are missing, altered or unusable; the message names the file."""


class UploadRejected(QAError):
    """A file offered to the archive was refused; `kind` says why: too_large, unsupported, invalid or duplicate."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(message)


class AccessError(QAError):
    """A users file or admin token file is unusable; the message names the file and the key."""
