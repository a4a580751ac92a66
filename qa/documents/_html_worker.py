"""The child process behind `qa.documents.html_sandbox.read_html_isolated`: lexbor runs here.

Run as `python -m qa.documents._html_worker MEMORY_LIMIT_BYTES` with the page's markup as
UTF-8 on stdin. It writes one JSON object to stdout and exits 0: `{"text": str, "blocks":
[[start, end, kind, page, indent], ...]}` or `{"error": "memory"}`. A crash or a kill shows as
a non-zero exit.
"""

from __future__ import annotations

import json
import resource
import sys
from dataclasses import astuple


def main(argv: list[str]) -> int:
    limit = int(argv[1])
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but the JSON result may reach the parent's pipe
    from qa.documents.html import read_html  # imported before the limit: trusted code, counted once

    markup = sys.stdin.buffer.read().decode("utf-8", "surrogatepass")
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        text, blocks = read_html(markup)
        payload = json.dumps({"text": text, "blocks": [astuple(b) for b in blocks]})
    except MemoryError:
        payload = json.dumps({"error": "memory"})
    out.write(payload)  # ensure_ascii: the pipe carries ASCII only
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
