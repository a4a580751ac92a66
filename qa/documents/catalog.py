"""Catalog facts about each file (title, date, origin), and what can be read when there are none."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from ..atomic import write_atomically
from ..errors import CorpusError

__all__ = ["CATALOG_NAME", "CatalogEntry", "read_catalog", "write_catalog_entry", "infer_entry", "iso_date"]

CATALOG_NAME = "catalog.json"
_FIELDS = ("title", "date", "origin", "source")


@dataclass(frozen=True)
class CatalogEntry:
    title: str
    date: str  # ISO 8601: "2010-12-09", or "2012-03" where only the month is known
    origin: str = ""
    source: str = ""  # how a citation names the document's origin: "Report 9, 9 December 2010"


def read_catalog(corpus: Path) -> dict[str, CatalogEntry]:
    """The catalog beside the documents, keyed by file name; empty when there is none."""
    path = corpus / CATALOG_NAME
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: not a readable JSON catalog ({exc})") from exc
    if not isinstance(raw, dict):
        raise CorpusError(f"{path}: the catalog must map file names to {{title, date, origin}}")
    entries = {}
    for name, facts in raw.items():
        if not isinstance(facts, dict) or not isinstance(facts.get("title"), str):
            raise CorpusError(f"{path}: entry {name!r} needs at least a string 'title'")
        unknown = set(facts) - set(_FIELDS)
        if unknown:
            raise CorpusError(f"{path}: entry {name!r} has unknown fields {sorted(unknown)}; allowed: {list(_FIELDS)}")
        date = facts.get("date", "")
        if date and iso_date(date) != date:
            raise CorpusError(f"{path}: entry {name!r} has date {date!r}; write it as 2010-12-09 or 2012-03")
        entries[name] = CatalogEntry(**{k: str(facts.get(k, "")) for k in _FIELDS})
    return entries


def write_catalog_entry(corpus: Path, name: str, entry: CatalogEntry | None) -> None:
    """Record `entry` for the file `name` (None: forget it), rewriting the catalog atomically.

    The catalog is checked first (`read_catalog`), so a damaged one is never overwritten.
    """
    read_catalog(corpus)
    path = corpus / CATALOG_NAME
    raw = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if entry is None:
        raw.pop(name, None)
    else:
        raw[name] = {k: v for k, v in asdict(entry).items() if v}
    write_atomically(path, (json.dumps(raw, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


_DATE_LINE = re.compile(r"^Date:\s*(.+)$", re.MULTILINE)
_REPORT_LINE = re.compile(r"^Report:\s*(\S+)\s*$", re.MULTILINE)
_FILE_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def infer_entry(path: Path, text: str) -> CatalogEntry:
    """Title, date and source read from the text ("Report: 9", "Date: 16 July 2009") or the file name."""
    date = ""
    match = _DATE_LINE.search(text)
    if match:
        date = iso_date(match.group(1).strip())
    if not date:
        found = _FILE_DATE.search(path.stem)
        if found:
            date = "-".join(part for part in found.groups() if part)
    title = ""
    report = _REPORT_LINE.search(text)
    if report:
        # Pages with a "Report: N" metadata block print the title on the line just above it.
        before = text[: report.start()].rstrip().rsplit("\n", 1)[-1].strip()
        title = before
    if not title:
        stem = _FILE_DATE.sub("", path.stem).strip("-_ ")
        title = re.sub(r"[-_]+", " ", stem).strip().capitalize() or path.name
    source = ""
    if report:
        source = f"Report {report.group(1)}" + (f", {match.group(1).strip()}" if match else "")
    return CatalogEntry(title=title, date=date, origin="", source=source)


def iso_date(value: str) -> str:
    """"16 July 2009" → "2009-07-16", "March 2012" → "2012-03"; ISO input kept; "" if unreadable."""
    value = value.strip()
    for fmt, out in (("%Y-%m-%d", "%Y-%m-%d"), ("%Y-%m", "%Y-%m"), ("%d %B %Y", "%Y-%m-%d"),
                     ("%d %b %Y", "%Y-%m-%d"), ("%B %d, %Y", "%Y-%m-%d"), ("%B %Y", "%Y-%m")):
        try:
            return datetime.strptime(value, fmt).strftime(out)
        except ValueError:
            continue
    return ""
