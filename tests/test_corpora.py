import pytest

from pipeline.corpora import bio_to_spans, normalise_tags, parse_conll, parse_slash_tagged


@pytest.mark.parametrize("tags, expected", [
    (["B-PERSON", "I-PERSON", "O", "B-PLACE"], ["B-PER", "I-PER", "O", "B-LOC"]),
    (["S-ORG", "B-PER", "E-PER", "S-PER"], ["B-ORG", "B-PER", "I-PER", "B-PER"]),
    (["PERSON", "PERSON", "O", "LOCATION"], ["B-PER", "I-PER", "O", "B-LOC"]),
    (["I-ORGANIZATION", "I-ORGANIZATION", "B-EVT"], ["B-ORG", "I-ORG", "O"]),
    (["B-PPL", "I-PLC"], ["B-PER", "B-LOC"]),
])
def test_tag_schemes_become_bio(tags, expected):
    assert list(normalise_tags(tags)) == expected


def test_spans_from_bio():
    assert bio_to_spans(["B-PER", "I-PER", "O", "B-LOC", "B-LOC"]) == [(0, 2, "PER"), (3, 4, "LOC"), (4, 5, "LOC")]


def test_conll_and_slash_layouts():
    conll = parse_conll("Joko PROPN B-PER\nWidodo PROPN I-PER\ndatang VERB O\n\nBandung\tB-PLACE\n")
    assert [s.spans() for s in conll] == [[(0, 2, "PER")], [(0, 1, "LOC")]]
    tweets = parse_slash_tagged("@a/O :/O ke/O kbri/ORGANIZATION di/O Kuala/LOCATION Lumpur/LOCATION\n")
    assert tweets[0].spans() == [(3, 4, "ORG"), (5, 7, "LOC")]


def test_retokenize_splits_edge_punctuation_like_stanza():
    from pipeline.corpora import TaggedSentence, retokenize

    sentence = TaggedSentence(("Partai", "Golkar", "(PG)", "dan", "(Jokowi)", "datang,"),
                              ("B-ORG", "I-ORG", "I-ORG", "O", "B-PER", "O"))
    split, cores = retokenize(sentence)
    assert split.tokens == ("Partai", "Golkar", "(", "PG", ")", "dan", "(", "Jokowi", ")", "datang", ",")
    assert split.spans() == [(0, 5, "ORG"), (7, 8, "PER")]
    assert [split.tokens[i] for i in cores] == ["Partai", "Golkar", "PG", "dan", "Jokowi", "datang"]


def test_comment_lines_and_hash_tokens():
    sentences = parse_conll("# sent_id = 1\n# text = # Jokowi\n#\tO\nJokowi\tB-PER\n\n-DOCSTART- O\n\nBali\tS-LOC\n")
    assert [s.tokens for s in sentences] == [("#", "Jokowi"), ("Bali",)]
    assert sentences[0].spans() == [(1, 2, "PER")]


def test_bilou_tags():
    assert list(normalise_tags(["B-PER", "L-PER", "U-LOC", "O"])) == ["B-PER", "I-PER", "B-LOC", "O"]


def test_a_file_with_a_byte_order_mark_and_crlf(tmp_path):
    from pipeline.corpora import read_tagged_file

    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffJoko\tB-PER\r\nWidodo\tI-PER\r\n\r\n".encode())
    assert read_tagged_file(path)[0].tokens == ("Joko", "Widodo")
