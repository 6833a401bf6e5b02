"""Stage 5: the entity tables as pandas DataFrames, and writing them to disk.

Columns are declared once, in ``SCHEMAS`` (name, dtype, meaning); the README's table section
is generated from the same declaration and a test keeps the two in step. The run's results
wait in ``pipeline.store`` until the tables are read from it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from pipeline.files import atomic_path

SCHEMAS: dict[str, list[tuple[str, str, str]]] = {
    "mentions": [
        ("doc_id", "string", "document the mention is in"),
        ("sentence", "int64", "index of its sentence in the document, from 0"),
        ("sentence_text", "string", "the sentence it was found in"),
        ("start_char", "int64", "offset of its first character in the document as read"),
        ("end_char", "int64", "offset just past its last character in the document as read"),
        ("text", "string", "the mention as written"),
        ("label", "string", "PER, ORG or LOC"),
        ("confidence", "float64", "the NER model's probability for this span and label, 0 to 1"),
        ("entity_id", "string", "the entity it belongs to (entities.csv)"),
        ("name", "string", "the mention without role words, clitics and parenthesised acronym"),
        ("role", "string", "PER: title, rank or office words in or before it; ORG/LOC: lower-case words opening it"),
        ("rule", "string", "how it was linked: exact, user, acronym, short-name, variant or run (README)"),
        ("zone", "string", "body, or boilerplate for site furniture such as 'Baca Juga' lines"),
    ],
    "entities": [
        ("entity_id", "string", "stable id: the same name and label give the same id on every run"),
        ("canonical", "string", "the fullest name the texts use for it"),
        ("label", "string", "PER, ORG or LOC"),
        ("aliases", "string", "other names it goes by, separated by ' | '"),
        ("mentions", "int64", "how many mentions it has"),
        ("documents", "int64", "in how many documents it is mentioned"),
        ("first_seen", "string", "the day (YYYY-MM-DD) of its earliest dated document; empty if none is dated"),
        ("last_seen", "string", "the day of its latest dated document"),
    ],
    "aliases": [
        ("entity_id", "string", "the entity (entities.csv)"),
        ("alias", "string", "one name the texts use for it, role words set aside"),
        ("mentions", "int64", "how many mentions use this name (or write this acronym beside them)"),
        ("rule", "string", "canonical for the entity's own name, else the rule that linked it most often"),
    ],
    "cooccurrence": [
        ("entity_a", "string", "one entity of the pair (the smaller id)"),
        ("entity_b", "string", "the other entity"),
        ("canonical_a", "string", "canonical name of entity_a"),
        ("canonical_b", "string", "canonical name of entity_b"),
        ("label_a", "string", "label of entity_a"),
        ("label_b", "string", "label of entity_b"),
        ("sentences", "int64", "how many sentences mention both"),
        ("documents", "int64", "in how many documents a sentence mentions both"),
        ("example_doc_id", "string", "the document of the first such sentence"),
        ("example_sentence", "string", "the first such sentence"),
    ],
    "candidates": [
        ("alias", "string", "a short name or acronym left apart: the canonical name of alias_id"),
        ("canonical", "string", "a fuller name it may stand for: the canonical name of entity_id"),
        ("label", "string", "PER, ORG or LOC"),
        ("alias_id", "string", "the entity the short name is (entities.csv)"),
        ("entity_id", "string", "the entity it may be"),
        ("reason", "string", "why the merge was not taken (README, Linking rules)"),
        ("mentions", "int64", "how many mentions alias_id has"),
        ("documents", "int64", "in how many documents alias_id is mentioned"),
        ("shared_documents", "int64", "in how many of them entity_id is mentioned too"),
    ],
    "affiliations": [
        ("doc_id", "string", "the document that gives the role"),
        ("sentence", "int64", "index of the sentence of the person's mention, from 0"),
        ("person_id", "string", "the person (entities.csv)"),
        ("person", "string", "canonical name of the person"),
        ("role", "string", "the role as written before, in or after the name"),
        ("entity_id", "string", "the organisation or place the role names, if the document names it"),
        ("entity", "string", "canonical name of entity_id"),
        ("label", "string", "ORG or LOC: label of entity_id"),
        ("sentence_text", "string", "the sentence of the person's mention"),
    ],
    "documents": [
        ("doc_id", "string", "file path inside the input folder without suffix, or the record's id; #N for parts"),
        ("source", "string", "the file (and line or row) it was read from"),
        ("date", "string", "when it was published, ISO 8601 (2024-01-17T10:15:00+07:00, or the day alone), if known"),
        ("characters", "int64", "length of the text in characters"),
        ("sentences", "int64", "number of sentences"),
        ("tokens", "int64", "number of tokens"),
        ("mentions", "int64", "number of entity mentions"),
        ("status", "string", "ok, empty, error (could not be read) or skipped (not read on purpose)"),
        ("error", "string", "why it was not processed; for an ok document, what was repaired to read it"),
    ],
    "document_entities": [
        ("doc_id", "string", "the document (documents.csv)"),
        ("entity_id", "string", "an entity it mentions (entities.csv)"),
        ("canonical", "string", "canonical name of the entity"),
        ("label", "string", "PER, ORG or LOC"),
        ("mentions", "int64", "how many times the document mentions it"),
        ("first_start_char", "int64", "offset of its first mention in the document as read"),
        ("date", "string", "the document's date, as in documents.csv"),
    ],
}

# The documents table takes, after its own columns, every other field of the input records
# (JSONL, CSV) and the metadata of HTML pages, as text, named as in the input; a field named
# like one of its own columns is prefixed with this.
METADATA_PREFIX = "input_"


def metadata_column(field: str) -> str:
    own = {column for column, _, _ in SCHEMAS["documents"]}
    return METADATA_PREFIX + field if field in own else field


@dataclass(frozen=True)
class Tables:
    mentions: pd.DataFrame
    entities: pd.DataFrame
    aliases: pd.DataFrame
    cooccurrence: pd.DataFrame
    candidates: pd.DataFrame
    affiliations: pd.DataFrame
    documents: pd.DataFrame
    document_entities: pd.DataFrame

    def items(self) -> list[tuple[str, pd.DataFrame]]:
        return [(name, getattr(self, name)) for name in SCHEMAS]

    def chunks(self, name: str) -> list[pd.DataFrame]:
        return [getattr(self, name)]


def frame(name: str, rows: Sequence[dict] | Sequence[tuple], extra_columns: Sequence[str] = ()) -> pd.DataFrame:
    """A table's rows as a DataFrame of its schema's columns and dtypes; ``extra_columns``
    (text) follow them: the metadata columns of ``documents``."""
    schema = SCHEMAS[name]
    columns = [column for column, _, _ in schema] + list(extra_columns)
    df = pd.DataFrame(list(rows), columns=columns)
    return df.astype({column: dtype for column, dtype, _ in schema} | dict.fromkeys(extra_columns, "string"))


FORMATS = ("csv", "parquet", "jsonl", "sqlite")
SQLITE_FILE = "entitas.sqlite"  # --format sqlite: every table in this one file

# The SQLite file's keys: each table's primary key, and the columns that point into another table
# (declared as foreign keys, so that Datasette links them; every such column is indexed).
PRIMARY_KEYS = {"entities": "entity_id", "documents": "doc_id"}
FOREIGN_KEYS: dict[str, list[tuple[str, str]]] = {
    "mentions": [("doc_id", "documents"), ("entity_id", "entities")],
    "aliases": [("entity_id", "entities")],
    "cooccurrence": [("entity_a", "entities"), ("entity_b", "entities"), ("example_doc_id", "documents")],
    "document_entities": [("doc_id", "documents"), ("entity_id", "entities")],
}
MENTIONS_FTS = "mentions_fts"  # full-text index over the mentions' sentences (and the mentions as written)

# A spreadsheet runs a cell that starts with one of these as a formula ("=HYPERLINK(...)").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix ' to text cells a spreadsheet would read as a formula (CSV output only)."""
    out = df.copy()
    for column in out.columns:
        if pd.api.types.is_string_dtype(out[column]):
            values = out[column]
            risky = values.str.startswith(FORMULA_STARTS).fillna(False)
            out.loc[risky, column] = "'" + values[risky]
    return out


class TableSource(Protocol):
    """Anything that gives each table as DataFrame chunks: ``Tables``, or the run's store."""

    def chunks(self, name: str) -> Iterable[pd.DataFrame]: ...


def write_tables(tables: TableSource, out_dir: Path, fmt: str = "csv") -> list[Path]:
    """Write each table chunk by chunk, atomically: a reader never sees half a file."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "sqlite":
        path = out_dir / SQLITE_FILE
        with atomic_path(path) as tmp:
            write_sqlite(tables, tmp)
        return [path]
    written = []
    for name in SCHEMAS:
        path = out_dir / f"{name}.{fmt}"
        with atomic_path(path) as tmp:
            _WRITERS[fmt](tables.chunks(name), tmp)
        written.append(path)
    return written


TEXTS_FILE = "texts.jsonl"  # each document's text as read, beside the tables, for the report


def write_texts(records: Iterable[dict], out_dir: Path) -> Path:
    """Each document's text as read (``doc_id``, ``source``, ``base_offset``, ``text``), one JSON
    line per document or part: what the report shows, whatever has happened to the inputs since."""
    path = out_dir / TEXTS_FILE
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


# Rows end in CRLF (RFC 4180): Python's csv module quotes a cell only for the characters of its
# line end, so with "\n" alone a cell holding a bare "\r" went out unquoted, and readers split
# the row there, the rest of the cell (perhaps "=cmd|...") starting a cell of its own.
CSV_LINE_END = "\r\n"


def _write_csv(chunks: Iterable[pd.DataFrame], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        for i, df in enumerate(chunks):
            neutralise_formulas(df).to_csv(out, index=False, header=i == 0, lineterminator=CSV_LINE_END)


def _write_parquet(chunks: Iterable[pd.DataFrame], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for df in chunks:
            table = pa.Table.from_pandas(df, schema=writer.schema if writer else None, preserve_index=False)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer:
            writer.close()


def _write_jsonl(chunks: Iterable[pd.DataFrame], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for df in chunks:
            if len(df):
                out.write(df.to_json(orient="records", lines=True, force_ascii=False).rstrip("\n") + "\n")


_SQLITE_TYPES = {"int64": "INTEGER", "Int64": "INTEGER", "float64": "REAL", "bool": "INTEGER"}


def _create_table(name: str, df: pd.DataFrame) -> str:
    """The table's columns typed from the frame's dtypes (so extra metadata columns come along),
    with its primary key and foreign keys."""
    columns = [f'"{c}" {_SQLITE_TYPES.get(str(df[c].dtype), "TEXT")}' + (" PRIMARY KEY" if PRIMARY_KEYS.get(name) == c
                                                                        else "") for c in df.columns]
    keys = [f'FOREIGN KEY ("{c}") REFERENCES {table} ("{PRIMARY_KEYS[table]}")'
            for c, table in FOREIGN_KEYS.get(name, [])]
    return f'CREATE TABLE {name} ({", ".join(columns + keys)})'


def write_sqlite(tables: TableSource, path: Path) -> None:
    """Every table into one SQLite file: typed columns, keys, an index on every column that
    points into another table, and ``mentions_fts`` (FTS5) over the mentions' sentences."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        for name in SCHEMAS:
            for i, df in enumerate(tables.chunks(name)):
                if i == 0:
                    db.execute(_create_table(name, df))
                rows = df.astype(object).where(df.notna(), None).itertuples(index=False, name=None)
                db.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(df.columns))})", rows)
            for column, _ in FOREIGN_KEYS.get(name, []):
                db.execute(f'CREATE INDEX {name}_{column} ON {name} ("{column}")')
        db.execute(f"""CREATE VIRTUAL TABLE {MENTIONS_FTS} USING fts5(sentence_text, text, content="mentions",
                       tokenize="unicode61 remove_diacritics 2")""")
        db.execute(f"INSERT INTO {MENTIONS_FTS} ({MENTIONS_FTS}) VALUES ('rebuild')")
        db.commit()
    finally:
        db.close()


def read_sqlite_table(path: Path, name: str) -> pd.DataFrame:
    with sqlite3.connect(path) as db:
        return pd.read_sql_query(f"SELECT * FROM {name}", db)


_WRITERS = {"csv": _write_csv, "parquet": _write_parquet, "jsonl": _write_jsonl}


def schema_markdown() -> str:
    """The README's table reference, generated from SCHEMAS."""
    parts = []
    for name, schema in SCHEMAS.items():
        parts.append(f"#### `{name}.csv`\n\n| column | type | meaning |\n|---|---|---|")
        parts.extend(f"| `{column}` | {dtype} | {meaning} |" for column, dtype, meaning in schema)
        parts.append("")
    return "\n".join(parts)


def keys_markdown() -> str:
    """The README's list of the SQLite file's keys, generated from PRIMARY_KEYS and FOREIGN_KEYS."""
    lines = [f"- `{table}.{column}` is the primary key" for table, column in PRIMARY_KEYS.items()]
    lines += [f"- `{table}.{column}` -> `{target}.{PRIMARY_KEYS[target]}`"
              for table, keys in FOREIGN_KEYS.items() for column, target in keys]
    return "\n".join(lines)
