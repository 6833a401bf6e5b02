import json
import re

import pytest

from pipeline.browser import CHROMIUM, browse_report
from pipeline.report import document_dates, layout_network, read_tables, read_texts, render_report, report_data
from pipeline.store import TableStore
from pipeline.tables import write_tables, write_texts
from tests.conftest import SEEDS
from tests.test_store import fill


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """Three small documents through the store (no models), written as `entitas extract` writes them."""
    out = tmp_path_factory.mktemp("small-run")
    with TableStore() as store:
        fill(store)
        write_tables(store, out)
        write_texts(store.texts(), out)
    return out


def page_data(page: str) -> dict:
    return json.loads(re.search(r'<script id="report-data" type="application/json">(.*?)</script>', page, re.S)[1])


def test_report_is_one_offline_file(small_run):
    page = render_report(read_tables(small_run), read_texts(small_run))
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script src" not in page and "@import" not in page and "Chart.js v4" in page
    assert "The MIT License" in page  # Chart.js's licence travels with it


def test_report_data_links_mentions_to_their_sentences_and_entities(small_run):
    tables, texts = read_tables(small_run), read_texts(small_run)
    data = report_data(tables, texts)
    fields = data["entity_fields"]
    entities = [dict(zip(fields, row, strict=True)) for row in data["entities"]]
    m, docs = data["mentions"], data["documents"]
    assert len(m["doc"]) == len(tables.mentions) and [d["id"] for d in docs] == ["a", "b", "c"]
    for i in range(len(m["doc"])):
        text = docs[m["doc"][i]]["text"]
        mention, sentence = text[m["start"][i]:m["end"][i]], text[m["s0"][i]:m["s1"][i]]
        assert mention in sentence and sentence in set(tables.mentions["sentence_text"])
    widodo = next(e for e in entities if e["name"] == "Joko Widodo")
    assert widodo["mentions"] == 2 and widodo["documents"] == 2 and ("Presiden", 1) in widodo["roles"]
    partners = {entities[p]["name"]: (s, d) for p, s, d in widodo["partners"]}
    assert partners["Hamas"] == (1, 1)
    assert docs[2]["text"] is None and data["dated"] is False  # the empty document kept no text


def test_dates_come_from_a_date_column_when_the_documents_have_one(small_run):
    tables = read_tables(small_run)
    assert document_dates(tables.documents) is None
    dated = tables.documents.assign(date=["2024-01-17T10:15:00+07:00", "not a date", ""])
    assert document_dates(dated) == ["2024-01-17", "", ""]
    csv = small_run / "documents.csv"
    original = csv.read_text(encoding="utf-8")
    try:
        csv.write_text(tables.documents.assign(date=["2024-01-17", "2024-01-18", ""]).to_csv(index=False))
        data = report_data(read_tables(small_run), read_texts(small_run))
    finally:
        csv.write_text(original, encoding="utf-8")
    assert data["dated"] is True and [d["date"] for d in data["documents"]] == ["2024-01-17", "2024-01-18", ""]


def test_network_layout_is_deterministic_and_in_the_unit_square(small_run):
    tables = read_tables(small_run)
    a = layout_network(tables.entities, tables.cooccurrence)
    b = layout_network(tables.entities, tables.cooccurrence)
    assert a == b and len(a["nodes"]) == 3 and a["edges"]
    assert all(0 <= x <= 1 and 0 <= y <= 1 for _, x, y in a["nodes"])


@pytest.mark.slow
def test_report_command_reads_the_written_tables(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    runner = CliRunner()
    for fmt in ("parquet", "sqlite"):
        out = tmp_path / fmt
        assert runner.invoke(cli, ["extract", str(SEEDS), "--out", str(out), "--format", fmt]).exit_code == 0
        result = runner.invoke(cli, ["report", str(out)])
        assert result.exit_code == 0, result.output
        assert "Hossein Salami" in (out / "report.html").read_text(encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(cli, ["report", str(empty)])
    assert result.exit_code == 1 and "no tables" in result.output


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_report_in_a_real_browser(seed_run, tmp_path):
    """Search, an entity's page, its document with the mention highlighted, the network and its filter."""
    page = tmp_path / "report.html"
    page.write_text(render_report(read_tables(seed_run), read_texts(seed_run)), encoding="utf-8")
    seen = browse_report(page, "salami", "Hossein Salami")
    assert seen["errors"] == []
    assert seen["top_chart"] > 100 and seen["count"].startswith("1 of ")
    assert seen["entity"].startswith("Hossein Salami") and "Salami" in " ".join(seen["kwic"])
    assert seen["focus"] and all("Salami" in m for m in seen["focus"])
    assert seen["nodes"] >= 10 and seen["labels"] >= 10 and seen["overlaps"] == []
    assert 0 < seen["nodes_without_places"] < seen["nodes"]
    assert "mentions" in seen["tooltip"] and seen["clicked"].split()[0] in seen["tooltip"]


@pytest.mark.slow
def test_highlights_follow_the_source_offsets_from_any_folder(tmp_path, monkeypatch):
    """A decomposed accent before a mention, in a text file and in JSONL and CSV records, must not
    shift its highlight; a record read in parts shows every part; and the report is drawn from
    the output folder alone, run from another folder after the inputs are gone."""
    import csv

    from click.testing import CliRunner

    from pipeline.cli import cli

    text = "Cafe\u0301 itu di Jakarta. Presiden Joko Widodo datang ke Bandung.\n"
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "nfd.txt").write_text(text, encoding="utf-8")
    (inputs / "records.jsonl").write_text(json.dumps({"id": "r1", "text": text}) + "\n", encoding="utf-8")
    with (inputs / "rows.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["id", "text"], ["c1", text * 2]])
    monkeypatch.setattr("pipeline.ingest.MAX_DOCUMENT_CHARS", 80)  # the CSV row is read in two parts
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["extract", str(inputs), "--out", str(out)]).exit_code == 0
    for path in inputs.iterdir():
        path.unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = CliRunner().invoke(cli, ["report", str(out), "--out", "r.html"])
    assert result.exit_code == 0, result.output
    data = page_data((elsewhere / "r.html").read_text(encoding="utf-8"))
    tables = read_tables(out)
    assert {"c1#1", "c1#2", "r1"} <= {d["id"] for d in data["documents"]}
    assert len(data["documents"]) == len(tables.documents) == 4
    m = data["mentions"]
    marked = [data["documents"][d]["text"][s:e] for d, s, e in zip(m["doc"], m["start"], m["end"], strict=True)]
    assert sorted(marked) == sorted(tables.mentions["text"])
    assert marked.count("Jakarta") == 4  # the file, the record, and the row's two parts
