"""`qa verify`: check the index against the files it was built from, offset by offset."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

from .documents import load_document
from .documents.catalog import read_catalog
from .errors import DocumentError
from .store import open_index

__all__ = ["verify_index"]


def verify_index(corpus: Path, index_dir: Path) -> tuple[dict[str, int], list[str]]:
    """Counts of what was checked, and one line per mismatch (an empty list: all holds).

    Every indexed document's file must still have the recorded sha256 and parse to the same
    canonical text and paragraphs; every paragraph, passage and sentence must lie inside the
    text, with no white space at either end, and sentences and passages inside their paragraph.
    """
    stored = open_index(index_dir)
    catalog = read_catalog(corpus)
    problems: list[str] = []
    counts = {"documents": 0, "paragraphs": 0, "passages": 0, "sentences": 0}
    spans = defaultdict(list)
    for passage in stored.passages:
        spans[passage.doc_id].append(("passage", passage))
    for sentence in stored.sentences:
        spans[sentence.doc_id].append(("sentence", sentence))
    for document in stored.documents:
        counts["documents"] += 1
        path = corpus / document.path
        if not path.is_file():
            problems.append(f"{path}: indexed as {document.doc_id} but the file is gone")
            continue
        if hashlib.sha256(path.read_bytes()).hexdigest() != document.sha256:
            problems.append(f"{path}: changed since it was indexed (sha256 differs); run `qa index`")
            continue
        try:
            fresh = load_document(path, catalog.get(path.name), document.doc_id)
        except DocumentError as exc:
            problems.append(f"{exc}")
            continue
        if fresh.text != document.text:
            problems.append(f"{path}: canonical text differs from the indexed one")
            continue
        if fresh.paragraphs != document.paragraphs:
            problems.append(f"{path}: paragraphs parse differently now than when indexed; run `qa index --force`")
        text = document.text
        by_anchor = {p.anchor: p for p in document.paragraphs}
        for p in document.paragraphs:
            counts["paragraphs"] += 1
            if not (0 <= p.start <= p.end <= len(text)) or text[p.start : p.end] != text[p.start : p.end].strip():
                problems.append(f"{path}: paragraph {p.anchor} has bad offsets {p.start}-{p.end}")
        for kind, span in spans[document.doc_id]:
            counts[f"{kind}s"] += 1
            paragraph = by_anchor.get(span.anchor)
            piece = text[span.start : span.end]
            if paragraph is None:
                problems.append(f"{path}: {kind} at {span.start}-{span.end} names unknown paragraph {span.anchor}")
            elif not (paragraph.start <= span.start < span.end <= paragraph.end) or piece != piece.strip() or not piece:
                problems.append(f"{path}: {kind} at {span.start}-{span.end} is not inside paragraph {span.anchor}")
    return counts, problems
