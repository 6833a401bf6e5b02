"""`entitas serve OUT`: the run's tables in Datasette (the optional extra ``entitas[serve]``).

The tables go into one SQLite file (``--format sqlite`` writes it; for a folder of CSV, Parquet
or JSON lines it is built once from them), and Datasette opens it with facets on the columns
people group by and canned queries for the questions they ask first.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from pipeline.errors import EntitasError, InputError
from pipeline.files import atomic_path, write_text_atomic
from pipeline.report import read_tables
from pipeline.tables import MENTIONS_FTS, SQLITE_FILE, write_sqlite

METADATA_FILE = "datasette.json"  # beside the SQLite file, written by each `entitas serve`

TABLES = {
    "entities": {"facets": ["label"], "sort_desc": "mentions",
                 "description": "One row per entity; aliases in aliases, mentions in mentions."},
    "mentions": {"facets": ["label", "rule", "zone"], "fts_table": MENTIONS_FTS, "sort": "doc_id",
                 "description": "Every mention with its sentence; the search box searches the sentences."},
    "aliases": {"facets": ["rule"], "sort_desc": "mentions"},
    "cooccurrence": {"facets": ["label_a", "label_b"], "sort_desc": "sentences",
                     "description": "Pairs of entities that share a sentence."},
    "documents": {"facets": ["status"]},
}

QUERIES = {
    "entity_mentions": {
        "title": "An entity's mentions",
        "description": "Every sentence that mentions the entity (a canonical name, % as wildcard, or an id).",
        "sql": """SELECT m.doc_id, m.sentence_text, m.text AS mention, m.role, m.rule, e.canonical, e.entity_id
FROM mentions m JOIN entities e ON e.entity_id = m.entity_id
WHERE e.canonical LIKE :entity OR e.entity_id = :entity
ORDER BY m.doc_id, m.start_char"""},
    "cooccurs_with": {
        "title": "Who co-occurs with whom",
        "description": "The entities that share a sentence with the entity (a canonical name, % as wildcard), "
                       "strongest first.",
        "sql": """SELECT CASE WHEN canonical_a LIKE :entity THEN canonical_b ELSE canonical_a END AS other,
       CASE WHEN canonical_a LIKE :entity THEN label_b ELSE label_a END AS label,
       sentences, documents, example_doc_id, example_sentence
FROM cooccurrence WHERE canonical_a LIKE :entity OR canonical_b LIKE :entity
ORDER BY sentences DESC, documents DESC"""},
}

# Only where some document has a date.
MENTIONS_PER_DAY = {
    "title": "Mentions per day",
    "description": "Mentions per day of the documents' date, of one entity (a canonical name, % as wildcard) "
                   "or, with %, of all.",
    "sql": """SELECT substr(d.date, 1, 10) AS day, count(*) AS mentions, count(DISTINCT m.doc_id) AS documents
FROM mentions m JOIN entities e ON e.entity_id = m.entity_id JOIN documents d ON d.doc_id = m.doc_id
WHERE e.canonical LIKE :entity AND d.date IS NOT NULL AND d.date != ''
GROUP BY day ORDER BY day"""}


def metadata(database: Path) -> dict:
    """Datasette's metadata for the run's SQLite file: facets, full-text search, canned queries."""
    with sqlite3.connect(database) as db:
        dated = db.execute("SELECT 1 FROM documents WHERE date IS NOT NULL AND date != '' LIMIT 1").fetchone()
    queries = dict(QUERIES)
    if dated:
        queries["mentions_per_day"] = MENTIONS_PER_DAY
    return {"title": "entitas", "description": "People, organisations and places extracted by entitas.",
            "databases": {database.stem: {"tables": TABLES, "queries": queries}}}


def ensure_database(out_dir: Path) -> Path:
    """The run's SQLite file: the one ``--format sqlite`` wrote, or one built from the tables."""
    database = out_dir / SQLITE_FILE
    if not database.exists():
        tables = read_tables(out_dir)
        with atomic_path(database) as tmp:
            write_sqlite(tables, tmp)
    return database


def serve_command(out_dir: Path, host: str, port: int) -> list[str]:
    """The Datasette command line for the run's folder (its SQLite file and metadata made first)."""
    try:
        import datasette  # noqa: F401
    except ImportError:
        raise EntitasError("entitas serve needs Datasette: pip install 'entitas[serve]'") from None
    if not out_dir.is_dir():
        raise InputError(f"no such folder: {out_dir}")
    database = ensure_database(out_dir)
    metadata_path = out_dir / METADATA_FILE
    write_text_atomic(metadata_path, json.dumps(metadata(database), indent=2, ensure_ascii=False) + "\n")
    return [sys.executable, "-m", "datasette", "serve", str(database), "--metadata", str(metadata_path),
            "--host", host, "--port", str(port), "--setting", "facet_time_limit_ms", "1000"]


def serve(out_dir: Path, host: str, port: int) -> int:
    """Run Datasette on the run's folder until it is stopped; its exit status. However this
    process ends (Ctrl-C, SIGTERM turned into an exit by the CLI), Datasette ends with it."""
    datasette = subprocess.Popen(serve_command(out_dir, host, port))
    try:
        return datasette.wait()
    finally:
        if datasette.poll() is None:
            datasette.terminate()
            datasette.wait(timeout=30)
