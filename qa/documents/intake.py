"""Files offered to the archive: checked by name and by content, then given a name the server chooses.

The client's file name is only a hint: its stem becomes a slug, its extension must agree with
what the bytes are, and the stored name adds a hash of the content, so no path, dot-segment or
odd character from the client ever reaches the file system.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from ..errors import DocumentError, UploadRejected
from . import SUPPORTED_SUFFIXES
from .text import decode

__all__ = ["Upload", "check_upload", "safe_stem"]

# Formats people send by mistake, told apart by their first bytes so the refusal can name them.
_OTHER_FORMATS = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or a Word/Excel file)"), (b"\xd0\xcf\x11\xe0", "an old Office file"),
    (b"\x1f\x8b", "a gzip archive"), (b"\x7fELF", "a program"), (b"MZ", "a program"), (b"{\\rtf", "an RTF file"),
)
# The start of an HTML page: a doctype or one of the tags a page opens with.
_HTML_START = re.compile(rb"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)[\s>]", re.I | re.S)
_SLUG_CHARS = 60
_MB = 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """A file that passed the checks: the name it gets in the corpus and its bytes."""

    name: str  # "<slug>-<hash>.<ext>", the extension from the content
    slug: str  # the client's file name as lower-case words and dashes
    kind: str  # "pdf", "html", "markdown" or "text"
    data: bytes

    @property
    def stem(self) -> str:
        return self.name.rsplit(".", 1)[0]


def check_upload(client_name: str, data: bytes, max_bytes: int) -> Upload:
    """Refuse `data` unless its size, its name's extension and its content agree; name it safely.

    Raises UploadRejected: `too_large`, `unsupported` (a type the archive does not read) or
    `invalid` (content that contradicts the name, or is empty or not text).
    """
    shown = _printable(client_name) or "(no name)"
    if len(data) > max_bytes:
        raise UploadRejected("too_large", f"{shown} is over the upload limit of {max_bytes / _MB:g} MB")
    suffix = "." + client_name.rsplit(".", 1)[-1].lower() if "." in client_name else ""
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadRejected("unsupported", f"{shown}: unsupported file type {suffix or '(no extension)'}; "
                                            f"send one of {', '.join(SUPPORTED_SUFFIXES)}")
    for magic, what in _OTHER_FORMATS:
        if data.startswith(magic):
            raise UploadRejected("unsupported", f"{shown} is {what}, not a document the archive reads; "
                                                f"send one of {', '.join(SUPPORTED_SUFFIXES)}")
    kind = _kind(shown, suffix, data)
    extension = {"pdf": ".pdf", "html": ".html", "markdown": ".md", "text": ".txt"}[kind]
    digest = hashlib.sha256(data).hexdigest()[:10]
    slug = safe_stem(client_name)
    return Upload(f"{slug}-{digest}{extension}", slug, kind, data)


def _kind(shown: str, suffix: str, data: bytes) -> str:
    """What the bytes are, checked against what the name says."""
    if not data.strip():
        raise UploadRejected("invalid", f"{shown} is empty")
    # PDF readers accept the header anywhere in the first KiB; so do we, but nowhere else.
    is_pdf = b"%PDF-" in data[:1024]
    if suffix == ".pdf":
        if not is_pdf:
            raise UploadRejected("invalid", f"{shown} is named .pdf but is not a PDF (no %PDF- header)")
        return "pdf"
    if is_pdf:
        raise UploadRejected("invalid", f"{shown} is a PDF but named {suffix}; send it as .pdf")
    try:
        decode(shown, data)
    except DocumentError as exc:
        raise UploadRejected("invalid", f"{shown} is named {suffix} but is not text: {exc.reason}") from None
    looks_html = bool(_HTML_START.match(data.removeprefix(b"\xef\xbb\xbf")[:4096]))
    if suffix in (".html", ".htm"):
        if b"<" not in data:
            raise UploadRejected("invalid", f"{shown} is named {suffix} but holds no HTML markup")
        return "html"
    if looks_html:
        raise UploadRejected("invalid", f"{shown} is an HTML page but named {suffix}; send it as .html")
    return "markdown" if suffix == ".md" else "text"


def safe_stem(client_name: str) -> str:
    """The last component of the client's name, without extension, as lower-case ASCII words and dashes."""
    base = re.split(r"[/\\]", client_name)[-1]
    stem = base.rsplit(".", 1)[0]
    ascii_text = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:_SLUG_CHARS].rstrip("-") or "document"


def _printable(name: str) -> str:
    """The client's name fit for a message: control characters gone, length bounded."""
    return "".join(ch for ch in name if ch.isprintable())[:120]
