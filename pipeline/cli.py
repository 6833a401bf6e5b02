"""The ``entitas`` command: thin click wrappers over the package's functions."""

from __future__ import annotations

import json
import logging
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path

import click

from pipeline import __version__
from pipeline.errors import EntitasError

logger = logging.getLogger("pipeline")

CORPORA = Path("../shared/corpora")  # where training and evaluation find the corpora, beside the checkout
# `make pretrain`'s pieces: written by `train pretrain`, read by `train ner`
VECTORS = Path("models/vectors")
CASING = Path("models/casing.npz")
TOKENIZER = Path("models/tokenizer")  # cuts the news training articles as the product does


def models_option(command):
    return click.option(
        "--models", "models_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Folder of the shipped models (default: models/ of the project).")(command)


def batch_size_option(command):
    return click.option("--batch-size", type=click.IntRange(1, 10_000), default=32, show_default=True,
                        help="Documents per batch through the models.")(command)


def threads_option(command):
    return click.option("--threads", type=click.IntRange(1, 64), default=None,
                        help="CPU threads for the models (default 1).")(command)


def json_option(command):
    return click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path),
                        help="Write the scores as JSON.")(command)


def corpora_option(command):
    return click.option("--corpora", type=click.Path(file_okay=False, path_type=Path), default=CORPORA,
                        show_default=True, help="Folder of the training and evaluation corpora.")(command)


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


@contextmanager
def sigterm_exits() -> Iterator[None]:
    """SIGTERM unwinds the block like an error (exit status 143), so that a run's scratch files
    are removed on the way out; the previous handler is back after the block."""
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _models(models_dir: Path | None) -> Path:
    from pipeline.runner import DEFAULT_MODELS

    return models_dir or DEFAULT_MODELS


def _speaker() -> Callable[[str], None]:
    """A function that tells the user something on stderr, unless -q; safe to call from the
    engine's threads, which have no click context."""
    quiet = click.get_current_context().find_root().obj["quiet"]
    return (lambda text: None) if quiet else (lambda text: click.echo(text, err=True))


def _say(text: str) -> None:
    _speaker()(text)


def _write_json(path: Path | None, data: dict) -> None:
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _set_verbosity(ctx: click.Context, param: click.Parameter, value) -> None:
    """-v and -q, before the command or after it (``entitas extract x -v``): counts add up, and
    logging follows the latest count."""
    settings = ctx.find_root().ensure_object(dict)
    settings.setdefault("verbose", 0)
    settings.setdefault("quiet", False)
    if param.name == "verbose":
        settings["verbose"] += value
    else:
        settings["quiet"] = settings["quiet"] or value
    quiet, verbose = settings["quiet"], settings["verbose"]
    settings["progress"] = not quiet and sys.stderr.isatty()
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger().setLevel(level)


def verbosity_options(command):
    command = click.option("-v", "--verbose", count=True, expose_value=False, callback=_set_verbosity,
                           help="Log progress (-vv: debug).")(command)
    return click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_set_verbosity,
                        help="Only errors.")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="entitas")
@verbosity_options
def cli() -> None:
    """Indonesian people, organisations and places: from news text to entity tables.

    Example: entitas extract seeds/ --out outputs/
    """


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--text-field", default="text", show_default=True,
              help="The JSONL field or CSV column that holds the text.")
@click.option("--id-field", default="id", show_default=True,
              help="The JSONL field or CSV column that holds the document id (optional in the data).")
@click.option("--date-field", default="date", show_default=True,
              help="The JSONL field or CSV column that holds the publication date (optional in the data).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("outputs"),
              show_default=True, help="Folder the tables are written to.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "jsonl", "sqlite"]), default="csv",
              show_default=True, help="File format of the tables (sqlite: all in OUT/entitas.sqlite).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of per-document results reused by later runs (default: OUT/.cache).")
@click.option("--no-cache", is_flag=True, help="Process every document again and keep no cache.")
@batch_size_option
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where documents are processed: this process, or Dask workers.")
@click.option("--scheduler", help="Address of a running Dask scheduler (tcp://host:8786); default: a local cluster.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes of the local Dask cluster, each single-threaded (default 2).")
@click.option("--aliases", "alias_file", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of extra aliases: alias,canonical,label.")
@click.option("--forbid", "forbid_file", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of names never to merge: name,other.")
@click.option("--keep-boilerplate", is_flag=True,
              help="Let mentions in site furniture (teasers, credits, repeated lines) make entity rows and "
                   "co-occurrence edges too (default: they stay in mentions.csv with their zone only).")
@click.option("--follow-symlinks", is_flag=True,
              help="Read links in the input folders that point outside them (default: a row says each is skipped).")
@models_option
@threads_option
@clear_errors
def extract(inputs: tuple[Path, ...], text_field: str, id_field: str, date_field: str, out_dir: Path, fmt: str,
            cache_dir: Path | None, no_cache: bool, batch_size: int, engine: str, scheduler: str | None,
            workers: int | None, alias_file: Path | None, forbid_file: Path | None, keep_boilerplate: bool,
            follow_symlinks: bool, models_dir: Path | None, threads: int | None) -> None:
    """Extract entity tables from text files, HTML pages, folders of them, JSONL or CSV.

    \b
    INPUT is any mix of:
      .txt            one document per file (a file given by name is read whatever its suffix)
      .html, .htm     a web page: its main text, title and date (menus, adverts, comments left out)
      folder          every .txt, .html, .htm, .jsonl and .csv file in it, searched recursively
      .jsonl          one JSON object per line, with the text in a "text" field (--text-field);
                      "id" (--id-field) and "date" (--date-field) are optional
      .csv            a header row with a "text" column (--text-field); "id" and "date" optional
    Every other field or column (title, url, section, ...) becomes a column of documents.csv.
    Dates such as 2024-01-17T10:15:00+07:00 or "Rabu, 17 Januari 2024 10:15 WIB" are read.

    \b
    Example: entitas extract seeds/ --out outputs/ --aliases my-aliases.csv
             entitas extract berita.csv --text-field isi --id-field url --out tables/
    """
    from pipeline.files import ensure_writable_dir
    from pipeline.ingest import RecordFields, iter_input_files, known_document_count, read_files
    from pipeline.runner import open_engine
    from pipeline.steering import read_link_settings

    started = time.perf_counter()
    cache_dir = None if no_cache else cache_dir or out_dir / ".cache"
    # a wrong input, output or steering file fails here, before any model loads
    files = iter_input_files(inputs, exclude=[out_dir, *([cache_dir] if cache_dir else [])],
                             follow_symlinks=follow_symlinks)
    ensure_writable_dir(out_dir)
    settings = read_link_settings(alias_file, forbid_file)
    fields = RecordFields(text=text_field, id=id_field, date=date_field)
    progress = click.get_current_context().find_root().obj["progress"]
    with sigterm_exits(), open_engine(engine, _models(models_dir), threads=threads, scheduler=scheduler,
                                      workers=workers, batch_size=batch_size, progress=progress, say=_speaker(),
                                      cache_dir=cache_dir) as extractor:
        summary = extractor.extract_to(read_files(files, fields), out_dir, fmt, settings,
                                       total=known_document_count(files), keep_boilerplate=keep_boilerplate)
    for path in summary.written:
        logger.info("wrote %s", path)
    _say(f"{summary.documents} documents ({summary.not_processed} not processed), "
         f"{summary.mentions} mentions, {summary.entities} entities -> {out_dir}/ "
         f"in {time.perf_counter() - started:.1f}s")


@cli.command()
@click.argument("tables_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HTML file to write (default: TABLES_DIR/report.html).")
@clear_errors
def report(tables_dir: Path, out_file: Path | None) -> None:
    """Write a single-file HTML report of extracted tables, viewable offline.

    Example: entitas report outputs/ --out outputs/report.html
    """
    from pipeline.files import finish_publishing, write_text_atomic
    from pipeline.report import read_tables, read_texts, render_report

    finish_publishing(tables_dir)  # a set a killed run left halfway is finished before it is read
    tables = read_tables(tables_dir)
    out_file = out_file or tables_dir / "report.html"
    write_text_atomic(out_file, render_report(tables, read_texts(tables_dir)))
    _say(f"report -> {out_file}")


@cli.command()
@click.argument("tables_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True, help="Port to listen on.")
@clear_errors
def serve(tables_dir: Path, host: str, port: int) -> None:
    """Explore the tables in Datasette (pip install 'entitas[serve]'), until stopped with Ctrl-C.

    Example: entitas serve outputs/ --port 8001
    """
    from pipeline.serve import serve as run_datasette

    _say(f"Datasette on http://{host}:{port}/ (Ctrl-C stops it)")
    with sigterm_exits():
        sys.exit(run_datasette(tables_dir, host, port))


def _rule_name(ctx, param, values: tuple[str, ...]) -> frozenset[str]:
    from pipeline.recognize import RULE_NAMES

    unknown = set(values) - RULE_NAMES
    if unknown:
        raise click.BadParameter(f"no rule {', '.join(sorted(unknown))}; rules: {', '.join(sorted(RULE_NAMES))}")
    return frozenset(values)


def without_option(command):
    return click.option("--without", multiple=True, callback=_rule_name, metavar="RULE",
                        help="Leave out a recogniser rule (repeatable), to measure what it does.")(command)


@cli.command("evaluate-ner")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--predictions", type=click.Path(dir_okay=False, path_type=Path),
              help="Write token, gold tag and predicted tag per line.")
@without_option
@json_option
@models_option
@threads_option
@clear_errors
def evaluate_ner(file: Path, predictions: Path | None, without: frozenset[str], json_out: Path | None,
                 models_dir: Path | None, threads: int | None) -> None:
    """Score the shipped recogniser on a CoNLL-style or token/TAG NER file.

    Example: entitas evaluate-ner ../shared/corpora/ner/idner-news-2k/dev.txt
    """
    from pipeline.corpora import read_tagged_file
    from pipeline.evaluate import evaluate_sentences, format_scores
    from pipeline.recognize import load_recognizer
    from pipeline.runner import set_threads

    set_threads(threads or 1)
    sentences = read_tagged_file(file)
    nlp = load_recognizer(_models(models_dir) / "ner")
    scores, predicted = evaluate_sentences(nlp, sentences, without=without)
    click.echo(format_scores(file.name + (f" without {', '.join(sorted(without))}" if without else ""),
                             scores.as_dict()))
    if predictions:
        with predictions.open("w", encoding="utf-8") as out:
            for sentence, tags in zip(sentences, predicted, strict=True):
                for token, gold, pred in zip(sentence.tokens, sentence.tags, tags, strict=True):
                    out.write(f"{token}\t{gold}\t{pred}\n")
                out.write("\n")
    _write_json(json_out, scores.as_dict())


def _default_linking_gold() -> Path:
    from pipeline.evaluate import LINKING_GOLD

    return LINKING_GOLD


@cli.command("evaluate-links")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@json_option
@models_option
@clear_errors
def evaluate_links_command(file: Path | None, json_out: Path | None, models_dir: Path | None) -> None:
    """Score alias linking on gold mentions: pairwise precision and recall of merges.

    FILE is JSON lines of {doc_id, text, mentions: [[surface, label, entity], ...]};
    the default is the project's own set, pipeline/gold/linking.jsonl.

    Example: entitas evaluate-links pipeline/gold/linking.jsonl
    """
    from pipeline.evaluate import evaluate_links, read_link_gold
    from pipeline.runner import set_threads
    from pipeline.tokenize import load_stanza

    set_threads(1)
    file = file or _default_linking_gold()
    gold = read_link_gold(file)
    scores, errors = evaluate_links(load_stanza(_models(models_dir) / "tokenizer"), gold)
    click.echo(f"{file.name}: {scores['mentions']} mentions, {scores['gold_pairs']} gold pairs\n"
               f"pairwise precision {scores['precision']:.4f}  recall {scores['recall']:.4f}")
    for kind, a, b, entity in errors:
        click.echo(f"  {kind}: {a!r} ~ {b!r} ({entity})")
    _write_json(json_out, scores)


@cli.command("evaluate-documents")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.option("--split", type=click.Choice(["dev", "test", "all"]), default="dev", show_default=True,
              help="Which articles of the gold set to score (test: only when reporting, never to tune).")
@without_option
@corpora_option
@json_option
@models_option
@clear_errors
def evaluate_documents_command(file: Path | None, split: str, without: frozenset[str], corpora: Path,
                               json_out: Path | None, models_dir: Path | None) -> None:
    """Run the whole product on gold documents and score its tables as an analyst reads them.

    Mentions (exact spans, per label), entities per document (gold entities found, entity rows
    right) and linking (merged, split, wrong merges, across documents). FILE: the real-news gold
    set (default, pipeline/gold/realnews.jsonl; its texts are read from CORPORA/rawtext) or a
    file in the linking set's layout (pipeline/gold/linking.jsonl).

    Example: entitas evaluate-documents --split dev
    """
    from pipeline.evaluate import REALNEWS_GOLD, evaluate_documents, format_document_scores, read_gold
    from pipeline.runner import Extractor

    file = file or REALNEWS_GOLD
    gold = [g for g in read_gold(file, corpora / "rawtext") if split == "all" or g.split == split]
    scores = evaluate_documents(Extractor(_models(models_dir), without_rules=without), gold)
    title = f"{file.name}, {split} ({len(gold)} documents)"
    click.echo(format_document_scores(title + (f" without {', '.join(sorted(without))}" if without else ""), scores))
    _write_json(json_out, scores)


@cli.command()
@corpora_option
@models_option
@json_option
@clear_errors
def evaluate(corpora: Path, models_dir: Path | None, json_out: Path | None) -> None:
    """Every score of the shipped models: NER dev sets, tokenizer, whole documents, linking.

    Needs the corpora (../shared/corpora beside the checkout). `make evaluate` runs it.

    Example: entitas evaluate --corpora ../shared/corpora --json build/scores.json
    """
    from pipeline.runner import set_threads
    from pipeline.training.report import evaluate_all

    set_threads(1)
    _write_json(json_out, evaluate_all(corpora, _models(models_dir), say=click.echo))


@cli.command()
@click.option("--tokens", type=click.IntRange(1_000), default=1_000_000, show_default=True,
              help="Size of the benchmark corpus in tokens.")
@click.option("--quick", is_flag=True, help="A 100,000-token corpus instead.")
@click.option("--report-docs", type=click.IntRange(1), default=None,
              help="Instead: the HTML report of this many news articles, timed in headless Chromium.")
@click.option("--screenshots", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --report-docs: save screenshots of the report's views into this folder.")
@click.option("--article-mb", type=click.FloatRange(0.1), default=None,
              help="Instead: one article of this many MB through the whole extraction, for its peak memory.")
@click.option("--startup", "startup_only", is_flag=True,
              help="Instead: only the start-up figures (one article; 400 articles against tokenization alone).")
@batch_size_option
@corpora_option
@threads_option
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("build/bench.json"), show_default=True, help="Write the figures as JSON.")
@clear_errors
def bench(tokens: int, quick: bool, report_docs: int | None, screenshots: Path | None, article_mb: float | None,
          startup_only: bool, batch_size: int, corpora: Path, threads: int | None, json_out: Path) -> None:
    """Throughput and memory: tokenization alone against the whole extraction, in one process;
    then start-up: `entitas extract` of one article against importing torch, stanza and spaCy,
    and of 400 articles (the whole process) against tokenization alone. Instead: with
    --report-docs, the report's size and opening time on news articles; with --article-mb, the
    peak memory of one huge article; with --startup, the start-up figures alone.

    Run it on a quiet machine. `make bench`, `make bench-quick` and `make bench-report` run it.

    Example: entitas bench --quick
    """
    from pipeline.bench import run, run_article, run_report, run_startup

    found = corpora if corpora.exists() else None
    if report_docs:
        if screenshots:
            screenshots.mkdir(parents=True, exist_ok=True)
        result = run_report(report_docs, threads or 1, corpora, batch_size, screenshots)
    elif article_mb:
        result = run_article(article_mb, threads or 1, batch_size)
    elif startup_only:
        result = run_startup(threads or 1, found, batch_size)
    else:
        result = run(100_000 if quick else tokens, threads or 1, found, batch_size)
    _write_json(json_out, result)
    click.echo(json.dumps(result, indent=2))


@cli.group()
def train() -> None:
    """Rebuild the shipped models from the corpora (`make train-tokenizer`, `make train-ner`).

    Example: entitas train ner --corpora ../shared/corpora
    """


@train.command("tokenizer")
@corpora_option
@click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("build/tokenizer"),
              show_default=True, help="Folder for the prepared treebanks and checkpoints.")
@click.option("--model-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("models/tokenizer"),
              show_default=True, help="Where the trained models go.")
@click.option("--steps", type=click.IntRange(1), default=4000, show_default=True, help="Tokenizer training steps.")
@click.option("--mwt-epochs", type=click.IntRange(1), default=30, show_default=True, help="MWT training epochs.")
@click.option("--skip-tokenizer", is_flag=True, help="Reuse the shipped tokenizer; train the MWT model only.")
@clear_errors
def train_tokenizer(corpora: Path, work_dir: Path, model_dir: Path, steps: int, mwt_epochs: int,
                    skip_tokenizer: bool) -> None:
    """Train the Stanza tokenizer and multi-word-token model on the UD Indonesian treebanks.

    Example: entitas train tokenizer --corpora ../shared/corpora
    """
    from pipeline.training.tokenizer import build

    scores = build(corpora / "ud", work_dir, model_dir, steps, mwt_epochs, skip_tokenizer)
    click.echo(json.dumps(scores, indent=2))


@train.command("pretrain")
@corpora_option
@click.option("--vectors-dir", type=click.Path(file_okay=False, path_type=Path), default=VECTORS,
              show_default=True, help="Where the floret vectors go (a spaCy vectors-only pipeline).")
@click.option("--casing", "casing_file", type=click.Path(dir_okay=False, path_type=Path),
              default=CASING, show_default=True, help="Where the casing lexicon goes.")
@click.option("--casing-only", is_flag=True, help="Build the casing lexicon alone (seconds, not minutes).")
@clear_errors
def train_pretrain(corpora: Path, vectors_dir: Path, casing_file: Path, casing_only: bool) -> None:
    """Learn the recogniser's pretrained pieces from CORPORA/rawtext: floret subword vectors and
    the casing lexicon (the real-news gold articles left out). `make train-ner` reads both.

    Example: entitas train pretrain --corpora ../shared/corpora
    """
    from pipeline.training.pretrain import build

    facts = build(corpora / "rawtext", vectors_dir, casing_file, vectors=not casing_only)
    click.echo(json.dumps(facts, indent=2))


@train.command("ner")
@corpora_option
@click.option("--gazetteers", default=str(CORPORA / "gazetteers/dbpedia-id/original-dbpedia") + ","
              + str(CORPORA / "gazetteers/dbpedia-id/mdee_gazetteer"), show_default=True,
              help="Gazetteer folders (person.txt, organization.txt, place.txt), comma-separated.")
@click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("build/ner"),
              show_default=True, help="Folder for the training sets and checkpoints.")
@click.option("--model-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("models/ner"),
              show_default=True, help="Where the trained model goes.")
@click.option("--vectors", type=click.Path(file_okay=False, path_type=Path), default=VECTORS,
              show_default=True, help="The floret vectors of `make pretrain`, read into the tok2vec.")
@click.option("--casing", type=click.Path(dir_okay=False, path_type=Path), default=CASING,
              show_default=True, help="The casing lexicon of `make pretrain`, read into the gazetteer feature.")
@click.option("--parts", default="idner*2,nergrit,nerp,twitter,news", show_default=True,
              help="Broad-stage corpora, comma-separated (NAME*N repeats one): idner, nergrit, nerp, twitter, "
              "news (the 240 annotated real-news training articles, pipeline/gold/newstrain.jsonl).")
@click.option("--adapt-parts", default="idner,news", show_default=True,
              help="Adapt-stage corpora ('' skips the stage).")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Broad-stage spaCy config (default: pipeline/training/ner.cfg).")
@click.option("--adapt-config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Adapt-stage spaCy config (default: pipeline/training/ner-adapt.cfg).")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="Broad-stage spaCy config override, e.g. training.max_steps=4000.")
@clear_errors
def train_ner(corpora: Path, gazetteers: str, work_dir: Path, model_dir: Path, vectors: Path, casing: Path,
              parts: str, adapt_parts: str, config: Path | None, adapt_config: Path | None,
              settings: tuple[str, ...]) -> None:
    """Train the spaCy recogniser (with the gazetteer feature) on the NER corpora.

    Example: entitas train ner --corpora ../shared/corpora --set training.max_steps=4000
    """
    from pipeline.training.ner import ADAPT_CONFIG, CONFIG, build

    scores = build(corpora / "ner", gazetteers, work_dir, model_dir, parts.split(","),
                   [p for p in adapt_parts.split(",") if p], vectors=vectors, casing=casing,
                   rawtext=corpora / "rawtext", tokenizer=TOKENIZER,
                   config=config or CONFIG, adapt_config=adapt_config or ADAPT_CONFIG, settings=settings)
    click.echo(json.dumps(scores, indent=2))


def _accept_verbosity_everywhere(group: click.Group) -> None:
    """-v and -q after any command too, as users type them (``entitas extract news/ -v``)."""
    for command in group.commands.values():
        if not any(p.name == "verbose" for p in command.params):
            verbosity_options(command)
        if isinstance(command, click.Group):
            _accept_verbosity_everywhere(command)


_accept_verbosity_everywhere(cli)


def main() -> None:
    cli(prog_name="entitas")
