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


def test_document_scores_read_the_tables_as_an_analyst_does():
    """One right row, one row under a headline name (wrong), a merge of two people (wrong), a
    boilerplate mention left out, and the linking counts that follow."""
    import pandas as pd

    from pipeline.evaluate import GoldDocument, score_documents

    text = "Joko Widodo dan Iriana tiba. Jokowi menyapa KPK. Baca Juga: KPK"
    gold = [GoldDocument("d", text, ((0, 11, "PER", "PER:Joko Widodo"), (16, 22, "PER", "PER:Iriana"),
                                     (29, 35, "PER", "PER:Joko Widodo"), (44, 47, "ORG", "ORG:KPK")))]
    rows = [("d", 0, 11, "PER", "E1", "body"), ("d", 16, 22, "PER", "E1", "body"), ("d", 29, 35, "PER", "E1", "body"),
            ("d", 44, 47, "ORG", "E2", "body"), ("d", 60, 63, "ORG", "E2", "boilerplate")]
    mentions = pd.DataFrame(rows, columns=["doc_id", "start_char", "end_char", "label", "entity_id", "zone"])
    entities = pd.DataFrame({"entity_id": ["E1", "E2"], "canonical": ["Joko Widodo", "KPK Menyapa"]})
    scores = score_documents(gold, mentions, entities)
    assert scores["mentions"]["overall"]["f1"] == 1.0  # the boilerplate KPK is no mention of the body
    assert scores["entities"] == {"gold_entities": 3, "found": 0.0, "rows": 2, "rows_right": 0.0}
    linking = scores["linking"]
    assert (linking["varied_entities"], linking["varied_merged"], linking["wrong_merges"]) == (1, 1.0, 1)
    entities["canonical"] = ["Joko Widodo", "KPK"]
    rows[1] = ("d", 16, 22, "PER", "E3", "body")
    fixed = score_documents(gold, pd.DataFrame(rows, columns=mentions.columns),
                            pd.concat([entities, pd.DataFrame({"entity_id": ["E3"], "canonical": ["Iriana"]})]))
    assert fixed["entities"] == {"gold_entities": 3, "found": 1.0, "rows": 3, "rows_right": 1.0}
    assert fixed["linking"]["wrong_merges"] == 0


@pytest.mark.slow
def test_the_real_news_gold_set_reads_and_scores(extractor):
    """The annotations point into the rawtext corpora (skipped where they are absent) and the
    whole product runs on them; the dev split alone is scored here."""
    from pipeline.evaluate import REALNEWS_GOLD, evaluate_documents, read_realnews_gold
    from tests.conftest import ROOT

    rawtext = ROOT.parent / "shared" / "corpora" / "rawtext"
    if not rawtext.is_dir():
        pytest.skip("../shared/corpora/rawtext is not beside the checkout")
    gold = read_realnews_gold(REALNEWS_GOLD, rawtext)
    assert len(gold) >= 50 and sum(g.split == "test" for g in gold) >= 15
    assert all(g.text[a:b].strip() == g.text[a:b] and b > a for g in gold for a, b, _, _ in g.mentions)
    dev = [g for g in gold if g.split == "dev"]
    scores = evaluate_documents(extractor, dev)
    assert scores["mentions"]["overall"]["support"] == sum(len(g.mentions) for g in dev)
    assert scores["mentions"]["overall"]["f1"] >= 0.6, scores["mentions"]


@pytest.mark.slow
def test_the_gold_sets_articles_are_drawn_again_as_they_were():
    """``select_articles`` reproduces the real-news gold set's articles and split exactly."""
    import json

    from pipeline.evaluate import REALNEWS_GOLD
    from pipeline.training.goldset import select_articles
    from tests.conftest import ROOT

    rawtext = ROOT.parent / "shared" / "corpora" / "rawtext"
    if not rawtext.is_dir():
        pytest.skip("../shared/corpora/rawtext is not beside the checkout")
    records = [json.loads(line) for line in REALNEWS_GOLD.read_text(encoding="utf-8").splitlines()]
    drawn = select_articles(rawtext)
    assert [(p["article"], p["source"], p["index"], p["sha256"], p["split"]) for p in drawn] == \
        [(r["doc_id"], r["source"], r["index"], r["sha256"], r["split"]) for r in records]
