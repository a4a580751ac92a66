"""`qa add`, `qa remove` and `qa users add`: changing the archive and its users from the command line."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from . import config
from .cli import _emit_json, _fail, _open_archive, corpus_option, index_option, main, max_upload_option, model_option
from .errors import QAError

__all__ = ["add", "remove", "users"]


def _live(corpus, index, model, max_upload_mb):
    from .live import LiveArchive

    archive = _open_archive(corpus, index, model, reader="none")
    try:
        limit = config.max_upload_bytes(max_upload_mb)
    except QAError as exc:
        _fail(str(exc))
    return LiveArchive(archive, config.corpus_path(corpus), config.index_path(index), limit)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", default=None, help="The document's title [default: read from the file].")
@click.option("--date", default=None, help="Its date: 2010-12-09 or 2012-03 [default: read from the file].")
@corpus_option
@index_option
@model_option
@max_upload_option
@click.option("--json", "as_json", is_flag=True, help="Print the POST /api/documents payload.")
def add(file, title, date, corpus, index, model, max_upload_mb, as_json) -> None:
    """Add FILE to the corpus under a safe name and index it, as POST /api/documents does."""
    live = _live(corpus, index, model, max_upload_mb)
    try:
        summary = live.add(file.name, file.read_bytes(), title=title, date=date)
    except (QAError, OSError) as exc:
        _fail(str(exc))
    if as_json:
        _emit_json(summary)
    else:
        click.echo(f"added {summary.doc_id}: {summary.title} ({summary.date or 'no date'}, {summary.paragraphs} ¶)")


@main.command()
@click.argument("doc_id")
@corpus_option
@index_option
@model_option
@click.option("--json", "as_json", is_flag=True, help="Print the DELETE /api/documents/{doc_id} payload.")
def remove(doc_id, corpus, index, model, as_json) -> None:
    """Remove document DOC_ID: its file and catalog entry are deleted and the index rebuilt without it."""
    live = _live(corpus, index, model, None)
    try:
        removed = live.remove(doc_id)
    except QAError as exc:
        _fail(str(exc))
    if as_json:
        _emit_json(dataclasses.asdict(removed))
    else:
        click.echo(f"removed {removed.doc_id} ({removed.file}); {removed.documents_left} documents left")


@main.group()
def users() -> None:
    """The users of `--auth users.toml`: who may log in to the chat and read the API."""


@users.command("add")
@click.argument("name")
@click.option("--users", "users_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The users file [default: $QA_AUTH or users.toml].")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def add_user(name, users_file, password_stdin) -> None:
    """Add user NAME (or renew their password and token); prints their new API token once."""
    import os

    from .access import USERS_ENV, add_user as write_user

    path = users_file or Path(os.environ.get(USERS_ENV) or "users.toml")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        token = write_user(path, name, password)
    except QAError as exc:
        _fail(str(exc))
    click.echo(f"added {name} to {path}; their API token (shown once, send as 'Authorization: Bearer <token>'):",
               err=True)
    click.echo(token)
