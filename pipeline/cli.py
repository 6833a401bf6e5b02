"""The ``entitas`` command: thin click wrappers over the package's functions."""

from __future__ import annotations

import json
import logging
import sys
import time
from functools import wraps
from pathlib import Path

import click

from pipeline import __version__
from pipeline.errors import EntitasError

logger = logging.getLogger("pipeline")


def models_option(command):
    return click.option(
        "--models", "models_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Folder of the shipped models (default: models/ of the project).")(command)


def threads_option(command):
    return click.option("--threads", type=click.IntRange(1, 64), default=1, show_default=True,
                        help="CPU threads for the models.")(command)


def json_option(command):
    return click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path),
                        help="Write the scores as JSON.")(command)


def clear_errors(command):
    """Turn the package's own errors into one line on stderr and exit status 1."""
    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except EntitasError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="entitas")
@click.option("-v", "--verbose", count=True, help="Log progress (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
def cli(verbose: int, quiet: bool) -> None:
    """Indonesian people, organisations and places: from news text to entity tables.

    Example: entitas extract seeds/ --out outputs/
    """
    click.get_current_context().obj = {"quiet": quiet, "progress": not quiet and sys.stderr.isatty()}
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("outputs"),
              show_default=True, help="Folder the tables are written to.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "jsonl"]), default="csv", show_default=True,
              help="File format of the tables.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of per-document results reused by later runs (default: OUT/.cache).")
@click.option("--no-cache", is_flag=True, help="Process every document again and keep no cache.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=32, show_default=True,
              help="Documents per batch through the models.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where documents are processed: this process, or Dask workers.")
@click.option("--scheduler", help="Address of a running Dask scheduler (tcp://host:8786); default: a local cluster.")
@click.option("--workers", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Worker processes of the local Dask cluster (each single-threaded).")
@click.option("--aliases", "alias_file", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of extra aliases: alias,canonical,label.")
@click.option("--forbid", "forbid_file", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of names never to merge: name,other.")
@models_option
@threads_option
@clear_errors
def extract(inputs: tuple[Path, ...], out_dir: Path, fmt: str, cache_dir: Path | None, no_cache: bool,
            batch_size: int, engine: str, scheduler: str | None, workers: int, alias_file: Path | None,
            forbid_file: Path | None, models_dir: Path | None, threads: int) -> None:
    """Extract entity tables from text files, folders, JSONL or CSV (a `text` column).

    Example: entitas extract seeds/ --out outputs/ --aliases my-aliases.csv
    """
    from pipeline.ingest import read_documents
    from pipeline.link import LinkSettings, read_alias_file, read_forbidden_file
    from pipeline.runner import DEFAULT_MODELS, DaskExtractor, Extractor

    started = time.perf_counter()
    settings = LinkSettings(
        aliases=read_alias_file(alias_file) if alias_file else {},
        forbidden=read_forbidden_file(forbid_file) if forbid_file else frozenset())
    progress = click.get_current_context().obj["progress"]
    common = {"batch_size": batch_size, "progress": progress,
              "cache_dir": None if no_cache else cache_dir or out_dir / ".cache"}
    if engine == "dask":
        extractor = DaskExtractor(models_dir or DEFAULT_MODELS, scheduler=scheduler, workers=workers, **common)
        try:
            summary = extractor.extract_to(read_documents(inputs), out_dir, fmt, settings)
        finally:
            extractor.close()
    else:
        extractor = Extractor(models_dir or DEFAULT_MODELS, threads=threads, **common)
        summary = extractor.extract_to(read_documents(inputs), out_dir, fmt, settings)
    for path in summary.written:
        logger.info("wrote %s", path)
    if click.get_current_context().obj["quiet"]:
        return
    click.echo(
        f"{summary.documents} documents ({summary.not_processed} not processed), "
        f"{summary.mentions} mentions, {summary.entities} entities -> {out_dir}/ "
        f"in {time.perf_counter() - started:.1f}s", err=True)


@cli.command()
@click.argument("tables_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HTML file to write (default: TABLES_DIR/report.html).")
@clear_errors
def report(tables_dir: Path, out_file: Path | None) -> None:
    """Write a single-file HTML report of extracted tables, viewable offline.

    Example: entitas report outputs/ --out outputs/report.html
    """
    from pipeline.report import read_tables, render_report, source_texts

    tables = read_tables(tables_dir)
    out_file = out_file or tables_dir / "report.html"
    tmp = out_file.with_name(f".{out_file.name}.tmp")
    tmp.write_text(render_report(tables, source_texts(tables.documents)), encoding="utf-8")
    tmp.replace(out_file)
    if not click.get_current_context().obj["quiet"]:
        click.echo(f"report -> {out_file}", err=True)


@cli.command("evaluate-ner")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--predictions", type=click.Path(dir_okay=False, path_type=Path),
              help="Write token, gold tag and predicted tag per line.")
@json_option
@models_option
@threads_option
@clear_errors
def evaluate_ner(file: Path, predictions: Path | None, json_out: Path | None,
                 models_dir: Path | None, threads: int) -> None:
    """Score the shipped recogniser on a CoNLL-style or token/TAG NER file.

    Example: entitas evaluate-ner ../shared/corpora/ner/idner-news-2k/dev.txt
    """
    from pipeline.corpora import read_tagged_file
    from pipeline.evaluate import evaluate_sentences
    from pipeline.recognize import load_recognizer
    from pipeline.runner import DEFAULT_MODELS, set_threads

    set_threads(threads)
    sentences = read_tagged_file(file)
    nlp = load_recognizer((models_dir or DEFAULT_MODELS) / "ner")
    scores, predicted = evaluate_sentences(nlp, sentences)
    click.echo(format_scores(file.name, scores.as_dict()))
    if predictions:
        with predictions.open("w", encoding="utf-8") as out:
            for sentence, tags in zip(sentences, predicted, strict=True):
                for token, gold, pred in zip(sentence.tokens, sentence.tags, tags, strict=True):
                    out.write(f"{token}\t{gold}\t{pred}\n")
                out.write("\n")
    if json_out:
        json_out.write_text(json.dumps(scores.as_dict(), indent=2) + "\n", encoding="utf-8")


@cli.command("evaluate-links")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=Path(__file__).resolve().parent.parent / "tests" / "data" / "linking-gold.jsonl")
@json_option
@models_option
@clear_errors
def evaluate_links_command(file: Path, json_out: Path | None, models_dir: Path | None) -> None:
    """Score alias linking on gold mentions: pairwise precision and recall of merges.

    FILE is JSON lines of {doc_id, text, mentions: [[surface, label, entity], ...]};
    the default is the project's own set, tests/data/linking-gold.jsonl.

    Example: entitas evaluate-links tests/data/linking-gold.jsonl
    """
    from pipeline.evaluate import evaluate_links, read_link_gold
    from pipeline.runner import DEFAULT_MODELS, set_threads
    from pipeline.tokenize import load_stanza

    set_threads(1)
    gold = read_link_gold(file)
    scores, errors = evaluate_links(load_stanza((models_dir or DEFAULT_MODELS) / "tokenizer"), gold)
    click.echo(f"{file.name}: {scores['mentions']} mentions, {scores['gold_pairs']} gold pairs\n"
               f"pairwise precision {scores['precision']:.4f}  recall {scores['recall']:.4f}")
    for kind, a, b, entity in errors:
        click.echo(f"  {kind}: {a!r} ~ {b!r} ({entity})")
    if json_out:
        json_out.write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")


def format_scores(title: str, scores: dict[str, dict[str, float]]) -> str:
    lines = [title, f"{'':8} {'P':>6} {'R':>6} {'F1':>6} {'n':>6}"]
    for label, s in scores.items():
        lines.append(f"{label:8} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} {s['support']:6d}")
    return "\n".join(lines)


def main() -> None:
    cli(prog_name="entitas")
