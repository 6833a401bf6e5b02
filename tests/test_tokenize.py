import pytest

from pipeline.ingest import make_document
from pipeline.tokenize import paragraphs, tokenize_documents


@pytest.fixture(scope="module")
def stanza_nlp(extractor):
    return extractor.stanza


def test_paragraphs_keep_offsets():
    text = "Satu.\n\n  Dua tiga.\nEmpat"
    assert [(o, text[o:o + len(p)] == p) for o, p in paragraphs(text)] == [(0, True), (7, True), (19, True)]


def test_sentences_tokens_and_offsets(stanza_nlp):
    text = ("Presiden Joko Widodo tiba di Jakarta, Senin (22/5). Ia bertemu Menlu Retno Marsudi.\n"
            "Baca Juga : Gempa di Cianjur")
    [doc] = tokenize_documents(stanza_nlp, [make_document("d", "mem", text)])
    assert [text[s.start:s.end] for s in doc.sentences] == [
        "Presiden Joko Widodo tiba di Jakarta, Senin (22/5).",
        "Ia bertemu Menlu Retno Marsudi.",
        "Baca Juga : Gempa di Cianjur",
    ]
    for sentence in doc.sentences:
        for token in sentence.tokens:
            assert text[token.start:token.end] == token.text
    assert [t.text for t in doc.sentences[0].tokens][5:7] == ["Jakarta", ","]


def test_clitics_are_marked_not_split(stanza_nlp):
    text = "Rumahnya di Bandung, dan apakah kantornya buka?"
    [doc] = tokenize_documents(stanza_nlp, [make_document("d", "mem", text)])
    tokens = {t.text: t for s in doc.sentences for t in s.tokens}
    assert text[tokens["Rumahnya"].clitic_start:tokens["Rumahnya"].end] == "nya"
    assert text[tokens["kantornya"].clitic_start:tokens["kantornya"].end] == "nya"
    assert tokens["Bandung"].clitic_start is None


def test_failed_documents_get_no_sentences(stanza_nlp):
    bad = make_document("e", "mem", "   ")
    [doc] = tokenize_documents(stanza_nlp, [bad])
    assert doc.sentences == ()


@pytest.mark.parametrize("word, pieces", [
    ("HamasMuhammad", ["Hamas", "Muhammad"]),
    ("ArabiyaJumat", ["Arabiya", "Jumat"]),
    ("Israel.Pemimpin", ["Israel", ".", "Pemimpin"]),
    ("YouTube", ["YouTube"]),
    ("WhatsApp", ["WhatsApp"]),
    ("PlayStation", ["PlayStation"]),
    ("detik.com", ["detik.com"]),
])
def test_glued_words_are_split(word, pieces):
    from pipeline.tokenize import split_glued
    from pipeline.types import Token

    split = split_glued(Token(5, 5 + len(word), word))
    assert [t.text for t in split] == pieces
    text = "x" * 5 + word
    assert all(text[t.start:t.end] == t.text for t in split)


def test_glued_tokens_in_running_text(stanza_nlp):
    text = "komandan utama Brigade Al Qassam, HamasMuhammad Deif, dikutip Al ArabiyaJumat (17/11)."
    [doc] = tokenize_documents(stanza_nlp, [make_document("d", "mem", text)])
    words = [t.text for s in doc.sentences for t in s.tokens]
    assert "Hamas" in words and "Muhammad" in words and "Arabiya" in words and "Jumat" in words


def test_a_very_long_line_is_cut_into_bounded_pieces():
    text = ("Presiden Joko Widodo tiba di Jakarta. " * 400) + "x" * 7000
    pieces = paragraphs(text, limit=1000)
    assert all(len(p) <= 1000 for _, p in pieces)
    assert "".join(p for _, p in pieces) == text
    assert all(text[o:o + len(p)] == p for o, p in pieces)


@pytest.mark.slow
def test_loading_never_writes_into_the_models_folder(tmp_path):
    """A models folder without Stanza's catalogue, read-only, loads as it is and stays as it was."""
    import shutil

    from pipeline.tokenize import MWT_FILE, TOKENIZER_FILE, load_stanza
    from tests.conftest import ROOT

    folder = tmp_path / "tokenizer"
    folder.mkdir()
    for name in (TOKENIZER_FILE, MWT_FILE):
        shutil.copy(ROOT / "models" / "tokenizer" / name, folder / name)
    folder.chmod(0o555)
    try:
        nlp = load_stanza(folder)
        tokenized = tokenize_documents(nlp, [make_document("d", "mem", "Presiden tiba di Jakarta.")])
    finally:
        folder.chmod(0o755)
    assert sorted(p.name for p in folder.iterdir()) == sorted([TOKENIZER_FILE, MWT_FILE])
    assert [t.text for t in tokenized[0].sentences[0].tokens][-2:] == ["Jakarta", "."]


LINE_FINAL_NAMES = """Anita Maricha|Siti Aisyah|Nurul Hikmah|Lina Marlina|Rina Agustina|Dewi Sartika|Budi Santoso
Joko Widodo|Prabowo Subianto|Sri Mulyani Indrawati|Ridwan Kamil|Khofifah Indar Parawansa|Tri Rismaharini
Puan Maharani|Erick Thohir|Bahlil Lahadalia|Shin Tae-yong|Marselino Ferdinan|Pratama Arhan|Asnawi Mangkualam
Ernando Ari|Rizky Ridho|Yakob Sayuri|Dimas Drajad|Witan Sulaeman|Egy Maulana Vikri|Saddil Ramdani
Najwa Shihab|Maudy Ayunda|Raffi Ahmad|Nagita Slavina|Ayu Ting Ting|Iis Dahlia|Rossa|Raisa
Ganjar Pranowo|Mahfud Md|Anies Baswedan|Muhaimin Iskandar|Agus Harimurti Yudhoyono|Yenny Wahid""".replace("\n", "|")


@pytest.mark.slow
def test_a_name_at_the_end_of_a_line_keeps_every_letter(extractor):
    """List lines end without punctuation; the tokenizer once cut their last word
    ("- Ketua DPW PKS Anita Maricha" gave "Marich" and "a")."""
    names = LINE_FINAL_NAMES.split("|")
    text = "Daftar pengurus:\n" + "\n".join(f"- Ketua DPW PKS {name}" for name in names) + "\n"
    sentences = tokenize_documents(extractor.stanza, [make_document("d", "mem", text)])[0].sentences
    lines = {text[s.start:s.end] for s in sentences}
    for name in names:
        assert f"- Ketua DPW PKS {name}" in lines, name
    assert all(text[t.start:t.end] == t.text for s in sentences for t in s.tokens)


@pytest.mark.slow
def test_sites_brands_and_age_groups_stay_one_word(extractor):
    text = "Timnas U-19 dilihat detikJatim, TribunJakarta.com dan CNNIndonesia.com. Kompas.com melaporkan."
    sentences = tokenize_documents(extractor.stanza, [make_document("d", "mem", text)])[0].sentences
    words = [t.text for s in sentences for t in s.tokens]
    assert {"U-19", "detikJatim", "TribunJakarta.com", "CNNIndonesia.com", "Kompas.com"} <= set(words)
    assert all(text[t.start:t.end] == t.text for s in sentences for t in s.tokens)


def test_loading_the_tokenizer_builds_no_training_optimizer():
    """Stanza would build an Adam optimizer to predict, importing torch._dynamo (1.5 s of start-up):
    the loaded pipeline tokenizes as before, and torch._dynamo stays unimported."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    script = ("import sys; from pathlib import Path; from pipeline.tokenize import load_stanza, tokenize_documents; "
              "from pipeline.ingest import make_document; nlp = load_stanza(Path('models/tokenizer')); "
              "t = tokenize_documents(nlp, [make_document('d', 'mem', 'Rumahnya di Jakarta.')]); "
              "print([x.text for x in t[0].sentences[0].tokens], 'torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['Rumahnya', 'di', 'Jakarta', '.'] False"
