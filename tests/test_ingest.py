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


def test_invisible_characters_are_dropped_and_offsets_still_point_into_the_source():
    source = "Presiden Jo\u200bko Wi\u00addodo dan Ridwan\u200d Kamil di Ja\ufeffkarta."
    doc = make_document("a", "mem", source)
    assert doc.text == "Presiden Joko Widodo dan Ridwan Kamil di Jakarta."
    for name, written in (("Joko Widodo", "Jo\u200bko Wi\u00addodo"), ("Jakarta", "Ja\ufeffkarta")):
        start = doc.text.index(name)
        assert source[doc.to_source(start):doc.to_source(start + len(name))] == written


def test_a_stray_windows_1252_byte_is_repaired_and_a_legacy_file_still_detected():
    from pipeline.ingest import decode

    stray = decode("Kafé di Bandung ".encode() + b"\x93cukup\x94.")
    assert stray.text == "Kafé di Bandung \u201ccukup\u201d." and "2 bytes not UTF-8" in stray.note
    legacy = ("Однажды весной, в час небывало жаркого заката, в Москве " * 5).encode("cp1251")
    assert decode(legacy).text.startswith("Однажды") and decode(legacy).note.startswith("not UTF-8")
    assert decode("Satu dua".encode("utf-16")).text == "Satu dua"
    assert decode("Satu dua".encode("utf-32")).text == "Satu dua"


def test_links_out_of_the_folder_are_read_only_when_asked(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Satu.", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("Di luar.", encoding="utf-8")
    (folder / "link.txt").symlink_to(tmp_path / "outside.txt")
    skipped = {d.doc_id: d for d in read_documents([folder])}
    assert skipped["link.txt"].status == "skipped" and "--follow-symlinks" in skipped["link.txt"].error
    followed = {d.doc_id: d for d in read_documents([folder], follow_symlinks=True)}
    assert followed["link"].text == "Di luar." and followed["link"].status == "ok"


def test_the_output_folder_inside_the_input_is_not_read(tmp_path):
    (tmp_path / "a.txt").write_text("Satu.", encoding="utf-8")
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / "mentions.csv").write_text("text\nx\n", encoding="utf-8")
    assert [d.doc_id for d in read_documents([tmp_path], exclude=[tmp_path / "outputs"])] == ["a"]


def test_repeated_ids_never_collide_with_a_given_one(tmp_path):
    records = [{"id": "x", "text": "a"}, {"id": "x~2", "text": "b"}, {"id": "x", "text": "c"}]
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert [d.doc_id for d in read_documents([tmp_path])] == ["x", "x~2", "x~3"]
