"""Stage 5: the entity tables as pandas DataFrames, and writing them to disk.

Columns are declared once, in ``SCHEMAS`` (name, dtype, meaning); the README's table section
is generated from the same declaration and a test keeps the two in step.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import pandas as pd

from pipeline.link import RULE_ORDER
from pipeline.types import Entity, LinkedMention, ProcessedDocument

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
        ("role", "string", "title, rank or office words inside the mention or just before it, if any"),
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


def frame(name: str, rows: Sequence[dict]) -> pd.DataFrame:
    schema = SCHEMAS[name]
    columns = [column for column, _, _ in schema]
    df = pd.DataFrame(list(rows), columns=columns)
    return df.astype({column: dtype for column, dtype, _ in schema})


def build_tables(documents: Sequence[ProcessedDocument], linked: Sequence[LinkedMention],
                 entities: Sequence[Entity]) -> Tables:
    by_doc = {d.document.doc_id: d for d in documents}
    mention_rows = []
    for lm in linked:
        m, processed = lm.mention, by_doc[lm.mention.doc_id]
        doc = processed.document
        mention_rows.append({
            "doc_id": m.doc_id, "sentence": m.sentence, "sentence_text": processed.sentence_text(m.sentence),
            "start_char": doc.to_source(m.start), "end_char": doc.to_source(m.end),
            "text": m.text, "label": m.label, "confidence": m.confidence, "entity_id": lm.entity_id, "name": lm.name,
            "role": lm.role, "rule": lm.rule, "zone": m.zone,
        })
    mentions = frame("mentions", mention_rows).sort_values(["doc_id", "start_char", "end_char"], kind="stable")

    counts = mentions.groupby("entity_id").agg(mentions=("doc_id", "size"), documents=("doc_id", "nunique"))
    entity_rows = [{
        "entity_id": e.entity_id, "canonical": e.canonical, "label": e.label,
        "aliases": " | ".join(e.aliases),
        "mentions": int(counts.at[e.entity_id, "mentions"]),
        "documents": int(counts.at[e.entity_id, "documents"]),
    } for e in entities]
    entities_df = frame("entities", entity_rows).sort_values(
        ["mentions", "canonical", "entity_id"], ascending=[False, True, True], kind="stable")

    canonical = {e.entity_id: e.canonical for e in entities}
    alias_rules: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for lm in linked:
        alias_rules[(lm.entity_id, lm.name)][lm.rule] += 1
        if lm.acronym:
            alias_rules[(lm.entity_id, lm.acronym)]["acronym"] += 1
    alias_rows = [{
        "entity_id": eid, "alias": alias, "mentions": sum(rules.values()),
        "rule": "canonical" if alias == canonical[eid] else min(rules, key=lambda r: (-rules[r], RULE_ORDER.index(r))),
    } for (eid, alias), rules in sorted(alias_rules.items())]
    aliases = frame("aliases", alias_rows)

    cooccurrence = cooccurrence_frame(documents, linked, entities_df)

    per_doc = mentions.groupby("doc_id").size()
    document_rows = [{
        "doc_id": d.document.doc_id, "source": d.document.source,
        "characters": len(d.document.text), "sentences": len(d.sentences), "tokens": d.n_tokens,
        "mentions": int(per_doc.get(d.document.doc_id, 0)),
        "status": d.document.status, "error": d.document.error,
    } for d in documents]
    documents_df = frame("documents", document_rows).sort_values("doc_id", kind="stable")
    return Tables(*(df.reset_index(drop=True)
                    for df in (mentions, entities_df, aliases, cooccurrence, documents_df)))


def cooccurrence_frame(documents: Sequence[ProcessedDocument], linked: Sequence[LinkedMention],
                       entities: pd.DataFrame) -> pd.DataFrame:
    """Entity pairs that share a sentence: the edge list for network analysis."""
    texts = {d.document.doc_id: d for d in documents}
    in_sentence: dict[tuple[str, int], set[str]] = defaultdict(set)
    for lm in linked:
        in_sentence[(lm.mention.doc_id, lm.mention.sentence)].add(lm.entity_id)
    pairs: dict[tuple[str, str], dict] = {}
    for (doc_id, sentence), ids in sorted(in_sentence.items()):
        for a, b in combinations(sorted(ids), 2):
            row = pairs.setdefault((a, b), {"sentences": 0, "docs": set(), "example": (doc_id, sentence)})
            row["sentences"] += 1
            row["docs"].add(doc_id)
    info = entities.set_index("entity_id")
    rows = []
    for (a, b), row in pairs.items():
        doc_id, index = row["example"]
        rows.append({
            "entity_a": a, "entity_b": b,
            "canonical_a": info.at[a, "canonical"], "canonical_b": info.at[b, "canonical"],
            "label_a": info.at[a, "label"], "label_b": info.at[b, "label"], "sentences": row["sentences"],
            "documents": len(row["docs"]), "example_doc_id": doc_id,
            "example_sentence": texts[doc_id].sentence_text(index),
        })
    return frame("cooccurrence", rows).sort_values(
        ["sentences", "entity_a", "entity_b"], ascending=[False, True, True], kind="stable")


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


def write_tables(tables: Tables, out_dir: Path, fmt: str = "csv") -> list[Path]:
    """Write each table, atomically: a reader never sees half a file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables.items():
        path = out_dir / f"{name}.{fmt}"
        tmp = path.with_name(f".{path.name}.tmp")
        if fmt == "csv":
            neutralise_formulas(df).to_csv(tmp, index=False, lineterminator="\n")
        elif fmt == "parquet":
            df.to_parquet(tmp, index=False)
        elif fmt == "jsonl":
            df.to_json(tmp, orient="records", lines=True, force_ascii=False)
        else:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        tmp.replace(path)
        written.append(path)
    return written


def schema_markdown() -> str:
    """The README's table reference, generated from SCHEMAS."""
    parts = []
    for name, schema in SCHEMAS.items():
        parts.append(f"#### `{name}.csv`\n\n| column | type | meaning |\n|---|---|---|")
        parts.extend(f"| `{column}` | {dtype} | {meaning} |" for column, dtype, meaning in schema)
        parts.append("")
    return "\n".join(parts)
