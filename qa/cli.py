"""The `qa` command: a thin layer over the library; every command has --json."""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from pathlib import Path

import click

from . import config
from .errors import QAError
from .evaluation import HALVES
from .export import FORMATS
from .limits import MAX_UPLOAD_MB, VERDICTS_PAGE

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
encoder_option = click.option("--encoder", "encoder_engine", type=click.Choice(config.ENCODER_ENGINES), default=None,
                              help="What runs the embedding model: onnx (ONNX Runtime, an export checked against "
                                   "PyTorch and cached in the index) or torch "
                                   f"[default: {config.DEFAULT_ENCODER} or $QA_ENCODER].")
reader_option = click.option("--reader", default=None,
                             help="Sentence scorer: 'none' (hand weights), a reader weights folder, or 'default' "
                                  "(the shipped reader when present) [default: $QA_READER or 'default'].")


max_upload_option = click.option("--max-upload-mb", type=click.FloatRange(min=0, min_open=True), default=None,
                                 help=f"Largest document accepted, in MB [default: {MAX_UPLOAD_MB} or $QA_MAX_UPLOAD_MB].")


def store_options(function):
    """--store, --qdrant-path and --qdrant-url (or $QA_STORE, $QA_QDRANT_PATH, $QA_QDRANT_URL), passed on as `store`."""

    @functools.wraps(function)
    def wrapper(*args, store_engine, qdrant_path, qdrant_url, **kwargs):
        from .stores import StoreSettings

        try:
            store = StoreSettings(config.store_engine(store_engine), config.qdrant_path(qdrant_path),
                                  config.qdrant_url(qdrant_url))
        except QAError as exc:
            _fail(str(exc))
        return function(*args, store=store, **kwargs)

    wrapper = click.option("--qdrant-url", default=None,
                           help="A Qdrant server for --store qdrant, e.g. http://localhost:6333 [$QA_QDRANT_URL].")(wrapper)
    wrapper = click.option("--qdrant-path", type=click.Path(path_type=Path), default=None,
                           help="Folder for Qdrant's embedded engine [default: inside the index; $QA_QDRANT_PATH].")(wrapper)
    return click.option("--store", "store_engine", type=click.Choice(["faiss", "qdrant"]), default=None,
                        help="Where passages are held and searched [default: faiss or $QA_STORE].")(wrapper)


def _open_archive(corpus, index, model, progress: bool = False, reader: str | None = None, store=None,
                  encoder_engine: str | None = None):
    from .archive import Archive
    from .runtime import QUERY_THREADS, configure

    say = (lambda message: click.echo(message, err=True)) if progress else None
    try:
        archive = Archive.open(corpus, index, model, progress=progress, on_step=say, reader=reader, store=store,
                               encoder_engine=encoder_engine)
    except QAError as exc:
        _fail(str(exc))
    configure(threads=QUERY_THREADS)  # a refresh above used every core; the queries use one
    _report_load(archive.refresh.load)
    return archive


@main.command()
@corpus_option
@index_option
@model_option
@store_options
@click.option("--force", is_flag=True, help="Rebuild even if the index is up to date.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Parse and embed on a local Ray cluster of this many workers.")
@click.option("--ray", "ray_address", default=None, metavar="ADDRESS",
              help="Parse and embed on the Ray cluster at ADDRESS ('auto', 'ray://host:10001').")
def index(corpus, index, model, force, workers, ray_address, store) -> None:
    """Build or refresh the index; only changed documents are parsed and embedded again."""
    from .embedding import load_encoder
    from .indexer import refresh_index

    cluster = None
    if workers is not None or ray_address is not None:
        from .ray_ingest import RayCluster

        try:
            cluster = RayCluster(workers, ray_address)
        except QAError as exc:
            _fail(str(exc), 2)
    try:
        refresh = refresh_index(config.corpus_path(corpus), config.index_path(index),
                                load_encoder(config.model_name(model)), force=force, progress=True,
                                on_step=lambda message: click.echo(message, err=True), cluster=cluster,
                                store=store)
    except QAError as exc:
        _fail(str(exc))
    _report_load(refresh.load)
    counts = refresh.stored.manifest["counts"]
    state = "built" if refresh.rebuilt else "up to date"
    click.echo(f"index {state}: {counts['documents']} documents, {counts['passages']} passages, "
               f"{counts['sentences']} sentences ({store.mode} {refresh.stored.manifest['store']['type']}) in {refresh.stored.path}")
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
@encoder_option
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the POST /api/search payload.")
def search(query, k, doc_ids, date_from, date_to, corpus, index, model, encoder_engine, as_json, store) -> None:
    """Ranked passages for QUERY, each with its citation."""
    archive = _open_archive(corpus, index, model, store=store, encoder_engine=encoder_engine)
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
@encoder_option
@reader_option
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the POST /api/ask payload (as --format json).")
@click.option("--format", "form", type=click.Choice(FORMATS), default="text", show_default=True,
              help="markdown: quotes as block quotes, citations with permalinks; csv: one row a quote; "
                   "json: the POST /api/ask payload.")
@click.option("--base-url", default="", help="Server address to make permalinks absolute, e.g. http://127.0.0.1:7860.")
def ask(question, k, history, doc_ids, date_from, date_to, corpus, index, model, encoder_engine, reader, as_json, form,
        base_url, store) -> None:
    """Verbatim quotes that answer QUESTION, with citations; or "not in the archive"."""
    from .export import to_csv, to_json, to_markdown

    archive = _open_archive(corpus, index, model, reader=reader, store=store, encoder_engine=encoder_engine)
    try:
        result = archive.ask(question, list(history), k, list(doc_ids) or None, date_from, date_to)
    except QAError as exc:
        _fail(str(exc))
    if as_json or form == "json":
        click.echo(to_json(result))
        return
    if form in ("markdown", "csv"):
        click.echo((to_markdown if form == "markdown" else to_csv)(result, base_url), nl=False)
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
@encoder_option
@click.option("--sample", type=click.IntRange(min=1), default=None,
              help="Evaluate this many questions drawn at random (seeded) instead of all.")
@click.option("--seed", type=int, default=0, show_default=True, help="The sample's random seed.")
@click.option("--half", type=click.Choice(HALVES), default=None,
              help="Only this half of FILE, split by kind and topic (tune a threshold on one, report the other) "
                   "[default: all rows].")
@click.option("--reader", "readers", multiple=True,
              help="Sentence scorer, as for `qa ask`; give it more than once to compare scorers in one run.")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the figures and per-question rows as JSON.")
def eval_command(file, corpus, index, model, encoder_engine, sample, seed, half, readers, as_json, store) -> None:
    """Hit@1, hit@5, MRR@10 of passages; quote accuracy; abstention precision and recall (and refusals of
    near- and off-topic questions).

    FILE holds the project's questions (`expect` with snippet and answer) or SQuAD's (`doc`, `para`,
    `answers`; empty answers for a question the archive does not answer)."""
    from .evaluation import evaluate, read_questions, sample as draw, split_half
    from .scoring import load_scorer

    readers = readers or (None,)
    archive = _open_archive(corpus, index, model, reader=readers[0], store=store, encoder_engine=encoder_engine)
    try:
        questions = read_questions(file)
        questions = draw(split_half(questions, half) if half else questions, sample, seed)
        runs = {}
        for choice in readers:
            scored = archive if choice == readers[0] else archive.with_scorer(load_scorer(choice))
            runs[choice or "default"] = {"half": half or "all", **evaluate(scored, questions)}
            runs[choice or "default"].update(_verdict_agreement(scored))
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


def _verdict_agreement(archive) -> dict:
    """With reviewers' verdicts beside the index: how the top quotes agree with them (see qa.verdicts.agreement)."""
    from .verdicts import DATABASE, agreement, open_store

    if not (archive.index_dir / DATABASE).is_file():
        return {}
    return agreement(archive, open_store(archive.index_dir))


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


@main.command("verify-quotes")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@corpus_option
@index_option
@model_option
@encoder_option
@click.option("--json", "as_json", is_flag=True, help="Print [{line, result}], result as POST /api/verify gives it.")
def verify_quotes(file, corpus, index, model, encoder_engine, as_json) -> None:
    """Check saved quotes against the archive now: ok, moved, changed or unknown_document, one line a quote.

    FILE holds one quote a line (as /api/ask gave it), or whole /api/ask responses (their quotes are
    checked). Exit 1 if any quote is changed or unknown, or any line is unusable (named on stderr)."""
    from .citecheck import read_saved_quotes

    quotes, problems = read_saved_quotes(file.read_text(encoding="utf-8").splitlines())
    for number, problem in problems:
        click.echo(f"error: {file}:{number}: {problem}", err=True)
    archive = _open_archive(corpus, index, model, encoder_engine=encoder_engine)
    results = archive.check_quotes(quote for _, quote in quotes).results
    rows = [(number, result) for (number, _), result in zip(quotes, results)]
    if as_json:
        _emit_json([{"line": number, "result": dataclasses.asdict(result)} for number, result in rows])
    else:
        for number, result in rows:
            place = f" {result.doc_id}#{result.anchor} {result.start}-{result.end}" if result.anchor else ""
            click.echo(f"{number}: {result.status}{place}: {result.detail}")
    if problems or any(result.status in ("changed", "unknown_document") for _, result in rows):
        sys.exit(1)


@main.group()
def verdicts() -> None:
    """Reviewers' verdicts on quotes, kept beside the index (<index>/verdicts.sqlite3)."""


def _verdict_store(index):
    from .verdicts import DATABASE, open_store

    folder = config.index_path(index)
    if not (folder / DATABASE).is_file():
        _fail(f"no verdicts in {folder} ({DATABASE} is missing); POST /api/verdicts records them")
    try:
        return open_store(folder)
    except QAError as exc:
        _fail(str(exc))


@verdicts.command("list")
@index_option
@click.option("--limit", type=click.IntRange(min=1), default=VERDICTS_PAGE, show_default=True,
              help="How many, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print the GET /api/verdicts payload.")
def verdicts_list(index, limit, as_json) -> None:
    """The newest verdicts: id, time, verdict, quote's place, question."""
    found = _verdict_store(index).newest(limit)
    if as_json:
        _emit_json(found)
        return
    for v in found:
        right = f" → {v.right_doc_id or v.doc_id}#{v.right_anchor}" if v.right_anchor else ""
        click.echo(f"{v.id:5}  {v.created_at[:19]}  {v.verdict:15}  {v.doc_id}#{v.anchor} {v.start}-{v.end}{right}"
                   f"  {v.question}")


@verdicts.command("export")
@index_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the JSONL here [default: standard output].")
def verdicts_export(index, out) -> None:
    """Write the verdicts as eval questions (eval/questions.jsonl's format), for `qa eval`.

    An accepted quote is expected as it stands; a rejected one with the right paragraph named
    expects that paragraph's first sentence; a rejection naming no paragraph is skipped (counted)."""
    from .verdicts import export_lines

    lines, skipped = export_lines(_verdict_store(index))
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
    counts = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in skipped.items())
    plural = "" if len(lines) == 1 else "s"
    click.echo(f"exported {len(lines)} question{plural}{f' to {out}' if out else ''}; skipped: {counts}", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=7860, show_default=True, help="Port.")
@corpus_option
@index_option
@model_option
@encoder_option
@reader_option
@click.option("--admin-token-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File holding the token uploads and removals need [default: $QA_ADMIN_TOKEN; else they are off].")
@click.option("--auth", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="users.toml (`qa users add`): login for the chat, API tokens for /api [default: $QA_AUTH; off].")
@max_upload_option
@store_options
def serve(host, port, corpus, index, model, encoder_engine, reader, admin_token_file, auth, max_upload_mb,
          store) -> None:
    """Build or refresh the index, then serve the REST API (/api, /docs) and the chat UI (/); as `python app.py`."""
    from .server import serve as run_server

    try:
        run_server(corpus, index, host=host, port=port, model=model, reader=reader,
                   admin_token_file=admin_token_file, auth=auth, max_upload_mb=max_upload_mb, store=store,
                   encoder_engine=encoder_engine)
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
@click.option("--max-length", default=96, show_default=True, help="Tokens per (question, sentence) pair.")
@click.option("--withheld-share", default=0.25, show_default=True,
              help="Share of answerable questions asked with their answering paragraph withheld (near-topic refusals).")
@click.option("--threads", default=2, show_default=True, help="torch threads for the whole run.")
@click.option("--loss", type=click.Choice(["bce", "listwise", "both"]), default="both", show_default=True)
@click.option("--v1-articles", type=int, default=None, help="Only the first N SQuAD v1.1 articles (quick trials).")
@click.option("--checkpoint-minutes", default=10.0, show_default=True)
@click.option("--no-finish", is_flag=True, help="Stop after training: no export, calibration or evaluation.")
@click.option("--eval-questions", type=int, default=None, help="Measure on a seeded sample of N questions (quick trials).")
def train_reader(out, minutes, steps, seed, resume, data, max_length, withheld_share, threads, loss, v1_articles,
                 checkpoint_minutes, no_finish, eval_questions) -> None:
    """Train the reader (question, sentence) model on SQuAD, then export, calibrate and measure it."""
    import torch

    from .reader.export import finish
    from .reader.train import TrainConfig, train

    torch.set_num_threads(threads)  # once, for the whole process
    try:
        run = TrainConfig(out=out, data=data, minutes=minutes, seed=seed, max_length=max_length, steps=steps,
                          withheld_share=withheld_share, loss=loss, v1_articles=v1_articles, checkpoint_minutes=checkpoint_minutes)
        model, tokenizer, state = train(run, resume=resume, say=click.echo)
        if not no_finish:
            finish(run, model, tokenizer, state, say=click.echo, questions=eval_questions)
    except QAError as exc:
        _fail(str(exc))


@main.command("fit-decision")
@click.argument("reader_folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--squad", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("../shared/external/squad/corpus"), show_default=True, help="The SQuAD archive's files.")
@click.option("--squad-index", type=click.Path(path_type=Path), required=True,
              help="Index folder for the SQuAD archive (built on first use, reused after).")
@click.option("--data", type=click.Path(path_type=Path), default=Path("../shared/external/reader"), show_default=True,
              help="Folder holding the SQuAD files.")
@click.option("--shortlist", default=8, show_default=True, help="Candidates the reader reads a question.")
@click.option("--sample", type=int, default=None, help="Only a seeded sample of N questions (quick trials).")
def fit_decision(reader_folder, squad, squad_index, data, shortlist, sample) -> None:
    """Fit the learned decision over READER_FOLDER's reader on SQuAD (the split's calibration articles,
    asked of the SQuAD archive as the product asks); writes decision.json into READER_FOLDER."""
    import json

    from .evaluation import sample as draw
    from .reader.data import load_split
    from .reader.decision import collect, fit, squad2_questions
    from .reader.model import MANIFEST, Reader, write_manifest
    from .scoring import DECISION_FEATURES, DECISION_FILE, Decision, LearnedScorer

    try:
        split = load_split()
        questions = draw(squad2_questions(data, squad, set(split["calibration"])), sample)
        archive = _open_archive(squad, squad_index, None, progress=True, reader="none")
        placeholder = Decision((0.0,) * len(DECISION_FEATURES), 0.0, 0.0, shortlist)
        collected = collect(archive, LearnedScorer(Reader.load(reader_folder), placeholder), questions)
        decision, figures = fit(collected, shortlist)
    except QAError as exc:
        _fail(str(exc))
    record = json.dumps({**decision.to_json(), "fitted": {**figures, "articles": split["calibration"]}}, indent=2)
    (reader_folder / DECISION_FILE).write_text(record + "\n", encoding="utf-8")
    manifest = json.loads((reader_folder / MANIFEST).read_text(encoding="utf-8"))
    manifest.pop("files", None)
    write_manifest(reader_folder, manifest)  # decision.json is hashed and checked at load like the weights
    click.echo(record)


# The commands that change the archive or its users live in their own module; importing it registers them.
from . import cli_live  # noqa: E402,F401

if __name__ == "__main__":
    # As `python -m qa.cli` this file runs as __main__, a second copy: cli_live's commands are on qa.cli's group.
    from qa.cli import main as package_main

    package_main()
