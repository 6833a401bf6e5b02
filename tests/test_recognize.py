import pytest

from pipeline.ingest import make_document
from pipeline.recognize import find_dateline, merge_rule_mentions
from pipeline.types import Mention


@pytest.mark.parametrize("text, expected", [
    ("Tehran, Purna Warta – Komandan IRGC", [("Tehran", "LOC"), ("Purna Warta", "ORG")]),
    ("JAKARTA, KOMPAS.com - Presiden tiba.", [("JAKARTA", "LOC"), ("KOMPAS.com", "ORG")]),
    ("Bandung (ANTARA) - Wali kota meninjau.", [("Bandung", "LOC"), ("ANTARA", "ORG")]),
    ("Presiden Joko Widodo, kata dia - hari ini.", []),
    ("Hamas, Jihad Islam dan lainnya - x", []),
])
def test_datelines(text, expected):
    doc = make_document("d", "mem", text)
    found = find_dateline(doc)
    assert [(m.text, m.label) for m in found] == expected
    assert all(text[m.start:m.end] == m.text for m in found)


def test_rule_mentions_replace_overlapping_model_mentions():
    model = [Mention("d", 0, 0, 19, "Tehran, Purna Warta", "ORG"), Mention("d", 0, 30, 34, "IRGC", "ORG")]
    rules = [Mention("d", 0, 0, 6, "Tehran", "LOC"), Mention("d", 0, 8, 19, "Purna Warta", "ORG")]
    merged = merge_rule_mentions(model, rules)
    assert [(m.text, m.label) for m in merged] == [("Tehran", "LOC"), ("Purna Warta", "ORG"), ("IRGC", "ORG")]


def test_an_organisations_acronym_in_parentheses_joins_its_span():
    from pipeline.recognize import add_rule_spans

    words = "Hakim Mahkamah Konstitusi ( MK ) dan Joko ( 61 ) hadir".split()
    model = [(1, 3, "ORG", 0.9), (4, 5, "ORG", 0.7), (7, 8, "PER", 0.9)]
    assert add_rule_spans(model, words) == [(1, 6, "ORG", 0.9), (7, 8, "PER", 0.9)]


def test_a_person_span_that_lists_people_is_one_span_per_person():
    from pipeline.recognize import add_rule_spans

    words = "Pemimpin Ismail Haniyeh dan Ziyad al-Nakhalah , Menteri Energi dan Sumber Daya".split()
    model = [(1, 6, "PER", 0.6), (7, 11, "ORG", 0.8)]
    assert add_rule_spans(model, words) == [(1, 3, "PER", 0.6), (4, 6, "PER", 0.6), (7, 11, "ORG", 0.8)]


def test_a_span_across_glued_words_keeps_its_most_name_like_piece():
    from pipeline.recognize import cut_at_glue
    from pipeline.types import Token

    text = "Al ArabiyaJumat (17/11) dan HamasMuhammad Deif"
    words = ["Al", "Arabiya", "Jumat", "(", "17/11", ")", "dan", "Hamas", "Muhammad", "Deif"]
    tokens, position = [], 0
    for word in words:
        start = text.index(word, position)
        tokens.append(Token(start, start + len(word), word))
        position = start + len(word)
    spans = [(0, 6, "ORG", 0.5), (7, 10, "PER", 0.9), (8, 10, "PER", 0.9)]
    assert cut_at_glue(spans, tokens) == [(0, 2, "ORG", 0.5), (8, 10, "PER", 0.9), (8, 10, "PER", 0.9)]
