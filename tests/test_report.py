import re
import shutil
import subprocess

import pytest

from pipeline.report import read_tables, read_texts, render_report, spring_layout
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def report_html(seed_run):
    return render_report(read_tables(seed_run), read_texts(seed_run))


def test_report_is_one_offline_file(report_html):
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", report_html)
    assert "<script" not in report_html and "@import" not in report_html


def test_report_shows_documents_entities_and_graph(report_html, seed_tables):
    assert report_html.count('<section class="doc">') == 2
    assert '<mark class="entity" style="background:#7aecec">Hamas<span>ORG</span></mark>' in report_html
    assert '<svg id="network"' in report_html and report_html.count('<g class="node">') >= 10
    top = seed_tables.entities.iloc[0]
    assert f"<td>{top.canonical}</td>" in report_html


def test_layout_is_deterministic_and_in_the_unit_square():
    edges = [(0, 1, 1.0), (1, 2, 2.0)]
    a, b = spring_layout(4, edges), spring_layout(4, edges)
    assert (a == b).all() and a.min() >= 0 and a.max() <= 1


@pytest.mark.slow
def test_report_command_reads_the_written_tables(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["extract", str(SEEDS), "--out", str(tmp_path), "--format", "parquet"]).exit_code == 0
    result = runner.invoke(cli, ["report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Salami" in (tmp_path / "report.html").read_text(encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(cli, ["report", str(empty)])
    assert result.exit_code == 1 and "no tables" in result.output


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_report_in_a_real_headless_browser(report_html, tmp_path):
    """Chromium loads the page without console errors, shows the seed entities, and a screenshot is kept."""
    page = tmp_path / "report.html"
    page.write_text(report_html, encoding="utf-8")
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
             f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert "Hossein Salami" in dom.stdout and 'id="network"' in dom.stdout
    assert not re.search(r"Uncaught|CONSOLE\(\d+\).*error", dom.stderr, re.IGNORECASE), dom.stderr[-2000:]
    shot = tmp_path / "report.png"
    subprocess.run([*flags, "--window-size=1280,2400", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, text=True, timeout=120)
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 30_000  # a blank page is a few KB


@pytest.mark.slow
def test_highlights_follow_the_source_offsets_from_any_folder(tmp_path, monkeypatch):
    """A decomposed accent before a mention, in a text file and in JSONL and CSV records, must not
    shift its highlight; a record read in parts shows every part; and the report is drawn from
    the output folder alone, run from another folder after the inputs are gone."""
    import csv
    import json

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
    html_text = (elsewhere / "r.html").read_text(encoding="utf-8")
    tables = read_tables(out)
    assert {"c1#1", "c1#2", "r1"} <= set(tables.documents["doc_id"])
    assert html_text.count('<section class="doc">') == len(tables.documents) == 4
    marks = re.findall(r'<mark class="entity"[^>]*>([^<]*)<span>', html_text)
    assert sorted(marks) == sorted(tables.mentions["text"]) and "Jakarta" in marks
    assert html_text.count(">Jakarta<span>") == 4  # the file, the record, and the row's two parts
