import re
import shutil
import subprocess

import pytest

from pipeline.report import render_report, source_texts, spring_layout
from pipeline.tables import write_tables
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def report_html(seed_tables):
    return render_report(seed_tables, source_texts(seed_tables.documents))


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
def test_report_in_a_real_headless_browser(seed_tables, tmp_path):
    """Chromium loads the page without console errors, shows the seed entities, and a screenshot is kept."""
    write_tables(seed_tables, tmp_path)
    page = tmp_path / "report.html"
    page.write_text(render_report(seed_tables, source_texts(seed_tables.documents)), encoding="utf-8")
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


def test_highlights_follow_the_source_offsets(tmp_path):
    """A decomposed accent before a mention must not shift its highlight."""
    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.report import read_tables

    source = tmp_path / "in" / "nfd.txt"
    source.parent.mkdir()
    source.write_text("Cafe\\u0301 itu di Jakarta. Presiden Joko Widodo datang ke Bandung.", encoding="utf-8")
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["extract", str(source.parent), "--out", str(out)]).exit_code == 0
    tables = read_tables(out)
    html_text = render_report(tables, source_texts(tables.documents))
    for text in tables.mentions["text"]:
        assert f">{text}<span>" in html_text
