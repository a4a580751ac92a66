"""A living archive: documents added and removed while it serves, each change a new generation.

`LiveArchive.current()` is what a request (an API route, a UI event, a CLI command) uses from
start to end. A change writes the corpus, refreshes the index (only the changed document is
parsed and embedded) and then swaps in a new, immutable `Archive` by reference: a request in
flight finishes on the generation it started with, the next one sees the new one, never a mix.
One lock serialises the writers.

The old generation's vectors are memory-mapped: on POSIX a mapping outlives the unlinking of
its file, so an `Archive` still answering when a later build prunes its generation keeps
answering from the same bytes.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from .archive import Archive
from .atomic import fsync_dir, write_atomically
from .documents import corpus_files, load_document
from .documents.catalog import CatalogEntry, infer_entry, iso_date, read_catalog, write_catalog_entry
from .documents.intake import Upload, check_upload
from .errors import DocumentError, NotFound, UploadRejected
from .indexer import refresh_index
from .limits import MAX_DATE_CHARS, MAX_TITLE_CHARS
from .profile import load_profile
from .results import DocumentSummary
from .types import Document

__all__ = ["LiveArchive", "Removed"]

# Hidden folders of the corpus (the loader skips hidden names): a file being checked before it
# joins, and one being removed until the index without it is live.
INCOMING = ".incoming"
OUTGOING = ".removed"


@dataclass(frozen=True)
class Removed:
    """What `DELETE /api/documents/{doc_id}` removed: the document and the file it came from."""

    doc_id: str
    title: str
    file: str
    documents_left: int


class LiveArchive:
    """The archive being served, over `corpus` and `index`; replaced whole on each change."""

    def __init__(self, archive: Archive, corpus: Path, index: Path, max_upload: int):
        self._archive = archive
        self.corpus = Path(corpus)
        self.index = Path(index)
        self.max_upload = max_upload
        self._lock = threading.Lock()

    def current(self) -> Archive:
        """The live generation; hold on to it for the whole of one request."""
        return self._archive

    def add(self, client_name: str, data: bytes, title: str | None = None, date: str | None = None) -> DocumentSummary:
        """Store `data` under a safe name, index it and make it live; returns the new document's summary.

        Raises UploadRejected (too large, unsupported, unreadable, already there), leaving the
        corpus and the served generation as they were.
        """
        upload = check_upload(client_name, data, self.max_upload)
        title, date = _checked_title(title), _checked_date(date)
        with self._lock:
            target = self.corpus / upload.name
            if target.exists():
                raise UploadRejected("duplicate", f"the same file is already in the archive as {upload.stem!r}")
            entry = self._checked_entry(upload, title, date)
            try:
                write_catalog_entry(self.corpus, upload.name, entry)
                os.replace(self.corpus / INCOMING / upload.name, target)
                fsync_dir(self.corpus)
                archive = self._refreshed()
                added = next((d for d in archive.refresh.load.documents if d.path == upload.name), None)
                failed = next((e for e in archive.refresh.load.errors if Path(e.path).name == upload.name), None)
                if added is None:
                    reason = failed.reason if failed else "it did not load"
                    raise UploadRejected("invalid", f"{client_name}: cannot be read: {reason}")
            except BaseException:
                (self.corpus / INCOMING / upload.name).unlink(missing_ok=True)
                target.unlink(missing_ok=True)
                write_catalog_entry(self.corpus, upload.name, None)
                raise
            self._archive = archive
        return DocumentSummary.of(added)

    def remove(self, doc_id: str) -> Removed:
        """Delete the document's file and catalog entry and make the index without it live."""
        with self._lock:
            document = _find(self._archive, doc_id)
            source = self._file_of(document)
            entry = read_catalog(self.corpus).get(source.name)
            parked = self.corpus / OUTGOING / source.name
            parked.parent.mkdir(exist_ok=True)
            os.replace(source, parked)
            write_catalog_entry(self.corpus, source.name, None)
            try:
                fsync_dir(self.corpus)
                archive = self._refreshed()
            except BaseException:
                os.replace(parked, source)
                if entry is not None:
                    write_catalog_entry(self.corpus, source.name, entry)
                raise
            self._archive = archive
            parked.unlink()
        return Removed(document.doc_id, document.title, source.name, len(archive.documents()))

    def _checked_entry(self, upload: Upload, title: str, date: str) -> CatalogEntry:
        """Parse the upload where the corpus does not see it yet (PDFs in the sandbox); its catalog entry."""
        incoming = self.corpus / INCOMING
        incoming.mkdir(exist_ok=True)
        staged = incoming / upload.name
        write_atomically(staged, upload.data)
        try:
            document = load_document(staged, profile=load_profile(self.corpus))
        except DocumentError as exc:
            staged.unlink(missing_ok=True)
            raise UploadRejected("invalid", f"the {upload.kind} file cannot be read: {exc.reason}") from None
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        # Read from the client's name without the hash the stored name adds ("2010-12-09-report").
        inferred = infer_entry(Path(upload.slug + Path(upload.name).suffix), document.text)
        return CatalogEntry(title=title or inferred.title, date=date or inferred.date, source=inferred.source)

    def _file_of(self, document: Document) -> Path:
        direct = self.corpus / document.path
        if direct.is_file():
            return direct
        found = [p for p in corpus_files(self.corpus) if p.name == document.path]
        if not found:
            raise NotFound(f"document {document.doc_id!r}: its file {document.path!r} is no longer in the corpus")
        return found[0]

    def _refreshed(self) -> Archive:
        archive = self._archive
        return archive.with_refresh(refresh_index(self.corpus, self.index, archive.encoder))


def _find(archive: Archive, doc_id: str) -> Document:
    for document in archive.stored.documents:
        if document.doc_id == doc_id:
            return document
    raise NotFound(f"no document {doc_id!r}; GET /api/documents lists them")


def _checked_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if len(title) > MAX_TITLE_CHARS:
        raise UploadRejected("invalid", f"title is {len(title)} characters long; the limit is {MAX_TITLE_CHARS}")
    if any(not ch.isprintable() for ch in title):
        raise UploadRejected("invalid", "title holds control characters; send plain text")
    return title


def _checked_date(date: str | None) -> str:
    date = (date or "").strip()
    if not date:
        return ""
    iso = iso_date(date[:MAX_DATE_CHARS])
    if not iso:
        raise UploadRejected("invalid", f"date {date[:MAX_DATE_CHARS]!r} is not a date; write it as 2010-12-09 or 2012-03")
    return iso

