"""Measured quality: the scoring code, and that the evaluation runs the product's own recogniser."""

import pytest

from pipeline.corpora import TaggedSentence
from pipeline.evaluate import count_spans, format_scores, pairwise_link_scores, predict_corpus_tokens


def test_pairwise_link_scores():
    scores = pairwise_link_scores(["a", "a", "b", "b"], ["x", "x", "x", "y"])
    assert (scores["precision"], scores["recall"], scores["gold_pairs"]) == (0.3333, 0.5, 2)


def test_exact_span_scores_and_their_table():
    scores = count_spans([({(0, 2, "PER"), (3, 4, "LOC")}, {(0, 2, "PER"), (3, 5, "LOC")})]).as_dict()
    assert scores["PER"]["f1"] == 1.0 and scores["LOC"]["f1"] == 0.0 and scores["overall"]["f1"] == 0.5
    table = format_scores("set", scores)
    assert table.splitlines()[0] == "set" and "overall   0.500  0.500  0.500      2" in table


@pytest.mark.slow
def test_corpus_sentences_go_through_every_rule_of_the_product(extractor):
    """The evaluation path is ``recognize`` itself: sentence rules and document rules alike (here
    the dateline, a document rule, and the surname propagation)."""
    words = ("JAKARTA , KOMPAS.com - Menteri Luar Negeri Retno Marsudi tiba . "
             "Setelah itu Marsudi menyapa Israel .").split()
    sentence = TaggedSentence(tuple(words), ("O",) * len(words))
    tags = predict_corpus_tokens(extractor.ner, [sentence])[0]
    assert tags[:3] == ["B-LOC", "O", "B-ORG"]  # the dateline
    assert tags[words.index("Retno"):words.index("Retno") + 2] == ["B-PER", "I-PER"]
    assert tags[words.index("itu") + 1] == "B-PER"  # the surname
    assert tags[words.index("Israel")] == "B-LOC"  # the country list
