import json
import unicodedata

from pipeline.ingest import find_boilerplate, make_document, normalise, read_documents

ARTICLE = (
    "Tehran, Purna Warta – Salami berbicara.\n"
    "Baca Juga : Mantan Menhan Israel Akui Kekalahan\n"
    "IKLAN\n"
    "GULIR UNTUK MELANJUTKAN KONTEN\n"
    "Hamas menyerang.\n"
    "(khr/bac)\n"
    "[Gambas:Video CNN]"
)


def test_boilerplate_lines_are_zones_not_deletions():
    doc = make_document("a", "mem", ARTICLE)
    assert doc.text == ARTICLE
    marked = [doc.text[z.start:z.end] for z in doc.zones]
    assert marked == [
        "Baca Juga : Mantan Menhan Israel Akui Kekalahan",
        "IKLAN",
        "GULIR UNTUK MELANJUTKAN KONTEN",
        "(khr/bac)",
        "[Gambas:Video CNN]",
    ]
    body_start = ARTICLE.index("Hamas")
    assert doc.zone_at(body_start, body_start + 5) == "body"
    teaser = ARTICLE.index("Israel")
    assert doc.zone_at(teaser, teaser + 6) == "boilerplate"


def test_body_lines_that_mention_ads_are_not_boilerplate():
    assert find_boilerplate("Iklan politik dilarang di masa tenang kampanye.") == ()
    assert find_boilerplate("Bacaan doa itu panjang.\nHak cipta lagu itu dipersoalkan penyanyi lain.") == ()


def test_the_furniture_of_the_major_outlets_is_zoned():
    lines = ["Baca Juga", "Simak juga Video 'Rupa-rupa Moda Transportasi':", "ADVERTISEMENT",
             "SCROLL TO CONTINUE WITH CONTENT", "Laporan Reporter Tribun Jogja, Nanda Sagita Ginting",
             "(Ditulis oleh Yudho Ardi)", "Artikel ini telah tayang di Kompas.com", "COPYRIGHT © ANTARA 2023"]
    text = "Judul berita\n" + "\n".join(lines) + "\nIsi berita tentang Bandung."
    zoned = [text[z.start:z.end] for z in find_boilerplate(text)]
    assert zoned == lines


def test_nfc_normalisation_keeps_offsets_into_the_source():
    source = "Cafe\u0301 di Bandung"  # decomposed é: 5 code points in the source
    text, anchors = normalise(source)
    assert text == unicodedata.normalize("NFC", source)
    doc = make_document("a", "mem", source)
    start = doc.text.index("Bandung")
    assert source[doc.to_source(start):doc.to_source(start + 7)] == "Bandung"


def test_empty_text_is_a_document_with_a_status():
    doc = make_document("a", "mem", "  \n ")
    assert doc.status == "empty"


def test_jsonl_and_csv_inputs(tmp_path):
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"id": "x1", "text": "Jokowi di Jakarta."}) + "\n" + "{broken\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text('id,text\ny1,"Prabowo\ndi Bandung."\n', encoding="utf-8")
    docs = {d.doc_id: d for d in read_documents([tmp_path])}
    assert docs["x1"].text == "Jokowi di Jakarta."
    assert docs["a:2"].status == "error" and "invalid JSON" in docs["a:2"].error
    assert docs["y1"].text == "Prabowo\ndi Bandung."


def test_undecodable_file_is_reported_not_fatal(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01binary")
    (tmp_path / "good.txt").write_text("Jokowi di Jakarta.", encoding="utf-8")
    docs = {d.doc_id: d for d in read_documents([tmp_path])}
    assert docs["bad"].status == "error"
    assert docs["good"].status == "ok"


def test_a_very_long_text_is_read_in_parts_with_true_offsets():
    from pipeline.ingest import make_documents

    source = "".join(f"Paragraf {i}: Presiden Joko Widodo tiba di Jakarta.\r\n" for i in range(100))
    parts = make_documents("big", "mem", source, limit=1000)
    assert [p.doc_id for p in parts][:2] == ["big#1", "big#2"] and len(parts) > 5
    assert all(len(p.text) <= 1000 for p in parts)
    for part in parts:
        start = part.text.index("Jakarta")
        assert source[part.to_source(start):part.to_source(start + 7)] == "Jakarta"
    assert "".join(p.text for p in parts) == source


def test_repeated_ids_are_made_unique(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "news.txt").write_text(f"Berita {folder}.", encoding="utf-8")
    docs = list(read_documents([tmp_path / "a" / "news.txt", tmp_path / "b" / "news.txt"]))
    assert [d.doc_id for d in docs] == ["news", "news~2"]


def test_jsonl_line_separators_inside_strings_and_huge_csv_cells(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "x", "text": "Satu\u2028dua"}, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    (tmp_path / "b.csv").write_text('id,text\ny,"' + "kata " * 60_000 + '"\n', encoding="utf-8")
    docs = {d.doc_id: d for d in read_documents([tmp_path])}
    assert docs["x"].status == "ok" and docs["x"].text == "Satu\u2028dua"
    assert docs["y"].status == "ok" and len(docs["y"].text) == 300_000
