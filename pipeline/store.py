"""The run's store: where each document's results wait, as they come out of the stages, for
cross-document linking and the tables. An SQLite file in the output folder (or memory, for the
Python API); nothing of a document stays in Python memory.

The store only stores and reads back: the runner hands it each document, asks it for the
clusters, merges them across documents with the linker and hands it the result; the tables are
then read back in order, in chunks, by SQL queries.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from itertools import groupby, islice
from operator import itemgetter
from pathlib import Path

import pandas as pd

from pipeline.link import RULE_ORDER, ClusterSummary, EntityIndex, LinkedDocument, Node, mention_links
from pipeline.tables import SCHEMAS, Tables, frame, metadata_column
from pipeline.types import ProcessedDocument

_SCHEMA = """
CREATE TABLE document (doc_key INTEGER PRIMARY KEY, doc_id TEXT, source TEXT, date TEXT, characters INTEGER,
                       sentences INTEGER, tokens INTEGER, status TEXT, error TEXT,
                       base_offset INTEGER, text TEXT, metadata TEXT);
CREATE TABLE sentence (doc_key INTEGER, sentence INTEGER, text TEXT, PRIMARY KEY (doc_key, sentence));
CREATE TABLE mention (doc_key INTEGER, ordinal INTEGER, cluster INTEGER, doc_id TEXT, sentence INTEGER,
                      start_char INTEGER, end_char INTEGER, text TEXT, label TEXT, confidence REAL,
                      name TEXT, role TEXT, rule TEXT, zone TEXT, acronym TEXT);
CREATE TABLE cluster (doc_key INTEGER, cluster INTEGER, summary TEXT);
CREATE TABLE cluster_entity (doc_key INTEGER, cluster INTEGER, entity_id TEXT, PRIMARY KEY (doc_key, cluster));
CREATE TABLE entity (entity_id TEXT PRIMARY KEY, canonical TEXT, label TEXT, aliases TEXT);
CREATE TABLE document_candidate (doc_key INTEGER, cluster INTEGER, other INTEGER, reason TEXT);
CREATE TABLE candidate (alias_id TEXT, entity_id TEXT, reason TEXT);
CREATE TABLE affiliation (doc_key INTEGER, ordinal INTEGER, cluster INTEGER, other INTEGER);
"""


def _insert(table: str, columns: Iterable[str]) -> str:
    columns = list(columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"


_INSERT_DOCUMENT = _insert("document", ["doc_key", "doc_id", "source", "date", "characters", "sentences", "tokens",
                                        "status", "error", "base_offset", "text", "metadata"])
_INSERT_SENTENCE = _insert("sentence", ["doc_key", "sentence", "text"])
_INSERT_MENTION = _insert("mention", ["doc_key", "ordinal", "cluster", "doc_id", "sentence", "start_char",
                                      "end_char", "text", "label", "confidence", "name", "role", "rule", "zone",
                                      "acronym"])
_INSERT_CLUSTER = _insert("cluster", ["doc_key", "cluster", "summary"])
_INSERT_CLUSTER_ENTITY = _insert("cluster_entity", ["doc_key", "cluster", "entity_id"])
_INSERT_ENTITY = _insert("entity", ["entity_id", "canonical", "label", "aliases"])
_INSERT_DOCUMENT_CANDIDATE = _insert("document_candidate", ["doc_key", "cluster", "other", "reason"])
_INSERT_CANDIDATE = _insert("candidate", ["alias_id", "entity_id", "reason"])
_INSERT_AFFILIATION = _insert("affiliation", ["doc_key", "ordinal", "cluster", "other"])

_LINKED = """mention m JOIN cluster_entity USING (doc_key, cluster)"""
# The mentions that make entity rows, aliases and co-occurrence: those of the body (a view made
# by ``set_entities``; boilerplate too where the run keeps it).
_COUNTED = """counted_mention m JOIN cluster_entity USING (doc_key, cluster)"""

QUERIES = {
    "mentions": f"""
        SELECT m.doc_id, m.sentence, s.text, m.start_char, m.end_char, m.text, m.label, m.confidence,
               CASE WHEN entity_id IN (SELECT entity_id FROM counted_entity) THEN entity_id ELSE '' END,
               m.name, m.role, m.rule, m.zone
        FROM {_LINKED} JOIN sentence s USING (doc_key, sentence)
        ORDER BY m.doc_id, m.start_char, m.end_char, m.doc_key, m.ordinal""",
    "entities": f"""
        WITH counts AS (SELECT entity_id, count(*) AS n, count(DISTINCT doc_key) AS docs,
                               min(nullif(substr(d.date, 1, 10), '')) AS first_seen,
                               max(nullif(substr(d.date, 1, 10), '')) AS last_seen
                        FROM {_COUNTED} JOIN document d USING (doc_key) GROUP BY entity_id)
        SELECT e.entity_id, e.canonical, e.label, e.aliases, counts.n, counts.docs,
               coalesce(counts.first_seen, ''), coalesce(counts.last_seen, '')
        FROM entity e JOIN counts USING (entity_id)
        ORDER BY counts.n DESC, e.canonical, e.entity_id""",
    # one row per (entity, alias, rule); ``_alias_rows`` folds the rules
    "aliases": f"""
        WITH names AS (SELECT entity_id, m.name AS alias, m.rule FROM {_COUNTED}
                       UNION ALL
                       SELECT entity_id, m.acronym, 'acronym' FROM {_COUNTED} WHERE m.acronym != '')
        SELECT names.entity_id, alias, rule, count(*), e.canonical
        FROM names JOIN entity e USING (entity_id)
        GROUP BY names.entity_id, alias, rule
        ORDER BY names.entity_id, alias""",
    "cooccurrence": f"""
        WITH present AS (SELECT DISTINCT doc_key, m.doc_id, m.sentence, entity_id FROM {_COUNTED}),
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
    # merges not taken: within a document (resolved to entities) and across the run
    "candidates": f"""
        WITH pairs AS (SELECT a.entity_id AS alias_id, b.entity_id AS entity_id, c.reason
                       FROM document_candidate c
                       JOIN cluster_entity a ON a.doc_key = c.doc_key AND a.cluster = c.cluster
                       JOIN cluster_entity b ON b.doc_key = c.doc_key AND b.cluster = c.other
                       UNION ALL SELECT alias_id, entity_id, reason FROM candidate),
        chosen AS (SELECT alias_id, entity_id, min(reason) AS reason FROM pairs
                   WHERE alias_id != entity_id GROUP BY alias_id, entity_id),
        present AS (SELECT DISTINCT entity_id, doc_key FROM {_LINKED}),
        counts AS (SELECT entity_id, count(*) AS n FROM {_LINKED} GROUP BY entity_id)
        SELECT ea.canonical, eb.canonical, ea.label, chosen.alias_id, chosen.entity_id, chosen.reason, counts.n,
               (SELECT count(*) FROM present p WHERE p.entity_id = chosen.alias_id),
               (SELECT count(*) FROM present p JOIN present q USING (doc_key)
                WHERE p.entity_id = chosen.alias_id AND q.entity_id = chosen.entity_id)
        FROM chosen JOIN entity ea ON ea.entity_id = chosen.alias_id
        JOIN entity eb ON eb.entity_id = chosen.entity_id
        JOIN counts ON counts.entity_id = chosen.alias_id
        ORDER BY counts.n DESC, ea.canonical, eb.canonical, chosen.alias_id, chosen.entity_id""",
    "affiliations": """
        SELECT m.doc_id, m.sentence, person.entity_id, ep.canonical, m.role, coalesce(named.entity_id, ''),
               coalesce(en.canonical, ''), coalesce(en.label, ''), s.text
        FROM affiliation a
        JOIN mention m ON m.doc_key = a.doc_key AND m.ordinal = a.ordinal
        JOIN cluster_entity person ON person.doc_key = a.doc_key AND person.cluster = a.cluster
        JOIN entity ep ON ep.entity_id = person.entity_id
        LEFT JOIN cluster_entity named ON named.doc_key = a.doc_key AND named.cluster = a.other
        LEFT JOIN entity en ON en.entity_id = named.entity_id
        JOIN sentence s ON s.doc_key = m.doc_key AND s.sentence = m.sentence
        ORDER BY ep.canonical, person.entity_id, m.doc_id, m.start_char, m.role""",
    # the last column, the metadata as JSON, becomes one column per field (``_document_rows``)
    "documents": """
        SELECT d.doc_id, d.source, d.date, d.characters, d.sentences, d.tokens,
               (SELECT count(*) FROM mention m WHERE m.doc_key = d.doc_key), d.status, d.error, d.metadata
        FROM document d ORDER BY d.doc_id, d.doc_key""",
    "document_entities": f"""
        SELECT m.doc_id, entity_id, e.canonical, e.label, count(*), min(m.start_char), d.date
        FROM {_COUNTED} JOIN entity e USING (entity_id) JOIN document d USING (doc_key)
        GROUP BY doc_key, entity_id
        ORDER BY m.doc_id, doc_key, min(m.start_char), entity_id""",
}


def mention_rows(doc_key: int, processed: ProcessedDocument, linked: LinkedDocument) -> list[dict]:
    """The mention rows of one document (the entity is left to merging across documents)."""
    doc = processed.document
    return [{"doc_key": doc_key, "ordinal": ordinal, "cluster": cluster, "doc_id": doc.doc_id,
             "sentence": p.mention.sentence, "start_char": doc.to_source(p.mention.start),
             "end_char": doc.to_source(p.mention.end), "text": p.mention.text, "label": p.mention.label,
             "confidence": p.mention.confidence, "name": " ".join(p.name), "role": p.role, "rule": rule,
             "zone": p.mention.zone, "acronym": acronym}
            for ordinal, (p, cluster, rule, acronym) in enumerate(mention_links(linked))]


def _summary_json(summary: ClusterSummary) -> str:
    return json.dumps([summary.label, [[list(n), c] for n, c in summary.name_counts],
                       sorted(summary.keys), sorted(summary.anchors),
                       [[list(n), c] for n, c in summary.title_counts], sorted(summary.linked), summary.holder],
                      ensure_ascii=False)


def _summary_from_json(text: str) -> ClusterSummary:
    label, names, keys, anchors, titles, linked, holder = json.loads(text)
    return ClusterSummary(label, tuple((tuple(n), c) for n, c in names), frozenset(keys), frozenset(anchors),
                          tuple((tuple(n), c) for n, c in titles), frozenset(linked), holder)


class TableStore:
    """A run's results: documents added one by one, entities set once, tables read back."""

    CHUNK = 50_000

    def __init__(self, path: Path | None = None, keep_boilerplate: bool = False):
        """``path``: a new or empty file, removed by ``close``; None keeps the store in memory.
        ``keep_boilerplate``: mentions in boilerplate zones make entity rows and co-occurrence too."""
        self.path = path
        self.db = sqlite3.connect(str(path) if path else ":memory:")
        self.db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
        self.db.execute("CREATE VIEW counted_mention AS SELECT * FROM mention"
                        + ("" if keep_boilerplate else " WHERE zone = 'body'"))
        self.db.execute("CREATE VIEW counted_entity AS SELECT DISTINCT entity_id "
                        "FROM counted_mention JOIN cluster_entity USING (doc_key, cluster)")
        self.n_documents = 0
        self.metadata_fields: dict[str, None] = {}  # every metadata field seen, in order of first sight

    def add(self, processed: ProcessedDocument, linked: LinkedDocument) -> None:
        doc_key = self.n_documents
        self.n_documents += 1
        doc = processed.document
        self.metadata_fields.update(dict.fromkeys(field for field, _ in doc.metadata))
        self.db.execute(_INSERT_DOCUMENT, {
            "doc_key": doc_key, "doc_id": doc.doc_id, "source": doc.source, "date": doc.date,
            "characters": len(doc.text), "sentences": len(processed.sentences), "tokens": processed.n_tokens,
            "status": doc.status, "error": doc.error, "base_offset": doc.base_offset, "text": doc.source_text,
            "metadata": json.dumps(dict(doc.metadata), ensure_ascii=False)})
        with_mentions = sorted({m.sentence for m in processed.mentions})
        self.db.executemany(_INSERT_SENTENCE, [{"doc_key": doc_key, "sentence": index,
                                                "text": processed.sentence_text(index)} for index in with_mentions])
        self.db.executemany(_INSERT_MENTION, mention_rows(doc_key, processed, linked))
        self.db.executemany(_INSERT_CLUSTER, [{"doc_key": doc_key, "cluster": c,
                                               "summary": _summary_json(ClusterSummary.of(cl))}
                                              for c, cl in enumerate(linked.clusters)])
        self.db.executemany(_INSERT_DOCUMENT_CANDIDATE, [{"doc_key": doc_key, "cluster": c.cluster, "other": c.other,
                                                          "reason": c.reason} for c in linked.candidates])
        self.db.executemany(_INSERT_AFFILIATION, [{"doc_key": doc_key, "ordinal": a.mention,
                                                   "cluster": linked.cluster_of[a.mention], "other": a.named}
                                                  for a in linked.affiliations])

    def clusters(self) -> Iterator[tuple[Node, ClusterSummary]]:
        """Every document cluster, in order; may be called again (``EntityIndex`` reads it in passes)."""
        rows = self.db.execute("SELECT doc_key, cluster, summary FROM cluster ORDER BY doc_key, cluster")
        for doc_key, c, summary in rows:
            yield (doc_key, c), _summary_from_json(summary)

    def mark_repeated_lines(self, min_documents: int) -> int:
        """Zone as boilerplate the body mentions on a line that ``min_documents`` or more
        documents of the run write word for word (a site's furniture that no pattern knows);
        returns how many mentions were so zoned."""
        self.db.execute("CREATE TABLE line (doc_key INTEGER, start_char INTEGER, end_char INTEGER, text TEXT)")
        rows = self.db.execute("SELECT doc_key, base_offset, text FROM document WHERE status = 'ok'")
        self.db.executemany("INSERT INTO line VALUES (?, ?, ?, ?)", (
            (doc_key, base + m.start(), base + m.end(), m.group().strip())
            for doc_key, base, text in rows for m in re.finditer(r"[^\n]*\S[^\n]*", text)))
        self.db.execute("CREATE INDEX line_document ON line (doc_key)")
        before = self.db.total_changes
        self.db.execute("""
            UPDATE mention SET zone = 'boilerplate' WHERE zone = 'body' AND EXISTS (
                SELECT 1 FROM line l WHERE l.doc_key = mention.doc_key
                AND l.start_char <= mention.start_char AND mention.end_char <= l.end_char
                AND l.text IN (SELECT text FROM line GROUP BY text HAVING count(DISTINCT doc_key) >= ?))""",
                        (min_documents,))
        zoned = self.db.total_changes - before
        self.db.execute("DROP TABLE line")
        return zoned

    def set_entities(self, index: EntityIndex) -> None:
        """Store the entity of every cluster and the entities, as merging across documents found them."""
        self.db.execute("CREATE INDEX mention_cluster ON mention (doc_key, cluster)")

        self.db.executemany(_INSERT_CLUSTER_ENTITY, (
            {"doc_key": doc_key, "cluster": c, "entity_id": index.entity_of((doc_key, c), summary)}
            for (doc_key, c), summary in self.clusters()))
        by_run = [{"doc_key": doc_key, "cluster": c} for (doc_key, c), summary in self.clusters()
                  if index.linked_by_run(summary)]
        self.db.executemany("UPDATE mention SET rule = 'run' WHERE doc_key = :doc_key AND cluster = :cluster "
                            "AND rule = 'exact'", by_run)
        self.db.executemany(_INSERT_CANDIDATE, (
            {"alias_id": index.entity_of(node, summary), "entity_id": other, "reason": reason}
            for node, summary in self.clusters() for other, reason in index.run_candidates(node, summary)))
        self.db.executemany(_INSERT_ENTITY, ({"entity_id": e.entity_id, "canonical": e.canonical, "label": e.label,
                                              "aliases": " | ".join(e.aliases)} for e in index.entities))
        self.db.commit()

    def chunks(self, name: str) -> Iterator[pd.DataFrame]:
        """One table, in order, as DataFrames of at most ``CHUNK`` rows (at least one, maybe empty)."""
        cursor = self.db.execute(QUERIES[name])
        rows, extra = cursor, []
        if name == "aliases":
            rows = _alias_rows(cursor)
        elif name == "documents":
            rows, extra = _document_rows(cursor, list(self.metadata_fields)), self.metadata_columns()
        yielded = False
        while batch := list(islice(rows, self.CHUNK)):
            yield frame(name, batch, extra)
            yielded = True
        if not yielded:
            yield frame(name, [], extra)

    def metadata_columns(self) -> list[str]:
        """The documents table's columns for the inputs' metadata fields (``metadata_column``)."""
        return [metadata_column(field) for field in self.metadata_fields]

    def texts(self) -> Iterator[dict]:
        """Each processed document's text as read from its source, where its offsets count."""
        rows = self.db.execute("SELECT doc_id, source, base_offset, text FROM document "
                               "WHERE status = 'ok' ORDER BY doc_id, doc_key")
        for doc_id, source, base_offset, text in rows:
            yield {"doc_id": doc_id, "source": source, "base_offset": base_offset, "text": text}

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


def _document_rows(rows: Iterable[tuple], fields: list[str]) -> Iterator[tuple]:
    """Document rows with their metadata JSON (the last column) spread over one column per
    field; a document without a field has "" there."""
    for *row, metadata in rows:
        values = json.loads(metadata)
        yield (*row, *(values.get(field, "") for field in fields))


def _alias_rows(rows: Iterable[tuple]) -> Iterator[tuple]:
    """(entity, alias, rule, count, canonical) rows, sorted -> one row per alias, with the rule
    that names it: ``canonical`` for the entity's own name, else the rule that linked it most."""
    for (eid, alias), group in groupby(rows, key=itemgetter(0, 1)):
        group = list(group)
        rules = {rule: count for _, _, rule, count, _ in group}
        rule = "canonical" if alias == group[0][4] else min(rules, key=lambda r: (-rules[r], RULE_ORDER.index(r)))
        yield eid, alias, sum(rules.values()), rule
