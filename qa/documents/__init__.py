"""Parsing: files of the corpus into Documents with citable paragraphs."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError, DocumentError
from ..profile import PROFILE_NAME, Profile, load_profile
from ..types import Document
from .catalog import CATALOG_NAME, CatalogEntry, infer_entry, read_catalog
from .structure import paragraphs_from_blocks
from .text import decode, read_text

__all__ = ["SUPPORTED_SUFFIXES", "CorpusLoad", "CorpusFile", "plan_corpus", "load_corpus", "load_document", "corpus_files",
           "doc_id_for"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")


@dataclass(frozen=True)
class CorpusLoad:
    """What loading a corpus gave: the documents that parsed and one error per file that did not."""

    documents: tuple[Document, ...]
    errors: tuple[DocumentError, ...]
    warnings: tuple[str, ...] = ()
    parsed: tuple[str, ...] = ()  # the files parsed anew (the others were reused)
    profile: Profile = Profile()  # the profile the documents were parsed with


@dataclass(frozen=True)
class CorpusFile:
    """One file of the corpus as loading will treat it: its id, catalog entry, and the earlier
    parse to reuse (`known`) when its bytes and catalog facts are unchanged."""

    path: Path
    doc_id: str
    entry: CatalogEntry | None
    known: Document | None = None


def corpus_files(corpus: Path) -> list[Path]:
    """Every file of the corpus but the catalog, the profile and hidden files, in name order."""
    if not corpus.is_dir():
        raise CorpusError(f"{corpus}: no such corpus folder")
    return sorted(
        p for p in corpus.rglob("*")
        if p.is_file() and p.name not in (CATALOG_NAME, PROFILE_NAME) and not any(part.startswith(".") for part in p.relative_to(corpus).parts)
    )


def doc_id_for(path: Path) -> str:
    """A URL-safe id from the file name: "2010-12-09-first-six-months"."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip("-") or "document"


def load_document(
    path: Path, entry: CatalogEntry | None = None, doc_id: str | None = None, profile: Profile | None = None
) -> Document:
    """Parse one file; raises DocumentError naming the file and the reason.

    Without `profile`, the one kept in the file's folder (`profile.toml`, else the default) applies.
    """
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(name, f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(name, f"cannot read ({exc.strerror})") from exc
    warnings: list[str] = []
    if suffix == ".pdf":
        from .pdf import read_pdf

        if not raw:
            raise DocumentError(name, "empty file")
        text, blocks = read_pdf(path)
    elif suffix in (".html", ".htm"):
        from .html_sandbox import read_html_isolated

        markup, warnings = decode(name, raw)
        text, blocks = read_html_isolated(name, markup)
    else:
        text, warnings = decode(name, raw)
        blocks = read_text(text, markdown=suffix == ".md")
    entry = entry or infer_entry(path, text)
    structure = paragraphs_from_blocks(text, blocks, profile if profile is not None else load_profile(path.parent),
                                       entry.title)
    paragraphs = structure.paragraphs
    if not any(p.end > p.start for p in paragraphs):
        raise DocumentError(name, "no paragraphs of text found")
    return Document(
        doc_id=doc_id or doc_id_for(path),
        path=path.name,
        title=entry.title,
        date=entry.date,
        origin=entry.origin,
        source=entry.source,
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        paragraphs=paragraphs,
        warnings=tuple(warnings),
        dropped=structure.dropped,
    )


def plan_corpus(corpus: Path, reuse: Mapping[str, Document] | None = None) -> list[CorpusFile]:
    """Every file of the corpus, in name order, with its document id and what can be reused.

    Ids come from file names alone (a second file with the same stem gets its suffix in the id),
    so a document keeps its id whether or not another file parses.
    """
    catalog = read_catalog(corpus)
    reuse = reuse or {}
    planned, seen = [], set()
    for path in corpus_files(corpus):
        doc_id = doc_id_for(path)
        if doc_id in seen:
            doc_id = doc_id_for(path.with_name(path.name.replace(".", "-")))
        seen.add(doc_id)
        entry = catalog.get(path.name)
        known = reuse.get(path.name)
        usable = known is not None and known.doc_id == doc_id and _unchanged(path, entry, known)
        planned.append(CorpusFile(path, doc_id, entry, known if usable else None))
    return planned


def load_corpus(corpus: Path, reuse: Mapping[str, Document] | None = None, profile: Profile | None = None) -> CorpusLoad:
    """Load every file under `corpus`; a file that fails is reported and the others still load.

    `profile` defaults to the corpus's own (`load_profile(corpus)`; a bad one raises ProfileError).
    `reuse` maps file names to documents parsed before (from an index, under the same profile):
    a file whose bytes and catalog facts are unchanged is taken from there instead of being
    parsed again.
    """
    profile = profile if profile is not None else load_profile(corpus)
    documents, errors, warnings, parsed = [], [], [], []
    for file in plan_corpus(corpus, reuse):
        if file.known is not None:
            documents.append(file.known)
            continue
        try:
            document = load_document(file.path, file.entry, file.doc_id, profile)
        except DocumentError as exc:
            errors.append(exc)
            continue
        parsed.append(file.path.name)
        warnings.extend(document.warnings)
        documents.append(document)
    return CorpusLoad(tuple(documents), tuple(errors), tuple(warnings), tuple(parsed), profile)


def _unchanged(path: Path, entry: CatalogEntry | None, known: Document) -> bool:
    if hashlib.sha256(path.read_bytes()).hexdigest() != known.sha256:
        return False
    return entry is None or (entry.title, entry.date, entry.origin, entry.source) == (
        known.title, known.date, known.origin, known.source)
