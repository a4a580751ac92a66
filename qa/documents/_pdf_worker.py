"""The child process behind `qa.documents.pdf.read_pdf`: pypdf runs here, never in the caller.

`pdf.extract_pages` runs this file as a script, with PATH and MEMORY_LIMIT_BYTES as
arguments and a clean sys.path; it imports only pypdf and the standard library. It writes
one JSON object to stdout and exits 0: `{"pages": [text, ...]}` or
`{"error": KIND, "detail": str}`, KIND one of "encrypted", "memory", "unreadable".
A crash or a kill shows as a non-zero exit.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import warnings
from typing import Any


def _limit_memory(limit: int) -> None:
    """Cap the address space; the hard limit too, so the parsed file cannot raise it again."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _first_line(exc: BaseException, width: int = 120) -> str:
    """`Class: first line of the message`, printable and at most about `width` long."""
    kind = type(exc)
    name = kind.__qualname__
    if kind.__module__ != "builtins" and not kind.__module__.startswith("pypdf"):
        name = f"{kind.__module__}.{name}"  # "zlib.error", not a bare "error"
    lines = str(exc).strip().splitlines()
    message = "".join(c if c.isprintable() else "?" for c in (lines[0].strip() if lines else ""))
    if len(message) > width:
        message = message[: width - 1] + "…"
    return f"{name}: {message}" if message else name


def extract(path: str) -> dict[str, Any]:
    """The text of each page of the PDF at `path`, or the reason there is none."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import FileNotDecryptedError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            return {"error": "encrypted", "detail": ""}
        return {"pages": [page.extract_text() for page in reader.pages]}
    except FileNotDecryptedError as exc:
        return {"error": "encrypted", "detail": _first_line(exc)}
    except MemoryError:
        return {"error": "memory", "detail": ""}
    # pypdf fails on malformed files with plain AssertionError, KeyError, TypeError,
    # RecursionError, zlib.error ... as well as its own errors: every one is a bad file.
    except Exception as exc:  # noqa: BLE001
        return {"error": "unreadable", "detail": _first_line(exc)}


def main(argv: list[str]) -> int:
    path, memory_limit = argv[1], int(argv[2])
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but the JSON result may reach the parent's pipe
    logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)  # its modules log to children of it
    warnings.simplefilter("ignore")
    # pypdf recurses on nested objects; keep Python's guard well below the C stack's depth
    # so that a deeply nested file ends in RecursionError, not a segfault.
    sys.setrecursionlimit(1000)
    import pypdf  # noqa: F401  (imported before the limit: trusted code, counted once)

    _limit_memory(memory_limit)
    try:
        payload = json.dumps(extract(path))  # ensure_ascii: the pipe carries ASCII only
    except MemoryError:
        payload = json.dumps({"error": "memory", "detail": ""})
    out.write(payload)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
