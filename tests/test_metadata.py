"""Metadata the inputs carry: record fields, dates, HTML pages' title and date, formats not read."""

import json
import logging

import pytest

from pipeline.dates import parse_date
from pipeline.ingest import RecordFields, iter_input_files, known_document_count, read_documents, read_files
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "metadata"


@pytest.mark.parametrize(("written", "iso"), [
    ("Rabu, 17 Januari 2024 10:15 WIB", "2024-01-17T10:15:00+07:00"),  # Tempo, Antara
    ("Rabu, 17 Jan 2024 10:15 WIB", "2024-01-17T10:15:00+07:00"),  # detik
    ("Rabu, 17/01/2024 10:15 WIB", "2024-01-17T10:15:00+07:00"),  # CNN Indonesia
    ("Kompas.com - 17/01/2024, 10:15 WIB", "2024-01-17T10:15:00+07:00"),
    ("17 Jan 2024, 10.15 WIB", "2024-01-17T10:15:00+07:00"),
    ("Diperbarui 17 Agustus 2023 08:00 WITA", "2023-08-17T08:00:00+08:00"),
    ("Sabtu, 3 Agustus 2023 | 08:00 WIT", "2023-08-03T08:00:00+09:00"),
    ("Selasa 05 Desember 2023, 21:01 WIB", "2023-12-05T21:01:00+07:00"),
    ("17 Januari 2024", "2024-01-17"),
    ("01/02/2024", "2024-02-01"),  # day first, as Indonesia writes it
    ("2024-01-17", "2024-01-17"),
    ("2024-01-17T03:15:00Z", "2024-01-17T03:15:00+00:00"),
    ("2024-01-17 10:15", "2024-01-17T10:15:00"),
])
def test_dates_as_indonesian_outlets_and_feeds_write_them(written, iso):
    assert parse_date(written) == iso


@pytest.mark.parametrize("written", ["", "kemarin sore", "2 jam lalu", "Januari 2024", "nanti"])
def test_no_date_is_made_up(written):
    """Relative or partial dates would change with the day the tool runs: none is read."""
    assert parse_date(written) is None


def test_every_other_field_of_a_jsonl_record_is_kept_as_text(caplog):
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        docs = {d.doc_id: d for d in read_documents([DATA / "berita.jsonl"])}
    assert docs["a1"].date == "2024-01-17T10:15:00+07:00" and docs["a2"].date == "2024-01-20"
    assert dict(docs["a1"].metadata) == {"title": "Jokowi di Bandung", "url": "https://warta.example/a1",
                                         "section": "politik"}
    assert dict(docs["a3"].metadata)["tags"] == json.dumps(["beras", "pangan"])  # a list, as JSON text
    assert docs["a3"].date == ""
    assert "1 dates not understood" in caplog.text and "kemarin sore" in caplog.text


def test_csv_columns_named_by_the_user(tmp_path):
    fields = RecordFields(text="isi", id="tautan", date="terbit")
    [doc] = read_documents([DATA / "berita-isi.csv"], fields)
    assert (doc.doc_id, doc.date, doc.metadata) == ("https://warta.example/c1", "2024-01-17T10:15:00+07:00",
                                                    (("rubrik", "daerah"),))
    assert doc.text.startswith("Gubernur Jawa Barat")
    [failed] = read_documents([DATA / "berita-isi.csv"])  # without --text-field
    assert failed.status == "error" and "--text-field" in failed.error and "'isi'" in failed.error


def test_an_html_page_is_read_through_the_extractor_not_tags_and_all():
    [doc] = read_documents([DATA / "berita.html"])
    assert doc.status == "ok" and doc.date == "2024-01-17"
    metadata = dict(doc.metadata)
    assert metadata["title"] == "Menteri Keuangan Sri Mulyani Bertemu Gubernur Bank Indonesia di Jakarta"
    assert metadata["url"] == "https://warta.example/ekonomi/2024/01/17/sri-mulyani-bank-indonesia"
    assert "Perry Warjiyo menambahkan" in doc.text
    for furniture in ("<p", "Beranda", "Promo Tiket", "Berita Terpopuler", "Hak cipta", "Pedoman Media Siber"):
        assert furniture not in doc.text, furniture


def test_a_folder_names_the_files_it_does_not_read_in_one_warning(tmp_path, caplog):
    (tmp_path / "a.txt").write_text("Presiden Joko Widodo tiba.", encoding="utf-8")
    (tmp_path / "b.html").write_text((DATA / "berita.html").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "laporan.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "siaran.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / ".DS_Store").write_bytes(b"\x00")
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        files = iter_input_files([tmp_path])
    assert [(f.stem, f.status) for f in files] == [(".DS_Store", "skipped"), ("a", ""), ("b", ""),
                                                   ("laporan.docx", "skipped"), ("sub/siaran.pdf", "skipped")]
    [warning] = [r.getMessage() for r in caplog.records]  # one, naming the documents (not .DS_Store)
    assert "2 files" in warning and ".docx, .pdf" in warning and "laporan.docx" in warning and "siaran.pdf" in warning
    assert known_document_count(files) == 5  # each skipped file has its row too
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        caplog.clear()
        rows = list(read_files(files))
    assert [d.status for d in rows] == ["skipped", "ok", "ok", "skipped", "skipped"]
    assert not caplog.records  # not named a second time


def test_a_docx_named_on_the_command_line_is_a_row_that_says_why(tmp_path):
    (tmp_path / "laporan.docx").write_bytes(b"PK\x03\x04")
    [doc] = read_documents([tmp_path / "laporan.docx"])
    assert doc.status == "skipped" and ".docx files are not read" in doc.error


def test_the_document_count_is_known_only_for_one_document_files():
    assert known_document_count(iter_input_files([DATA / "berita.html"])) == 1
    assert known_document_count(iter_input_files([DATA / "berita.jsonl", DATA / "berita.html"])) is None
