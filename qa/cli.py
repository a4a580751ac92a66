"""The `qa` command: a thin layer over the library; every command has --json."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click

from . import config
from .errors import QAError
from .limits import MAX_UPLOAD_MB

__all__ = ["main"]


def _emit_json(payload) -> None:
    """Print `payload` as JSON: a result dataclass (or a list of them) as the API serves it."""
    if isinstance(payload, list):
        payload = [dataclasses.asdict(item) if dataclasses.is_dataclass(item) else item for item in payload]
    elif dataclasses.is_dataclass(payload):
        payload = dataclasses.asdict(payload)
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
    from .runtime import configure

    configure()  # once a process: offline, no analytics; index builds use every core


@main.command()
@corpus_option
@click.option("--json", "as_json", is_flag=True, help="Print the GET /api/documents payload.")
def documents(corpus: Path | None, as_json: bool) -> None:
    """List the documents: id, date, paragraphs, lines the profile dropped, title. Exit 1 if any file failed to load."""
    from .documents import load_corpus
    from .results import DocumentSummary

    try:
        load = load_corpus(config.corpus_path(corpus))
    except QAError as exc:
        _fail(str(exc))
    _report_load(load)
    if as_json:
        _emit_json([DocumentSummary.of(d) for d in load.documents])
    else:
        for d in load.documents:
            click.echo(f"{d.doc_id:45}  {d.date:10}  {len(d.paragraphs):4} ¶  {len(d.dropped):3} dropped  {d.title}")
    if load.errors:
        sys.exit(1)


@main.command()
@click.argument("doc_id")
@corpus_option
@click.option("--json", "as_json", is_flag=True, help="Print the GET /api/documents/{doc_id} payload.")
def show(doc_id: str, corpus: Path | None, as_json: bool) -> None:
    """Show one document's paragraphs (anchor, label, section, page, first words), then the lines its profile dropped."""
    from .documents import load_corpus
    from .results import DocumentDetail

    try:
        load = load_corpus(config.corpus_path(corpus))
    except QAError as exc:
        _fail(str(exc))
    document = next((d for d in load.documents if d.doc_id == doc_id), None)
    if document is None:
        known = ", ".join(d.doc_id for d in load.documents)
        _fail(f"no document {doc_id!r}; known: {known}")
    if as_json:
        _emit_json(DocumentDetail.of(document))
        return
    click.echo(f"{document.title} ({document.date})\n{document.origin}\n")
    for p in document.paragraphs:
        words = " ".join(document.paragraph_text(p).split()[:10])
        page = f"p.{p.page}" if p.page is not None else ""
        section = p.section.rsplit(" › ", 1)[-1]
        click.echo(f"{p.anchor:7} {p.label:6} {page:5} {section[:40]:40}  {words}")
    if document.dropped:
        source = load.profile.source or "the default profile"
        click.echo(f"\ndropped by {source}:")
        for d in document.dropped:
            words = " ".join(document.text[d.start : d.end].split()[:10])
            click.echo(f"{d.start:>7}-{d.end:<7} {d.rule:28}  {words}")


index_option = click.option("--index", type=click.Path(path_type=Path), default=None,
                            help="Folder of the built index [default: index/ or $QA_INDEX].")
model_option = click.option("--model", default=None,
                            help="sentence-transformers model name or path [default: bundled MiniLM or $QA_MODEL].")
reader_option = click.option("--reader", default=None,
                             help="Sentence scorer: 'none' (hand weights), a reader weights folder, or 'default' "
                                  "(the shipped reader when present) [default: $QA_READER or 'default'].")


max_upload_option = click.option("--max-upload-mb", type=click.FloatRange(min=0, min_open=True), default=None,
                                 help=f"Largest document accepted, in MB [default: {MAX_UPLOAD_MB} or $QA_MAX_UPLOAD_MB].")


def _open_archive(corpus, index, model, progress: bool = False, reader: str | None = None):
    from .archive import Archive
    from .runtime import QUERY_THREADS, configure

    say = (lambda message: click.echo(message, err=True)) if progress else None
    try:
        archive = Archive.open(corpus, index, model, progress=progress, on_step=say, reader=reader)
    except QAError as exc:
        _fail(str(exc))
    configure(threads=QUERY_THREADS)  # a refresh above used every core; the queries use one
    _report_load(archive.refresh.load)
    return archive


@main.command()
@corpus_option
@index_option
@model_option
@click.option("--force", is_flag=True, help="Rebuild even if the index is up to date.")
def index(corpus, index, model, force) -> None:
    """Build or refresh the index; only changed documents are parsed and embedded again."""
    from .embedding import load_encoder
    from .indexer import refresh_index

    try:
        refresh = refresh_index(config.corpus_path(corpus), config.index_path(index),
                                load_encoder(config.model_name(model)), force=force, progress=True,
                                on_step=lambda message: click.echo(message, err=True))
    except QAError as exc:
        _fail(str(exc))
    _report_load(refresh.load)
    counts = refresh.stored.manifest["counts"]
    state = "built" if refresh.rebuilt else "up to date"
    click.echo(f"index {state}: {counts['documents']} documents, {counts['passages']} passages, "
               f"{counts['sentences']} sentences ({refresh.stored.manifest['faiss']['type']}) in {refresh.stored.path}")
    if refresh.load.errors:
        sys.exit(1)


def _filter_options(function):
    function = click.option("--doc", "doc_ids", multiple=True, help="Only this document (repeatable).")(function)
    function = click.option("--from", "date_from", default=None, help="Documents dated on or after (2010-12-09).")(function)
    function = click.option("--to", "date_to", default=None, help="Documents dated on or before.")(function)
    return function


@main.command()
@click.argument("query")
@click.option("-k", default=10, show_default=True, help="How many passages.")
@_filter_options
@corpus_option
@index_option
@model_option
@click.option("--json", "as_json", is_flag=True, help="Print the POST /api/search payload.")
def search(query, k, doc_ids, date_from, date_to, corpus, index, model, as_json) -> None:
    """Ranked passages for QUERY, each with its citation."""
    archive = _open_archive(corpus, index, model)
    try:
        result = archive.search(query, k, list(doc_ids) or None, date_from, date_to)
    except QAError as exc:
        _fail(str(exc))
    if as_json:
        _emit_json(result)
        return
    for rank, p in enumerate(result.passages, 1):
        snippet = " ".join(p.text.split())
        click.echo(f"{rank:2}. [{p.score:.3f}] {p.citation}\n    {snippet[:240]}{'…' if len(snippet) > 240 else ''}")


@main.command()
@click.argument("question")
@click.option("-k", default=5, show_default=True, help="How many passages to return beside the quotes.")
@click.option("--history", multiple=True, help="An earlier question of the conversation (repeatable, oldest first).")
@_filter_options
@corpus_option
@index_option
@model_option
@reader_option
@click.option("--json", "as_json", is_flag=True, help="Print the POST /api/ask payload.")
def ask(question, k, history, doc_ids, date_from, date_to, corpus, index, model, reader, as_json) -> None:
    """Verbatim quotes that answer QUESTION, with citations; or "not in the archive"."""
    archive = _open_archive(corpus, index, model, reader=reader)
    try:
        result = archive.ask(question, list(history), k, list(doc_ids) or None, date_from, date_to)
    except QAError as exc:
        _fail(str(exc))
    if as_json:
        _emit_json(result)
        return
    if not result.answered:
        click.echo(result.message + "\n")
        for p in result.passages[:3]:
            click.echo(f"  - {p.citation}: {' '.join(p.text.split())[:200]}")
        return
    for quote in result.quotes:
        click.echo("> " + "\n> ".join(quote.text.splitlines()))
        click.echo(f"  — {quote.citation}\n")


@main.command(name="eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@corpus_option
@index_option
@model_option
@click.option("--sample", type=click.IntRange(min=1), default=None,
              help="Evaluate this many questions drawn at random (seeded) instead of all.")
@click.option("--seed", type=int, default=0, show_default=True, help="The sample's random seed.")
@click.option("--reader", "readers", multiple=True,
              help="Sentence scorer, as for `qa ask`; give it more than once to compare scorers in one run.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures and per-question rows as JSON.")
def eval_command(file, corpus, index, model, sample, seed, readers, as_json) -> None:
    """Hit@1, hit@5, MRR@10 of passages; quote accuracy; abstention precision and recall.

    FILE holds the project's questions (`expect` with snippet and answer) or SQuAD's (`doc`, `para`,
    `answers`; empty answers for a question the archive does not answer)."""
    from .evaluation import evaluate, read_questions, sample as draw
    from .scoring import load_scorer

    readers = readers or (None,)
    archive = _open_archive(corpus, index, model, reader=readers[0])
    try:
        questions = draw(read_questions(file), sample, seed)
        runs = {}
        for choice in readers:
            scored = archive if choice == readers[0] else archive.with_scorer(load_scorer(choice))
            runs[choice or "default"] = evaluate(scored, questions)
    except QAError as exc:
        _fail(str(exc))
    if as_json:
        _emit_json(runs if len(runs) > 1 else next(iter(runs.values())))
        return
    if len(runs) > 1:
        _print_side_by_side(runs)
        return
    figures = next(iter(runs.values()))
    for row in figures["rows"]:
        if row["answerable"] and (row["rank"] != 1 or not row["top_quote"] or not row["answered"]):
            click.echo(f"  {row['id']}: rank {row['rank']}, top quote {'ok' if row['top_quote'] else 'misses'}"
                       f"{'' if row['answered'] else ', refused'}: {row['question']}")
        elif not row["answerable"] and row["answered"]:
            click.echo(f"  {row['id']}: answered but the archive does not hold it: {row['question']}")
    for name, value in figures.items():
        if name != "rows":
            click.echo(f"{name:22} {value}")


def _print_side_by_side(runs: dict[str, dict]) -> None:
    """One column of figures a scorer."""
    names = list(runs)
    width = max(12, *(len(n) for n in names))
    click.echo(" " * 22 + "".join(f"{n:>{width + 2}}" for n in names))
    for metric in (m for m in runs[names[0]] if m != "rows"):
        click.echo(f"{metric:22}" + "".join(f"{str(runs[n][metric]):>{width + 2}}" for n in names))


@main.command()
@corpus_option
@index_option
def verify(corpus, index) -> None:
    """Re-read the corpus and check every indexed offset and document hash; exit 1 naming mismatches."""
    from .verify import verify_index

    try:
        counts, problems = verify_index(config.corpus_path(corpus), config.index_path(index))
    except QAError as exc:
        _fail(str(exc))
    for problem in problems:
        click.echo(f"mismatch: {problem}", err=True)
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    click.echo(f"checked {summary}: {'all hold' if not problems else f'{len(problems)} mismatches'}")
    if problems:
        sys.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=7860, show_default=True, help="Port.")
@corpus_option
@index_option
@model_option
@reader_option
@click.option("--admin-token-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File holding the token uploads and removals need [default: $QA_ADMIN_TOKEN; else they are off].")
@click.option("--auth", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="users.toml (`qa users add`): login for the chat, API tokens for /api [default: $QA_AUTH; off].")
@max_upload_option
def serve(host, port, corpus, index, model, reader, admin_token_file, auth, max_upload_mb) -> None:
    """Build or refresh the index, then serve the REST API (/api, /docs) and the chat UI (/); as `python app.py`."""
    from .server import serve as run_server

    try:
        run_server(corpus, index, host=host, port=port, model=model, reader=reader,
                   admin_token_file=admin_token_file, auth=auth, max_upload_mb=max_upload_mb)
    except QAError as exc:
        _fail(str(exc))


@main.command("train-reader")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Run folder: checkpoint/ and export/ (the weights to copy into qa/reader/weights/).")
@click.option("--minutes", default=80.0, show_default=True, help="Training time budget (evaluation comes after).")
@click.option("--steps", default=3000, show_default=True, help="Length of the learning-rate schedule; stops there at the latest.")
@click.option("--seed", default=0, show_default=True)
@click.option("--resume", is_flag=True, help="Continue from the checkpoint in --out.")
@click.option("--data", type=click.Path(path_type=Path), default=Path("../shared/external/reader"), show_default=True,
              help="Folder holding the SQuAD files.")
@click.option("--max-length", default=128, show_default=True, help="Tokens per (question, sentence) pair.")
@click.option("--threads", default=2, show_default=True, help="torch threads for the whole run.")
@click.option("--loss", type=click.Choice(["bce", "listwise", "both"]), default="both", show_default=True)
@click.option("--v1-articles", type=int, default=None, help="Only the first N SQuAD v1.1 articles (quick trials).")
@click.option("--checkpoint-minutes", default=10.0, show_default=True)
@click.option("--no-finish", is_flag=True, help="Stop after training: no export, calibration or evaluation.")
@click.option("--eval-questions", type=int, default=None, help="Measure on a seeded sample of N questions (quick trials).")
def train_reader(out, minutes, steps, seed, resume, data, max_length, threads, loss, v1_articles,
                 checkpoint_minutes, no_finish, eval_questions) -> None:
    """Train the reader (question, sentence) model on SQuAD, then export, calibrate and measure it."""
    import torch

    from .reader.export import finish
    from .reader.train import TrainConfig, train

    torch.set_num_threads(threads)  # once, for the whole process
    try:
        run = TrainConfig(out=out, data=data, minutes=minutes, seed=seed, max_length=max_length, steps=steps,
                          loss=loss, v1_articles=v1_articles, checkpoint_minutes=checkpoint_minutes)
        model, tokenizer, state = train(run, resume=resume, say=click.echo)
        if not no_finish:
            finish(run, model, tokenizer, state, say=click.echo, questions=eval_questions)
    except QAError as exc:
        _fail(str(exc))


# The commands that change the archive or its users live in their own module; importing it registers them.
from . import cli_live  # noqa: E402,F401

if __name__ == "__main__":
    # As `python -m qa.cli` this file runs as __main__, a second copy: cli_live's commands are on qa.cli's group.
    from qa.cli import main as package_main

    package_main()
