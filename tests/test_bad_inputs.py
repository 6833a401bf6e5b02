"""One bad document never stops a run: tests/data/bad-inputs holds one of each kind."""

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # every test here runs the shipped models

BAD = ROOT / "tests" / "data" / "bad-inputs"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bad-out")
    result = CliRunner().invoke(cli, ["extract", str(BAD), "--out", str(out)])
    return result, out


def test_the_run_finishes_and_lists_every_document(run):
    result, out = run
    assert result.exit_code == 0, result.output
    docs = pd.read_csv(out / "documents.csv", keep_default_na=False).set_index("doc_id")
    status = docs["status"].to_dict()
    assert status["empty"] == status["whitespace"] == "empty"
    assert status["binary"] == "error" and "binary" in docs.at["binary", "error"]
    assert status["records:2"] == "error" and "invalid JSON" in docs.at["records:2", "error"]
    assert status["records:3"] == "error" and "no string field" in docs.at["records:3", "error"]
    assert status["no-text-column"] == "error" and "text" in docs.at["no-text-column", "error"]
    for good in ("windows-1252", "berita (1) — salinan ü", "english", "page-html", "r1", "long-line"):
        assert status[good] == "ok", good
    assert docs.at["long-line", "tokens"] > 20_000


def test_good_documents_are_read_in_full(run):
    _, out = run
    mentions = pd.read_csv(out / "mentions.csv", keep_default_na=False)
    by_doc = mentions.groupby("doc_id")["text"].apply(set).to_dict()
    assert "Ridwan Kamil" in by_doc["berita (1) — salinan ü"]
    assert "Joko Widodo" in by_doc["r1"]
    assert any("Braga" in t or "Bandung" in t for t in by_doc["windows-1252"])
    source = (BAD / "windows-1252.txt").read_bytes().decode("cp1252")
    for row in mentions[mentions["doc_id"] == "windows-1252"].itertuples():
        assert source[row.start_char:row.end_char] == row.text


def test_a_corrupt_model_is_one_clear_line(tmp_path):
    import shutil

    models = tmp_path / "models"
    shutil.copytree(ROOT / "models", models)
    (models / "ner" / "spacy" / "ner" / "model").write_bytes(b"not a model")
    result = CliRunner().invoke(cli, ["extract", str(BAD / "english.txt"), "--out", str(tmp_path / "o"),
                                      "--models", str(models)])
    assert result.exit_code == 1
    line = result.output.strip()
    assert len(line.splitlines()) == 1 and "make train-ner" in line and "ner" in line


def test_a_50_mb_document_is_read_whole_and_its_parts_point_into_the_file(extractor, tmp_path):
    """Nothing is lost: the parts of a 50 MB text are the whole file, and the mentions of its
    last part (processed here; the whole file is `make bench` territory) point into the file."""
    from pipeline.ingest import read_documents

    seed = sorted((ROOT / "seeds").glob("*.txt"))[0].read_text(encoding="utf-8")
    text = seed * (50_000_000 // len(seed.encode()) + 1)
    (tmp_path / "besar.txt").write_text(text, encoding="utf-8")
    parts = list(read_documents([tmp_path]))
    assert len(parts) >= 50 and {p.status for p in parts} == {"ok"}
    assert [p.doc_id for p in parts[:2]] == ["besar#1", "besar#2"]
    assert "".join(p.text for p in parts) == text
    last = extractor.compute([parts[-1]])[0]
    assert len(last.mentions) > 10
    for mention in last.mentions:
        start, end = last.document.to_source(mention.start), last.document.to_source(mention.end)
        assert start >= len(text) - len(parts[-1].text) and text[start:end] == mention.text
