"""Stage 5: the entity tables as pandas DataFrames, and writing them to disk.

Columns are declared once, in ``SCHEMAS`` (name, dtype, meaning); the README's table section
is generated from the same declaration and a test keeps the two in step.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby, islice
from operator import itemgetter
from pathlib import Path

import pandas as pd

from pipeline.link import (
    NO_STEERING,
    RULE_ORDER,
    ClusterSummary,
    EntityIndex,
    LinkedDocument,
    LinkSettings,
    mention_links,
)
from pipeline.types import ProcessedDocument

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
        ("rule", "string", "how it was linked: exact, user, acronym, short-name or variant (README)"),
        ("zone", "string", "body, or boilerplate for site furniture such as 'Baca Juga' lines"),
    ],
    "entities": [
        ("entity_id", "string", "stable id: the same name and label give the same id on every run"),
        ("canonical", "string", "the fullest name the texts use for it"),
        ("label", "string", "PER, ORG or LOC"),
        ("aliases", "string", "other names it goes by, separated by ' | '"),
        ("mentions", "int64", "how many mentions it has"),
        ("documents", "int64", "in how many documents it is mentioned"),
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
    "documents": [
        ("doc_id", "string", "file path inside the input folder without suffix, or the record's id; #N for parts"),
        ("source", "string", "the file (and line or row) it was read from"),
        ("characters", "int64", "length of the text in characters"),
        ("sentences", "int64", "number of sentences"),
        ("tokens", "int64", "number of tokens"),
        ("mentions", "int64", "number of entity mentions"),
        ("status", "string", "ok, empty, or error"),
        ("error", "string", "why the document was not processed, when it was not"),
    ],
}


@dataclass(frozen=True)
class Tables:
    mentions: pd.DataFrame
    entities: pd.DataFrame
    aliases: pd.DataFrame
    cooccurrence: pd.DataFrame
    documents: pd.DataFrame

    def items(self) -> list[tuple[str, pd.DataFrame]]:
        return [(name, getattr(self, name)) for name in SCHEMAS]

    def chunks(self, name: str) -> list[pd.DataFrame]:
        return [getattr(self, name)]


def frame(name: str, rows: Sequence[dict] | Sequence[tuple]) -> pd.DataFrame:
    schema = SCHEMAS[name]
    columns = [column for column, _, _ in schema]
    df = pd.DataFrame(list(rows), columns=columns)
    return df.astype({column: dtype for column, dtype, _ in schema})


_STORE_SCHEMA = """
CREATE TABLE document (doc_key INTEGER PRIMARY KEY, doc_id TEXT, source TEXT, characters INTEGER,
                       sentences INTEGER, tokens INTEGER, status TEXT, error TEXT);
CREATE TABLE sentence (doc_key INTEGER, sentence INTEGER, text TEXT, PRIMARY KEY (doc_key, sentence));
CREATE TABLE mention (doc_key INTEGER, ordinal INTEGER, cluster INTEGER, doc_id TEXT, sentence INTEGER,
                      start_char INTEGER, end_char INTEGER, text TEXT, label TEXT, confidence REAL,
                      name TEXT, role TEXT, rule TEXT, zone TEXT, acronym TEXT);
CREATE TABLE cluster (doc_key INTEGER, cluster INTEGER, summary TEXT);
CREATE TABLE cluster_entity (doc_key INTEGER, cluster INTEGER, entity_id TEXT, PRIMARY KEY (doc_key, cluster));
CREATE TABLE entity (entity_id TEXT PRIMARY KEY, canonical TEXT, label TEXT, aliases TEXT);
"""

_LINKED = """mention m JOIN cluster_entity USING (doc_key, cluster)"""

QUERIES = {
    "mentions": f"""
        SELECT m.doc_id, m.sentence, s.text, m.start_char, m.end_char, m.text, m.label, m.confidence,
               entity_id, m.name, m.role, m.rule, m.zone
        FROM {_LINKED} JOIN sentence s USING (doc_key, sentence)
        ORDER BY m.doc_id, m.start_char, m.end_char, m.doc_key, m.ordinal""",
    "entities": f"""
        WITH counts AS (SELECT entity_id, count(*) AS n, count(DISTINCT doc_key) AS docs
                        FROM {_LINKED} GROUP BY entity_id)
        SELECT e.entity_id, e.canonical, e.label, e.aliases, counts.n, counts.docs
        FROM entity e JOIN counts USING (entity_id)
        ORDER BY counts.n DESC, e.canonical, e.entity_id""",
    # one row per (entity, alias, rule); ``_alias_rows`` folds the rules
    "aliases": f"""
        WITH names AS (SELECT entity_id, m.name AS alias, m.rule FROM {_LINKED}
                       UNION ALL
                       SELECT entity_id, m.acronym, 'acronym' FROM {_LINKED} WHERE m.acronym != '')
        SELECT names.entity_id, alias, rule, count(*), e.canonical
        FROM names JOIN entity e USING (entity_id)
        GROUP BY names.entity_id, alias, rule
        ORDER BY names.entity_id, alias""",
    "cooccurrence": f"""
        WITH present AS (SELECT DISTINCT doc_key, m.doc_id, m.sentence, entity_id FROM {_LINKED}),
        pairs AS (SELECT a.entity_id AS entity_a, b.entity_id AS entity_b, a.doc_key, a.doc_id, a.sentence
                  FROM present a JOIN present b
                  ON a.doc_key = b.doc_key AND a.sentence = b.sentence AND a.entity_id < b.entity_id),
        counted AS (SELECT entity_a, entity_b, count(*) AS sentences, count(DISTINCT doc_key) AS docs
                    FROM pairs GROUP BY entity_a, entity_b),
        first AS (SELECT entity_a, entity_b, doc_key, doc_id, sentence,
                         row_number() OVER (PARTITION BY entity_a, entity_b ORDER BY doc_id, doc_key, sentence) AS r
                  FROM pairs)
        SELECT entity_a, entity_b, ea.canonical, eb.canonical, ea.label, eb.label, counted.sentences, counted.docs,
               first.doc_id, s.text
        FROM counted JOIN first USING (entity_a, entity_b)
        JOIN entity ea ON ea.entity_id = entity_a JOIN entity eb ON eb.entity_id = entity_b
        JOIN sentence s ON s.doc_key = first.doc_key AND s.sentence = first.sentence
        WHERE first.r = 1
        ORDER BY counted.sentences DESC, entity_a, entity_b""",
    "documents": """
        SELECT d.doc_id, d.source, d.characters, d.sentences, d.tokens,
               (SELECT count(*) FROM mention m WHERE m.doc_key = d.doc_key), d.status, d.error
        FROM document d ORDER BY d.doc_id, d.doc_key""",
}


def mention_rows(doc_key: int, processed: ProcessedDocument, linked: LinkedDocument) -> list[tuple]:
    """The mention rows of one document, in the store's column order (entity left to merging)."""
    doc = processed.document
    return [(doc_key, ordinal, cluster, doc.doc_id, p.mention.sentence, doc.to_source(p.mention.start),
             doc.to_source(p.mention.end), p.mention.text, p.mention.label, p.mention.confidence,
             " ".join(p.name), p.role, rule, p.mention.zone, acronym)
            for ordinal, (p, cluster, rule, acronym) in enumerate(mention_links(linked))]


def _summary_json(summary: ClusterSummary) -> str:
    return json.dumps([summary.label, [[list(n), c] for n, c in summary.name_counts],
                       sorted(summary.keys), sorted(summary.anchors)], ensure_ascii=False)


def _summary_from_json(text: str) -> ClusterSummary:
    label, names, keys, anchors = json.loads(text)
    return ClusterSummary(label, tuple((tuple(n), c) for n, c in names), frozenset(keys), frozenset(anchors))


class TableStore:
    """Where a run's results wait for cross-document linking: an SQLite file (or memory).

    Documents are added one by one as they come out of the pipeline and nothing of them stays
    in Python memory; once all are in, ``link_entities`` merges their clusters across documents
    (``EntityIndex``), and the tables are read back in order, in chunks, by SQL queries.
    """

    CHUNK = 50_000

    def __init__(self, path: Path | None = None):
        """``path``: a new or empty file, removed by ``close``; None keeps the store in memory."""
        self.path = path
        self.db = sqlite3.connect(str(path) if path else ":memory:")
        self.db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _STORE_SCHEMA)
        self.n_documents = 0

    def add(self, processed: ProcessedDocument, linked: LinkedDocument) -> None:
        doc_key = self.n_documents
        self.n_documents += 1
        doc = processed.document
        self.db.execute("INSERT INTO document VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (
            doc_key, doc.doc_id, doc.source, len(doc.text), len(processed.sentences), processed.n_tokens,
            doc.status, doc.error))
        with_mentions = sorted({m.sentence for m in processed.mentions})
        self.db.executemany("INSERT INTO sentence VALUES (?, ?, ?)",
                            [(doc_key, index, processed.sentence_text(index)) for index in with_mentions])
        self.db.executemany("INSERT INTO mention VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            mention_rows(doc_key, processed, linked))
        self.db.executemany("INSERT INTO cluster VALUES (?, ?, ?)", [
            (doc_key, c, _summary_json(ClusterSummary.of(cl))) for c, cl in enumerate(linked.clusters)])

    def _clusters(self) -> Iterator[tuple[tuple[int, int], ClusterSummary]]:
        rows = self.db.execute("SELECT doc_key, cluster, summary FROM cluster ORDER BY doc_key, cluster")
        for doc_key, c, summary in rows:
            yield (doc_key, c), _summary_from_json(summary)

    def link_entities(self, settings: LinkSettings = NO_STEERING) -> None:
        """Merge the documents' clusters into entities (see ``pipeline.link``)."""
        self.db.execute("CREATE INDEX mention_cluster ON mention (doc_key, cluster)")
        index = EntityIndex(self._clusters, settings)
        self.db.executemany("INSERT INTO cluster_entity VALUES (?, ?, ?)",
                            ((*node, index.entity_of(node, summary)) for node, summary in self._clusters()))
        self.db.executemany("INSERT INTO entity VALUES (?, ?, ?, ?)",
                            ((e.entity_id, e.canonical, e.label, " | ".join(e.aliases)) for e in index.entities))
        self.db.commit()

    def chunks(self, name: str) -> Iterator[pd.DataFrame]:
        """One table, in order, as DataFrames of at most ``CHUNK`` rows (at least one, maybe empty)."""
        cursor = self.db.execute(QUERIES[name])
        rows = _alias_rows(cursor) if name == "aliases" else cursor
        yielded = False
        while batch := list(islice(rows, self.CHUNK)):
            yield frame(name, batch)
            yielded = True
        if not yielded:
            yield frame(name, [])

    def counts(self) -> dict[str, int]:
        """How many documents (and of them not processed), mentions and entities the run has."""
        one = self.db.execute
        return {"documents": self.n_documents,
                "not_processed": one("SELECT count(*) FROM document WHERE status != 'ok'").fetchone()[0],
                "mentions": one("SELECT count(*) FROM mention").fetchone()[0],
                "entities": one("SELECT count(*) FROM entity").fetchone()[0]}

    def tables(self) -> Tables:
        """All tables in memory (the Python API)."""
        return Tables(**{name: pd.concat(list(self.chunks(name)), ignore_index=True) for name in SCHEMAS})

    def close(self) -> None:
        self.db.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> TableStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _alias_rows(rows: Iterable[tuple]) -> Iterator[tuple]:
    """(entity, alias, rule, count, canonical) rows, sorted -> one row per alias, with the rule
    that names it: ``canonical`` for the entity's own name, else the rule that linked it most."""
    for (eid, alias), group in groupby(rows, key=itemgetter(0, 1)):
        group = list(group)
        rules = {rule: count for _, _, rule, count, _ in group}
        rule = "canonical" if alias == group[0][4] else min(rules, key=lambda r: (-rules[r], RULE_ORDER.index(r)))
        yield eid, alias, sum(rules.values()), rule


FORMATS = ("csv", "parquet", "jsonl")

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


def write_tables(tables: Tables | TableStore, out_dir: Path, fmt: str = "csv") -> list[Path]:
    """Write each table chunk by chunk, atomically: a reader never sees half a file."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMAS:
        path = out_dir / f"{name}.{fmt}"
        handle, tmp_name = tempfile.mkstemp(dir=out_dir, prefix=f".{path.name}.", suffix=".tmp")
        os.close(handle)
        tmp = Path(tmp_name)
        try:
            _WRITERS[fmt](tables.chunks(name), tmp)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        written.append(path)
    return written


def _write_csv(chunks: Iterable[pd.DataFrame], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        for i, df in enumerate(chunks):
            neutralise_formulas(df).to_csv(out, index=False, header=i == 0, lineterminator="\n")


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


_WRITERS = {"csv": _write_csv, "parquet": _write_parquet, "jsonl": _write_jsonl}


def schema_markdown() -> str:
    """The README's table reference, generated from SCHEMAS."""
    parts = []
    for name, schema in SCHEMAS.items():
        parts.append(f"#### `{name}.csv`\n\n| column | type | meaning |\n|---|---|---|")
        parts.extend(f"| `{column}` | {dtype} | {meaning} |" for column, dtype, meaning in schema)
        parts.append("")
    return "\n".join(parts)
