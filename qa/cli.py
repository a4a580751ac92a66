"""The `qa` command: a thin layer over the library; every command has --json."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import config
from .errors import QAError

__all__ = ["main"]


def _emit_json(payload) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2))


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _report_load(load) -> None:
    for warning in load.warnings:
        click.echo(f"warning: {warning}", err=True)
    for error in load.errors:
        click.echo(f"error: {error}", err=True)


corpus_option = click.option("--corpus", type=click.Path(path_type=Path), default=None,
                             help="Folder of documents [default: corpus/ or $QA_CORPUS].")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Archive QA: verbatim quotes from the archive, with paragraph citations."""


@main.command()
@corpus_option
@click.option("--json", "as_json", is_flag=True, help="Print the GET /api/documents payload.")
def documents(corpus: Path | None, as_json: bool) -> None:
    """List the documents: id, date, paragraphs, title. Exit 1 if any file failed to load."""
    from .documents import load_corpus
    from .payloads import document_summary

    try:
        load = load_corpus(config.corpus_path(corpus))
    except QAError as exc:
        _fail(str(exc))
    _report_load(load)
    if as_json:
        _emit_json([document_summary(d) for d in load.documents])
    else:
        for d in load.documents:
            click.echo(f"{d.doc_id:45}  {d.date:10}  {len(d.paragraphs):4} ¶  {d.title}")
    if load.errors:
        sys.exit(1)


@main.command()
@click.argument("doc_id")
@corpus_option
@click.option("--json", "as_json", is_flag=True, help="Print the GET /api/documents/{doc_id} payload.")
def show(doc_id: str, corpus: Path | None, as_json: bool) -> None:
    """Show one document's paragraphs: anchor, label, section, page and first words."""
    from .documents import load_corpus
    from .payloads import document_detail

    try:
        load = load_corpus(config.corpus_path(corpus))
    except QAError as exc:
        _fail(str(exc))
    document = next((d for d in load.documents if d.doc_id == doc_id), None)
    if document is None:
        known = ", ".join(d.doc_id for d in load.documents)
        _fail(f"no document {doc_id!r}; known: {known}")
    if as_json:
        _emit_json(document_detail(document))
        return
    click.echo(f"{document.title} ({document.date})\n{document.origin}\n")
    for p in document.paragraphs:
        words = " ".join(document.paragraph_text(p).split()[:10])
        page = f"p.{p.page}" if p.page is not None else ""
        section = p.section.rsplit(" › ", 1)[-1]
        click.echo(f"{p.anchor:7} {p.label:6} {page:5} {section[:40]:40}  {words}")
