"""A single static HTML report of the tables: documents with their entities highlighted, the
top entities, counts by label and the co-occurrence network. It is drawn from what the run
stored in its output folder (the tables and ``texts.jsonl``), never from the inputs again. No script, style or font is
fetched from the network: the page is one file, and its charts are SVG drawn here.
"""

from __future__ import annotations

import html
import json
import logging
import math
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest import find_boilerplate
from pipeline.tables import FORMATS, SCHEMAS, TEXTS_FILE, Tables, frame

logger = logging.getLogger(__name__)

# displaCy's entity colours
COLOURS = {"PER": "#aa9cfc", "ORG": "#7aecec", "LOC": "#feca74"}

STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 70em; color: #222; line-height: 1.5; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { text-align: left; padding: 0.3em 0.6em; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f6f6f6; }
.doc { border: 1px solid #e3e3e3; border-radius: 4px; padding: 0.8em 1.2em; margin: 1em 0; }
.doc h3 { margin: 0 0 0.5em 0; font-size: 1em; color: #555; }
.doc p { margin: 0.3em 0; }
.boilerplate { color: #999; }
mark.entity { padding: 0.1em 0.35em; margin: 0 0.1em; border-radius: 0.35em; line-height: 1; }
mark.entity span { font-size: 0.65em; font-weight: bold; margin-left: 0.4em; vertical-align: middle; }
.label { display: inline-block; padding: 0 0.4em; border-radius: 0.3em; font-size: 0.8em; }
svg text { font-size: 11px; font-family: inherit; }
"""


def label_badge(label: str) -> str:
    return f'<span class="label" style="background:{COLOURS.get(label, "#ddd")}">{html.escape(label)}</span>'


def highlight(text: str, mentions: pd.DataFrame) -> str:
    """The document as paragraphs, each mention marked as displaCy marks entities."""
    spans = sorted(zip(mentions["start_char"], mentions["end_char"], mentions["label"], strict=True))
    boilerplate = [(z.start, z.end) for z in find_boilerplate(text)]
    paragraphs = []
    for line in re.finditer(r"[^\n]*\S[^\n]*", text):
        start, end = line.span()
        pieces, position = [], start
        for s, e, label in spans:
            if s < position or not start <= s < end:
                continue
            pieces.append(html.escape(text[position:s]))
            pieces.append(f'<mark class="entity" style="background:{COLOURS.get(label, "#ddd")}">'
                          f"{html.escape(text[s:e])}<span>{html.escape(label)}</span></mark>")
            position = e
        pieces.append(html.escape(text[position:end]))
        css = ' class="boilerplate"' if any(zs <= start < ze for zs, ze in boilerplate) else ""
        paragraphs.append(f"<p{css}>{''.join(pieces)}</p>")
    return "\n".join(paragraphs)


def bar_chart(counts: Mapping[str, int]) -> str:
    width, bar_height, gap = 420, 26, 8
    top = max(counts.values(), default=1) or 1
    rows = []
    for i, (label, count) in enumerate(counts.items()):
        y = i * (bar_height + gap)
        length = int((width - 120) * count / top)
        rows.append(f'<text x="0" y="{y + 17}">{html.escape(label)}</text>'
                    f'<rect x="40" y="{y}" width="{length}" height="{bar_height}" fill="{COLOURS.get(label, "#ccc")}"/>'
                    f'<text x="{46 + length}" y="{y + 17}">{count}</text>')
    height = len(counts) * (bar_height + gap)
    return (f'<svg role="img" aria-label="entities by label" width="{width}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>')


def spring_layout(n: int, edges: list[tuple[int, int, float]], iterations: int = 200, seed: int = 7) -> np.ndarray:
    """Fruchterman-Reingold positions in [0, 1]^2, deterministic for a given graph."""
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    if n < 2:
        return pos * 0 + 0.5
    k = 1.6 * math.sqrt(1.0 / n)
    gravity = 1.5 * k
    temperature = 0.1
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.maximum(np.linalg.norm(delta, axis=-1), 1e-3)
        force = (k * k / distance**2)[:, :, None] * delta
        displacement = force.sum(axis=1)
        for a, b, weight in edges:
            d = pos[a] - pos[b]
            dist = max(np.linalg.norm(d), 1e-3)
            pull = d * dist / k * (1.0 + math.log(weight)) * 0.5
            displacement[a] -= pull
            displacement[b] += pull
        displacement -= (pos - 0.5) * gravity  # keeps loose nodes from drifting to the edges
        length = np.maximum(np.linalg.norm(displacement, axis=1), 1e-3)
        pos += displacement / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature *= 0.98
    pos -= pos.min(axis=0)
    return pos / np.maximum(pos.max(axis=0), 1e-9)


def network(entities: pd.DataFrame, cooccurrence: pd.DataFrame, max_nodes: int = 40) -> str:
    """The co-occurrence graph of the most mentioned entities, as SVG."""
    top = entities.head(max_nodes)
    index = {eid: i for i, eid in enumerate(top["entity_id"])}
    edges = [(index[a], index[b], float(n)) for a, b, n in
             zip(cooccurrence["entity_a"], cooccurrence["entity_b"], cooccurrence["sentences"], strict=True)
             if a in index and b in index]
    pos = spring_layout(len(index), edges)
    width, height, margin, label_room = 960, 640, 40, 170
    xy = [(margin + x * (width - 2 * margin - label_room), margin + y * (height - 2 * margin)) for x, y in pos]
    lines = [f'<line x1="{xy[a][0]:.1f}" y1="{xy[a][1]:.1f}" x2="{xy[b][0]:.1f}" y2="{xy[b][1]:.1f}" '
             f'stroke="#999" stroke-opacity="0.5" stroke-width="{min(1 + w, 6):.1f}"/>' for a, b, w in edges]
    nodes = []
    for (x, y), row in zip(xy, top.itertuples(), strict=True):
        radius = 5 + 2.5 * math.sqrt(row.mentions)
        nodes.append(f'<g class="node"><circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" '
                     f'fill="{COLOURS.get(row.label, "#ccc")}" stroke="#555"/>'
                     f'<text x="{x + radius + 2:.1f}" y="{y + 4:.1f}">{html.escape(row.canonical)}</text></g>')
    return (f'<svg id="network" role="img" aria-label="co-occurrence network" width="{width}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(lines)}{"".join(nodes)}</svg>')


def render_report(tables: Tables, texts: Mapping[str, tuple[int, str]], max_entities: int = 30) -> str:
    """The whole report page for the tables; ``texts`` maps each document id to its text as read
    and the offset in its source where that text starts (``read_texts``)."""
    entities, mentions = tables.entities, tables.mentions
    counts = {label: int((entities["label"] == label).sum()) for label in COLOURS}
    rows = "".join(
        f"<tr><td>{html.escape(e.canonical)}</td><td>{label_badge(e.label)}</td>"
        f"<td>{html.escape(e.aliases)}</td><td>{e.mentions}</td><td>{e.documents}</td></tr>"
        for e in entities.head(max_entities).itertuples())
    docs = []
    by_document = dict(tuple(mentions.groupby("doc_id", sort=False)))
    for doc_id in tables.documents["doc_id"]:
        if doc_id not in texts:
            continue
        base_offset, text = texts[doc_id]
        doc_mentions = by_document.get(doc_id, mentions.iloc[:0])
        spans = doc_mentions.assign(start_char=doc_mentions["start_char"] - base_offset,
                                    end_char=doc_mentions["end_char"] - base_offset)
        docs.append(f'<section class="doc"><h3>{html.escape(doc_id)} — {len(doc_mentions)} mentions</h3>'
                    f"{highlight(text, spans)}</section>")
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>entitas report</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>
<body>
<h1>entitas report</h1>
<p>{len(tables.documents)} documents, {len(mentions)} mentions, {len(entities)} entities
({", ".join(f"{label_badge(k)} {v}" for k, v in counts.items())}).</p>
<h2>Entities by label</h2>
{bar_chart(counts)}
<h2>Top entities</h2>
<table><thead><tr><th>entity</th><th>label</th><th>aliases</th><th>mentions</th><th>documents</th></tr></thead>
<tbody>{rows}</tbody></table>
<h2>Co-occurrence network</h2>
<p>Entities that share a sentence; the most mentioned {min(len(entities), 40)} are drawn.</p>
{network(entities, tables.cooccurrence)}
<h2>Documents</h2>
{"".join(docs)}
</body></html>
"""


def read_tables(out_dir: Path) -> Tables:
    """Tables written by ``entitas extract`` (any format) back into DataFrames."""
    for fmt in FORMATS:
        if (out_dir / f"mentions.{fmt}").exists():
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
        else:
            df = pd.read_json(path, lines=True, dtype=False)
        frames[name] = frame(name, df.to_dict("records"))
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
