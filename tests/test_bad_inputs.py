"""One bad document never stops a run: tests/data/bad-inputs holds one of each kind."""

import csv
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.ingest import INVISIBLE
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # every test here runs the shipped models

BAD = ROOT / "tests" / "data" / "bad-inputs"
DEPTH = 1_000


def hostile_folder(folder: Path) -> Path:
    """The committed bad inputs, with what cannot be committed made here: a FIFO, a file name
    that is not UTF-8, a tree 1,000 folders deep, 100,000 nested brackets, a broken link, a
    link loop, a link out of the folder and an unreadable folder."""
    shutil.copytree(BAD, folder)
    os.mkfifo(folder / "pipe.txt")
    (Path(os.fsdecode(os.fsencode(folder) + b"/zip-name-\xe9.txt"))).write_text("Kota Medan.", encoding="utf-8")
    (folder / "nested.jsonl").write_text("[" * 100_000 + "\n" + json.dumps({"id": "after-nested", "text": "Kota Solo."})
                                         + "\n", encoding="utf-8")
    deep = folder / "deep"
    deep.mkdir()
    for _ in range(DEPTH):  # one folder at a time: pathlib's mkdir(parents=True) recurses
        deep = deep / "d"
        os.mkdir(deep)
    (deep / "bottom.txt").write_text("Wali Kota Bobby Nasution di Medan.", encoding="utf-8")
    outside = folder.parent / "outside.txt"
    outside.write_text("Rahasia di luar folder.", encoding="utf-8")
    os.symlink(outside, folder / "link-out.txt")
    os.symlink(folder / "missing.txt", folder / "broken-link.txt")
    (folder / "sub").mkdir()
    os.symlink(folder, folder / "sub" / "loop")
    (folder / "locked").mkdir()
    (folder / "locked" / "hidden.txt").write_text("Tidak terbaca.", encoding="utf-8")
    (folder / "locked").chmod(0)
    return folder


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """`entitas extract` over the hostile folder (and its FIFO given by name), writing into a
    folder inside the input, twice: the second run must not read the first one's tables."""
    folder = hostile_folder(tmp_path_factory.mktemp("bad") / "input")
    out = folder / "outputs"
    locked = folder / "locked"
    scandir = os.scandir

    def scandir_as_user(path="."):  # root reads a chmod-0 folder: refuse it as the kernel would a user
        if isinstance(path, str | os.PathLike) and Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    try:
        with pytest.MonkeyPatch.context() as patch:
            if os.geteuid() == 0:
                patch.setattr(os, "scandir", scandir_as_user)
            args = ["extract", str(folder), str(folder / "pipe.txt"), "--out", str(out)]
            first = CliRunner().invoke(cli, args)
            assert first.exit_code == 0, (first.output, first.exception)
            first_documents = (out / "documents.csv").read_bytes()
            result = CliRunner().invoke(cli, args)
        assert first_documents == (out / "documents.csv").read_bytes()
        yield result, out
    finally:
        remove_deep_tree(folder / "deep")  # before pytest's clean-up, which recurses


def remove_deep_tree(top: Path) -> None:
    deep = top
    while (deep / "d").is_dir():
        deep = deep / "d"
    shutil.rmtree(deep)
    while deep != top:
        deep = deep.parent
        os.rmdir(deep)


def documents(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "documents.csv", keep_default_na=False).set_index("doc_id")


def test_the_run_finishes_and_lists_every_document(run):
    result, out = run
    assert result.exit_code == 0, result.output
    docs = documents(out)
    status = docs["status"].to_dict()
    assert status["empty"] == status["whitespace"] == "empty"
    assert status["binary"] == "error" and "binary" in docs.at["binary", "error"]
    assert status["records:2"] == "error" and "invalid JSON" in docs.at["records:2", "error"]
    assert status["records:3"] == "error" and "no string field" in docs.at["records:3", "error"]
    assert status["no-text-column"] == "error" and "text" in docs.at["no-text-column", "error"]
    for good in ("windows-1252", "berita (1) — salinan ü", "english", "page-html", "r1", "long-line"):
        assert status[good] == "ok", good
    assert docs.at["long-line", "tokens"] > 20_000


def test_one_hostile_document_never_stops_the_others(run):
    """Each gets its row, with a status and the reason; the documents around it are read."""
    _, out = run
    docs = documents(out)
    assert docs.at["zip-name-\\xe9", "status"] == "ok"  # the name's byte, written as \xe9
    assert docs.at["lone", "status"] == "ok" and "surrogate" in docs.at["lone", "error"]
    assert docs.at["hostile-records:2", "status"] == "error" and "digits" in docs.at["hostile-records:2", "error"]
    assert docs.at["hostile-records:3", "status"] == "error"
    assert "no string field" in docs.at["hostile-records:3", "error"]
    assert docs.at["nested:1", "status"] == "error" and "recursion" in docs.at["nested:1", "error"]
    assert docs.at["after-nested", "status"] == "ok"
    assert docs.at["/".join(["deep", *["d"] * DEPTH, "bottom"]), "mentions"] >= 1
    assert docs.at["pipe.txt", "status"] == "skipped" and "FIFO" in docs.at["pipe.txt", "error"]
    assert docs.at["pipe", "status"] == "error" and "FIFO" in docs.at["pipe", "error"]  # given by name
    assert {"x", "x~2", "x~3"} <= set(docs.index)
    assert docs.index.is_unique


def test_nothing_in_the_folder_vanishes_without_a_row(run):
    _, out = run
    docs = documents(out)
    expect = {"broken-link.txt": ("error", "broken link"), "link-out.txt": ("skipped", "outside the input"),
              "sub/loop/": ("skipped", "loop"), "locked/": ("error", "Permission denied"),
              "scan.pdf": ("skipped", "not a format read")}
    for doc_id, (status, reason) in expect.items():
        assert docs.at[doc_id, "status"] == status and reason in docs.at[doc_id, "error"], doc_id
    assert not any(i.startswith("outputs") for i in docs.index)  # the output folder is not input
    texts = (out / "texts.jsonl").read_text(encoding="utf-8")
    assert "Rahasia" not in texts and "Tidak terbaca" not in texts


def test_every_csv_cell_reads_back_whole_and_no_formula_gets_through(run):
    """A bare CR in an id or a text is quoted: csv and pandas read one cell, never a formula."""
    _, out = run
    for path in out.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        width = len(rows[0])
        for row in rows:
            assert len(row) == width, (path.name, row)
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), (path.name, row)
        frame = pd.read_csv(path, keep_default_na=False, dtype=str)
        assert len(frame) == len(rows) - 1, path.name
    docs = documents(out)
    assert "cr\r=cmd|' /C calc'!A0" in docs.index
    mentions = pd.read_csv(out / "mentions.csv", keep_default_na=False)
    assert "Joko Widodo" in set(mentions.loc[mentions["doc_id"] == "cr\r=cmd|' /C calc'!A0", "text"])
    texts = [json.loads(line) for line in (out / "texts.jsonl").open(encoding="utf-8")]
    assert any("\r=HYPERLINK" in record["text"] for record in texts)
    report = CliRunner().invoke(cli, ["report", str(out)])
    assert report.exit_code == 0, report.output
    assert "Joko Widodo" in (out / "report.html").read_text(encoding="utf-8")


def test_an_unclosed_csv_quote_is_reported_not_read_as_one_record(run):
    _, out = run
    docs = documents(out)
    assert docs.at["q1", "status"] == "ok"
    assert docs.at["unclosed-quote:2", "status"] == "error"  # q2 opens a quote that q3's line closes
    assert "never closed" in docs.at["unclosed-quote:2", "error"]
    assert "q3" not in docs.index and docs.at["q4", "status"] == "ok"


def test_encodings_a_stray_byte_is_repaired_and_boms_are_read(run):
    _, out = run
    docs = documents(out)
    assert docs.at["stray-cp1252", "status"] == "ok" and "Windows-1252" in docs.at["stray-cp1252", "error"]
    texts = {r["doc_id"]: r["text"] for r in map(json.loads, (out / "texts.jsonl").open(encoding="utf-8"))}
    assert "Kafé" in texts["stray-cp1252"] and "\u201ccukup\u201d" in texts["stray-cp1252"]
    assert texts["utf16-bom"].startswith("Presiden Joko Widodo") and texts["utf32-bom"].startswith("Gubernur")
    mentions = pd.read_csv(out / "mentions.csv", keep_default_na=False)
    names = mentions.groupby("doc_id")["text"].apply(set).to_dict()
    assert "Joko Widodo" in names["utf16-bom"] and "Joko Widodo" in names["stray-cp1252"]


def test_invisible_characters_split_no_name_and_offsets_stay_true(run):
    _, out = run
    mentions = pd.read_csv(out / "mentions.csv", keep_default_na=False)
    found = mentions[mentions["doc_id"] == "invisible"]
    assert {"Joko Widodo", "Ridwan Kamil"} <= set(found["name"])
    source = (BAD / "invisible.txt").read_text(encoding="utf-8")
    for row in found.itertuples():
        assert INVISIBLE.sub("", source[row.start_char:row.end_char]) == row.text


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
    models = tmp_path / "models"
    shutil.copytree(ROOT / "models", models)
    (models / "ner" / "spacy" / "ner" / "model").write_bytes(b"not a model")
    result = CliRunner().invoke(cli, ["extract", str(BAD / "english.txt"), "--out", str(tmp_path / "o"),
                                      "--models", str(models)])
    assert result.exit_code == 1
    progress, line = result.output.strip().splitlines()  # what it was doing, then what went wrong
    assert progress == "loading models..."
    assert line.startswith("Error: cannot load NER model") and "make train-ner" in line and "pip" in line


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
