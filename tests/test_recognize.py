import pytest

from pipeline.ingest import make_document
from pipeline.recognize import (
    SentenceView,
    apply_sentence_rules,
    find_dateline,
    initials_are_people,
    merge_rule_mentions,
)
from pipeline.types import Mention


@pytest.mark.parametrize("text, expected", [
    ("Tehran, Purna Warta – Komandan IRGC", [("Tehran", "LOC"), ("Purna Warta", "ORG")]),
    ("JAKARTA, KOMPAS.com - Presiden tiba.", [("JAKARTA", "LOC"), ("KOMPAS.com", "ORG")]),
    ("Bandung (ANTARA) - Wali kota meninjau.", [("Bandung", "LOC"), ("ANTARA", "ORG")]),
    ("Judul Berita\nJakarta, CNN Indonesia -- Harga naik.", [("Jakarta", "LOC"), ("CNN Indonesia", "ORG")]),
    ("Judul Berita\nTEMPO.CO, Jakarta - Harga naik.", [("TEMPO.CO", "ORG"), ("Jakarta", "LOC")]),
    ("Judul\nLiputan6.com, JakartaSeattle Sounders menang.", [("Liputan6.com", "ORG"), ("Jakarta", "LOC")]),
    ("Judul\nLaporan Reporter\nTRIBUNJOGJA.COM, GUNUNGKIDUL - Pemkab", [("TRIBUNJOGJA.COM", "ORG"),
                                                                       ("GUNUNGKIDUL", "LOC")]),
    ("Judul\nTRIBUNJATENG.COM - Seorang remaja", [("TRIBUNJATENG.COM", "ORG")]),
    ("Rokok dilarang di hutan sembaranganBalikpapan (ANTARA) - Dinas", [("Balikpapan", "LOC"), ("ANTARA", "ORG")]),
    ("Presiden Joko Widodo, kata dia - hari ini.", []),
    ("Hamas, Jihad Islam dan lainnya - x", []),
    ("Satu\nDua\nTiga\nEmpat\nJAKARTA, KOMPAS.com - terlambat.", []),
])
def test_datelines(text, expected):
    found = find_dateline(tokenized(text))
    assert [(m.text, m.label) for m in found] == expected
    assert all(text[m.start:m.end] == m.text for m in found)


def test_rule_mentions_replace_overlapping_model_mentions():
    model = [Mention("d", 0, 0, 19, "Tehran, Purna Warta", "ORG"), Mention("d", 0, 30, 34, "IRGC", "ORG")]
    rules = [Mention("d", 0, 0, 6, "Tehran", "LOC"), Mention("d", 0, 8, 19, "Purna Warta", "ORG")]
    merged = merge_rule_mentions(model, rules)
    assert [(m.text, m.label) for m in merged] == [("Tehran", "LOC"), ("Purna Warta", "ORG"), ("IRGC", "ORG")]


def sentence_rules(model, words, places=frozenset()):
    return apply_sentence_rules(model, SentenceView.of_words(words, places))


def test_an_organisations_acronym_in_parentheses_joins_its_span():
    words = "Hakim Mahkamah Konstitusi ( MK ) dan Joko ( 61 ) hadir".split()
    model = [(1, 3, "ORG", 0.9), (4, 5, "ORG", 0.7), (7, 8, "PER", 0.9)]
    assert sentence_rules(model, words) == [(1, 6, "ORG", 0.9), (7, 8, "PER", 0.9)]


def test_a_person_span_that_lists_people_is_one_span_per_person():
    words = "Pemimpin Ismail Haniyeh dan Ziyad al-Nakhalah , Menteri Energi dan Sumber Daya".split()
    model = [(1, 6, "PER", 0.6), (7, 11, "ORG", 0.8)]
    assert sentence_rules(model, words) == [(1, 3, "PER", 0.6), (4, 6, "PER", 0.6), (7, 11, "ORG", 0.8)]


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
    cut = cut_at_glue(spans, SentenceView(tuple(tokens)))
    assert cut == [(0, 2, "ORG", 0.5), (8, 10, "PER", 0.9), (8, 10, "PER", 0.9)]


def test_countries_the_model_left_untagged_are_places_but_not_languages_currencies_or_name_openers():
    from pipeline.recognize import known_places

    words = "Iran siap membantu Palestina , kata Presiden Iran Ebrahim Raisi dalam bahasa Inggris".split()
    model = [(8, 10, "PER", 0.9)]
    assert sentence_rules(model, words) == [(8, 10, "PER", 0.9)]  # no list given: the model's convention
    assert sentence_rules(model, words, known_places()) == [(0, 1, "LOC", 0.8), (3, 4, "LOC", 0.8), (7, 8, "LOC", 0.8),
                                            (8, 10, "PER", 0.9)]
    words = "Harga 10 dolar AS ; Israel Katz tiba di Amerika Serikat".split()
    assert sentence_rules([], words, known_places()) == [(9, 11, "LOC", 0.8)]


def test_context_words_correct_the_models_labels():
    words = "komandan Brigade Al Qassam di kota Sheikh Jarrah melawan rezim Zionis".split()
    model = [(1, 4, "PER", 0.9), (6, 8, "PER", 0.6), (10, 11, "PER", 0.5)]
    assert sentence_rules(model, words) == [(1, 4, "ORG", 0.9), (6, 8, "LOC", 0.6)]
    # after an honorific or a rank, name words are a person; an office may head a place or a body
    words = "Jenderal Qassem Soleimani , Jenderal TNI , Gubernur Jawa Barat dan Syekh Nasrallah".split()
    model = [(1, 3, "ORG", 0.5), (5, 6, "ORG", 0.9), (8, 10, "LOC", 0.9), (12, 13, "LOC", 0.4)]
    assert sentence_rules(model, words) == [(1, 3, "PER", 0.5), (5, 6, "ORG", 0.9), (8, 10, "LOC", 0.9),
                                            (12, 13, "PER", 0.4)]


def test_arabic_article_words_continue_a_name_and_coordinated_names_share_its_label():
    words = "pembebasan Yerusalem al-Quds oleh Hamas dan Jihad Islam serta Ismail dan Budi".split()
    model = [(1, 2, "LOC", 0.9), (4, 5, "ORG", 0.9), (9, 10, "PER", 0.9)]
    assert sentence_rules(model, words) == [(1, 3, "LOC", 0.9), (4, 5, "ORG", 0.9), (6, 8, "ORG", 0.5),
                                            (9, 10, "PER", 0.9)]


def tokenized(text):
    """A one-sentence TokenizedDocument, tokens split at spaces (edge punctuation apart)."""
    import re

    from pipeline.types import Sentence, Token, TokenizedDocument

    tokens = tuple(Token(m.start(), m.end(), m.group()) for m in re.finditer(r"[\w'-]+|[^\w\s]", text))
    return TokenizedDocument(make_document("d", "mem", text), (Sentence(0, 0, len(text), tokens),))


def mention(text, surface, label, confidence=1.0, nth=0):
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return Mention("d", 0, start, start + len(surface), surface, label, confidence)


def test_a_persons_name_closing_an_organisation_span_is_split_off():
    from pipeline.recognize import split_person_tails

    text = "Pemimpin Pasukan Quds Iran Esmail Qaani menulis surat. Qaani menegaskan dukungan Bank Indonesia ."
    found = [mention(text, "Pasukan Quds Iran Esmail Qaani", "ORG"), mention(text, "Qaani", "PER", nth=1),
             mention(text, "Bank Indonesia", "ORG")]
    split = split_person_tails(tokenized(text), found)
    assert [(m.text, m.label) for m in split] == [("Pasukan Quds Iran", "ORG"), ("Esmail Qaani", "PER"),
                                                  ("Qaani", "PER"), ("Bank Indonesia", "ORG")]
    assert all(text[m.start:m.end] == m.text for m in split)


def test_a_full_name_is_found_from_the_surname_the_model_found():
    from pipeline.recognize import complete_person_names, propagate_names

    text = ("Ia menelepon Ismail Haniyeh dan Ziyad al-Nakhalah . Kata Nakhalah , Jenderal Qassem Soleimani "
            "tewas . Menteri Keuangan Menkeu hadir . Jenderal Soleimani dikenang .")
    found = [mention(text, "Ismail Haniyeh", "PER"), mention(text, "Nakhalah", "PER", nth=1),
             mention(text, "Qassem Soleimani", "PER"), mention(text, "Menkeu", "PER")]
    document = tokenized(text)
    completed = propagate_names(document, complete_person_names(document, found))
    assert [(m.text, m.label) for m in completed] == [
        ("Ismail Haniyeh", "PER"), ("Ziyad al-Nakhalah", "PER"), ("Nakhalah", "PER"), ("Qassem Soleimani", "PER"),
        ("Menkeu", "PER"), ("Soleimani", "PER")]


def test_whole_recogniser_on_the_linking_sets_documents(extractor):
    """Model and rules together on real and news-style documents (pipeline/gold/linking.jsonl):
    0.854 F1 when written; without the document rules and the country list it was 0.706."""
    from pipeline.evaluate import LINKING_GOLD, evaluate_document_ner, read_link_gold

    gold = read_link_gold(LINKING_GOLD)
    scores = evaluate_document_ner(extractor.stanza, extractor.ner, gold)
    assert scores["overall"]["f1"] >= 0.83, scores
    assert scores["LOC"]["recall"] >= 0.85, scores


def test_people_paired_by_a_hyphen_or_slash_are_two_mentions():
    from pipeline.recognize import split_paired_people

    text = ("Paslon Prabowo-Gibran unggul atas Anies Baswedan-Muhaimin Iskandar dan Ganjar / Mahfud, Ramos-horta, "
            "Ziyad al-Nakhalah.")
    found = [mention(text, "Prabowo-Gibran", "PER"), mention(text, "Anies Baswedan-Muhaimin Iskandar", "PER"),
             mention(text, "Ganjar / Mahfud", "PER"), mention(text, "Ramos-horta", "PER"),
             mention(text, "Ziyad al-Nakhalah", "PER")]
    split = split_paired_people(tokenized(text), found)
    assert [m.text for m in split] == ["Prabowo", "Gibran", "Anies Baswedan", "Muhaimin Iskandar", "Ganjar", "Mahfud",
                                       "Ramos-horta", "Ziyad al-Nakhalah"]  # an Arabic article pairs nobody
    assert all(text[m.start:m.end] == m.text for m in split)


def test_a_body_and_its_region_are_one_organisation():
    words = "Ketua DPRD DKI Jakarta , Pemkab Gunungkidul , Komisi III DPR , CNN Indonesia dan Persija Jakarta".split()
    model = [(1, 2, "ORG", 0.9), (2, 4, "LOC", 0.8), (6, 7, "LOC", 0.9), (10, 11, "ORG", 0.9),
             (12, 13, "ORG", 0.9), (13, 14, "LOC", 0.9), (15, 16, "ORG", 0.9), (16, 17, "LOC", 0.9)]
    assert sentence_rules(model, words) == [(1, 4, "ORG", 0.9), (5, 7, "ORG", 0.9), (8, 11, "ORG", 0.9),
                                            (12, 14, "ORG", 0.9), (15, 16, "ORG", 0.9), (16, 17, "LOC", 0.9)]


def test_names_open_with_no_lower_case_word_and_end_in_no_number():
    words = "di stadion Siliwangi , Paser 6 titik , Pulau Mangkir Kecil ( Mangkir Ketek )".split()
    model = [(1, 3, "LOC", 0.9), (4, 6, "ORG", 0.9), (8, 12, "LOC", 0.9), (12, 14, "LOC", 0.9)]
    assert sentence_rules(model, words) == [(2, 3, "LOC", 0.9), (4, 5, "ORG", 0.9), (8, 11, "LOC", 0.9),
                                            (12, 14, "LOC", 0.9)]


def test_a_place_keeps_the_capitalised_designators_written_before_it():
    words = "Kabupaten Berau , Gubernur DKI Jakarta dan kota Bandung".split()
    model = [(1, 2, "LOC", 0.9), (4, 5, "LOC", 0.9), (5, 6, "LOC", 0.9), (8, 9, "LOC", 0.9)]
    assert sentence_rules(model, words) == [(0, 2, "LOC", 0.9), (4, 6, "LOC", 0.9), (8, 9, "LOC", 0.9)]


def test_a_news_site_or_an_outlets_brand_is_an_organisation():
    words = "dikutip TribunJakarta.com dan dilihat detikJatim , kata Kompas".split()
    model = [(1, 2, "LOC", 0.6), (6, 7, "ORG", 0.9)]
    assert sentence_rules(model, words) == [(1, 2, "ORG", 0.6), (4, 5, "ORG", 0.8), (6, 7, "ORG", 0.9)]


@pytest.mark.slow
def test_the_recogniser_loads_without_spacys_tokenizer_and_finds_the_same_entities(extractor):
    """spaCy's Indonesian tokenizer (32,000 special cases) is never built: the model reads Stanza's
    tokens, and its entities are those of the model loaded the ordinary way."""
    import spacy

    from pipeline.recognize import parse_with_confidence, sentence_doc, use_numpy_matmul
    from tests.conftest import SEEDS

    nlp = extractor.ner
    assert not nlp.tokenizer.rules
    with use_numpy_matmul():  # as the recogniser multiplies: the same probabilities to the last digit
        full = spacy.load(extractor.models_dir / "ner" / "spacy")
    assert len(full.tokenizer.rules) > 10_000
    tokenized = extractor.tokenize([make_document(p.stem, "mem", p.read_text(encoding="utf-8"))
                                    for p in sorted(SEEDS.glob("*.txt"))])
    sentences = [s for t in tokenized for s in t.sentences]
    assert parse_with_confidence(nlp, [sentence_doc(nlp.vocab, s.tokens) for s in sentences]) == \
        parse_with_confidence(full, [sentence_doc(full.vocab, s.tokens) for s in sentences])


def test_the_recogniser_multiplies_with_numpys_blas_on_the_threads_asked(extractor):
    """The tok2vec, where nearly all the products are, multiplies with NumPy, not blis (three times
    slower here; spaCy keeps its own for the NER's small output layer), and no BLAS thread pool
    runs beside the tokenizer process."""
    from thinc.api import NumpyOps
    from threadpoolctl import threadpool_info

    layers = list(extractor.ner.get_pipe("tok2vec").model.walk())
    assert layers and all(isinstance(layer.ops, NumpyOps) and not layer.ops.use_blis for layer in layers)
    pools = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert pools and all(pool["num_threads"] == extractor.threads for pool in pools)


def test_initials_after_a_suspect_word_are_a_person_not_a_country():
    sentence = SentenceView.of_words("Polisi menangkap tersangka berinisial AS di Bekasi , bukan warga AS .".split())
    spans = [(4, 5, "LOC", 0.9), (6, 7, "LOC", 0.9), (11, 12, "LOC", 0.9)]
    assert initials_are_people(spans, sentence) == [(4, 5, "PER", 0.8), (6, 7, "LOC", 0.9), (11, 12, "LOC", 0.9)]


def test_the_names_of_a_match_are_teams():
    words = "Laga Indonesia vs Thailand , Persib kontra Persija , Jokowi vs Prabowo dan timnas Belgia".split()
    model = [(1, 2, "LOC", 0.9), (3, 4, "LOC", 0.9), (5, 6, "ORG", 0.9), (7, 8, "LOC", 0.9),
             (9, 10, "PER", 0.9), (11, 12, "PER", 0.9), (14, 15, "LOC", 0.9)]
    assert [label for *_, label, _ in sentence_rules(model, words)] == ["ORG", "ORG", "ORG", "ORG", "PER", "PER",
                                                                          "ORG"]


def test_a_name_in_a_laws_title_is_no_mention_even_where_a_document_rule_copied_it():
    from pipeline.recognize import apply_document_rules

    text = "DPR menolak revisi UU KPK dan RUU Polri , kata KPK ."
    found = [mention(text, "DPR", "ORG", 0.9), mention(text, "Polri", "ORG", 0.9),
             mention(text, "KPK", "ORG", 0.9, nth=1)]
    kept = apply_document_rules(tokenized(text), found)  # one sense per document copies "KPK" after "UU"
    assert [(m.text, m.start) for m in kept] == [("DPR", 0), ("KPK", text.rindex("KPK"))]

