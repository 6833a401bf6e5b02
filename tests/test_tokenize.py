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
