"""A single offline HTML report of a run, drawn from what the run stored in its output folder
(the tables, in any format, and ``texts.jsonl``), never from the inputs again.

The page is one file: the data as JSON, the page's own script and style, and Chart.js (MIT,
inlined with its licence) for the charts; nothing is fetched from the network. Python prepares
the data and the network's layout (networkx); the browser draws the views from the data on
demand, so that a thousand documents do not make a thousand open sections. Views: an overview
with charts, a searchable, filterable, sortable entity index, one page per entity (aliases,
roles, documents, sentences in context, co-occurring entities, mentions over time when the
documents have a ``date`` column), the documents (paged; each shown with its entities
highlighted in displaCy's colours) and the co-occurrence network.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import jinja2
import networkx as nx
import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest import find_boilerplate
from pipeline.tables import FORMATS, SCHEMAS, SQLITE_FILE, TEXTS_FILE, Tables, read_sqlite_table

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"

# displaCy's entity colours
COLOURS = {"PER": "#aa9cfc", "ORG": "#7aecec", "LOC": "#feca74"}

NETWORK_NODES = 150  # the most mentioned entities that share a sentence with another: readable, and a fast layout
PARTNERS = 12  # strongest co-occurring entities listed on an entity's page
ROLES = 10  # most frequent role words listed on an entity's page
ENTITY_FIELDS = ["id", "name", "label", "mentions", "documents", "aliases", "roles", "partners"]


def document_dates(documents: pd.DataFrame) -> list[str] | None:
    """Each document's day (``YYYY-MM-DD``) from the ``date`` column, where any document has a
    date; a value that is no date is an empty string. None when no document is dated."""
    if "date" not in documents.columns or not documents["date"].fillna("").astype(str).str.strip().any():
        return None
    days = pd.to_datetime(documents["date"].astype("string").str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    return [day.strftime("%Y-%m-%d") if not pd.isna(day) else "" for day in days]


def sentence_bounds(text: str, sentence: str, start: int, end: int) -> tuple[int, int]:
    """Where the sentence around a mention at ``start:end`` lies in the document text; the
    mention's own line, when the sentence is not found as written (a normalised character)."""
    at = text.find(sentence, max(0, end - len(sentence)), start + len(sentence)) if sentence else -1
    if 0 <= at <= start and end <= at + len(sentence):
        return at, at + len(sentence)
    return text.rfind("\n", 0, start) + 1, (text.find("\n", end) + 1 or len(text) + 1) - 1


def layout_network(entities: pd.DataFrame, cooccurrence: pd.DataFrame, max_nodes: int = NETWORK_NODES) -> dict:
    """The most mentioned entities that share a sentence with another, placed by networkx's
    spring layout (weights damped by a logarithm, so that one strong pair does not fold the
    graph), in the unit square: ``{"nodes": [[entity row, x, y], ...], "edges": [[i, j, sentences], ...]}``."""
    linked = set(cooccurrence["entity_a"]) | set(cooccurrence["entity_b"])
    top = entities[entities["entity_id"].isin(linked)].head(max_nodes)
    index = {eid: i for i, eid in enumerate(top["entity_id"])}
    pairs = cooccurrence[cooccurrence["entity_a"].isin(index) & cooccurrence["entity_b"].isin(index)]
    graph = nx.Graph()
    graph.add_nodes_from(range(len(index)))
    edges = [(index[a], index[b], int(n)) for a, b, n in
             zip(pairs["entity_a"], pairs["entity_b"], pairs["sentences"], strict=True)]
    graph.add_weighted_edges_from((a, b, 1 + math.log(n)) for a, b, n in edges)
    if not index:
        return {"nodes": [], "edges": []}
    positions = nx.spring_layout(graph, k=2.2 / max(len(index), 1) ** 0.5, iterations=300, seed=7,
                                 method="force", gravity=0.6)
    xy = pd.DataFrame([positions[i] for i in range(len(index))], columns=["x", "y"])
    xy = (xy - xy.min()) / (xy.max() - xy.min()).replace(0, 1)
    rows = {eid: row for row, eid in enumerate(entities["entity_id"])}
    nodes = [[rows[eid], round(float(xy.x[i]), 4), round(float(xy.y[i]), 4)] for eid, i in index.items()]
    return {"nodes": nodes, "edges": [list(e) for e in edges]}


def strongest_partners(cooccurrence: pd.DataFrame, rows: Mapping[str, int], n: int = PARTNERS) -> dict[int, list]:
    """Each entity's ``n`` strongest co-occurring entities: ``{row: [[partner row, sentences, documents], ...]}``."""
    both = pd.concat([
        cooccurrence[["entity_a", "entity_b", "sentences", "documents"]].set_axis(["e", "other", "s", "d"], axis=1),
        cooccurrence[["entity_b", "entity_a", "sentences", "documents"]].set_axis(["e", "other", "s", "d"], axis=1)])
    both = both.sort_values(["e", "s", "d", "other"], ascending=[True, False, False, True]).groupby("e").head(n)
    partners: dict[int, list] = {}
    for e, other, s, d in both.itertuples(index=False):
        partners.setdefault(rows[e], []).append([rows[other], int(s), int(d)])
    return partners


def report_data(tables: Tables, texts: Mapping[str, tuple[int, str]]) -> dict:
    """What the page draws, as JSON-ready lists indexed by row (documents and entities in the
    tables' order; mentions as columns, their offsets into the document text as read)."""
    entities, mentions, documents = tables.entities, tables.mentions, tables.documents
    entity_rows = {eid: i for i, eid in enumerate(entities["entity_id"])}
    doc_rows = {did: i for i, did in enumerate(documents["doc_id"])}
    dates = document_dates(documents)
    docs = []
    for i, doc in enumerate(documents.itertuples(index=False)):
        base, text = texts.get(doc.doc_id, (0, None))
        docs.append({"id": doc.doc_id, "source": doc.source, "status": doc.status, "error": doc.error,
                     "mentions": int(doc.mentions), "date": dates[i] if dates else "",
                     "text": text, "boilerplate": [[z.start, z.end] for z in find_boilerplate(text)] if text else []})
    columns: dict[str, list] = {"doc": [], "start": [], "end": [], "entity": [], "s0": [], "s1": []}
    roles: dict[int, Counter] = {}
    for m in mentions.itertuples(index=False):
        if m.doc_id not in texts or m.entity_id not in entity_rows:  # furniture alone makes no entity
            continue
        base, text = texts[m.doc_id]
        start, end = int(m.start_char) - base, int(m.end_char) - base
        s0, s1 = sentence_bounds(text, m.sentence_text, start, end)
        row = entity_rows[m.entity_id]
        for key, value in zip(columns, (doc_rows[m.doc_id], start, end, row, s0, s1), strict=True):
            columns[key].append(value)
        if m.role:
            roles.setdefault(row, Counter())[m.role] += 1
    aliases: dict[int, list] = {}
    for a in tables.aliases.sort_values(["mentions", "alias"], ascending=[False, True]).itertuples(index=False):
        aliases.setdefault(entity_rows[a.entity_id], []).append([a.alias, int(a.mentions), a.rule])
    partners = strongest_partners(tables.cooccurrence, entity_rows)
    # one list per entity, not an object, in the order of ENTITY_FIELDS: 8,000 entities repeat no key
    ents = [[e.entity_id, e.canonical, e.label, int(e.mentions), int(e.documents), aliases.get(i, []),
             roles.get(i, Counter()).most_common(ROLES), partners.get(i, [])]
            for i, e in enumerate(entities.itertuples(index=False))]
    return {"colours": COLOURS, "entity_fields": ENTITY_FIELDS, "dated": bool(dates and any(dates)),
            "documents": docs, "entities": ents,
            "mentions": columns, "network": layout_network(entities, tables.cooccurrence)}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "separators": (",", ":")}
    return env


def render_report(tables: Tables, texts: Mapping[str, tuple[int, str]]) -> str:
    """The whole report page for the tables; ``texts`` maps each document id to the offset in its
    source where its text starts and the text as read (``read_texts``)."""
    def asset(name: str) -> str:
        return (TEMPLATES / name).read_text(encoding="utf-8")

    return _environment().get_template("report.html.j2").render(
        data=report_data(tables, texts), counts=tables.entities["label"].value_counts().to_dict(),
        n_documents=len(tables.documents), n_mentions=len(tables.mentions), n_entities=len(tables.entities),
        colours=COLOURS, style=asset("report.css"), script=asset("report.js"),
        chart_js=asset("vendor/chart.umd.min.js"), chart_js_licence=asset("vendor/chart.js-LICENSE.md"))


def _typed(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """A table read back with the schema's dtypes; columns the schema does not know (a
    document's metadata) are kept as text."""
    known = {column: dtype for column, dtype, _ in SCHEMAS[name]}
    missing = [c for c in known if c not in df.columns]
    if missing:
        raise InputError(f"{name} table lacks the columns {', '.join(missing)}: written by another version?")
    df = df.astype({c: "string" for c in df.columns if c not in known})
    return df.astype({c: dtype for c, dtype in known.items()})


def read_tables(out_dir: Path) -> Tables:
    """Tables written by ``entitas extract`` (any format) back into DataFrames."""
    for fmt in FORMATS:
        if (out_dir / (SQLITE_FILE if fmt == "sqlite" else f"mentions.{fmt}")).exists():
            break
    else:
        raise InputError(f"no tables in {out_dir}; run `entitas extract ... --out {out_dir}` first")
    frames = {}
    for name in SCHEMAS:
        path = out_dir / f"{name}.{fmt}"
        if fmt == "csv":
            df = pd.read_csv(path, keep_default_na=False, dtype=str)
        elif fmt == "parquet":
            df = pd.read_parquet(path)
        elif fmt == "sqlite":
            df = read_sqlite_table(out_dir / SQLITE_FILE, name)
        else:
            df = pd.read_json(path, lines=True, dtype=False)
        frames[name] = _typed(name, df)
    return Tables(**frames)


def read_texts(out_dir: Path) -> dict[str, tuple[int, str]]:
    """Each document's (offset in its source, text as read), as ``entitas extract`` stored them
    beside the tables; empty, with a warning, for tables written without them."""
    path = out_dir / TEXTS_FILE
    if not path.is_file():
        logger.warning("%s is missing: the report shows no documents (run `entitas extract` again to keep them)", path)
        return {}
    texts = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            texts[record["doc_id"]] = (record["base_offset"], record["text"])
    return texts
