"""Training-data preparation, on small inputs written here (the corpora are not needed)."""

from collections import Counter

import pytest

from pipeline.corpora import TaggedSentence
from pipeline.training.ner import drop_overlaps, keep_only, recase
from pipeline.training.tokenizer import CliticLexicon, project_clitics
from tests.conftest import ROOT


def test_recase_gives_lower_cased_corpora_news_casing():
    sentence = TaggedSentence(("kepala", "kpk", "firli", "bahuri", "tiba", "di", "jakarta"),
                              ("O", "B-ORG", "B-PER", "I-PER", "O", "O", "B-LOC"))
    assert recase(sentence).tokens == ("Kepala", "KPK", "Firli", "Bahuri", "tiba", "di", "Jakarta")


def test_keep_only_marks_other_labels_unknown():
    sentence = TaggedSentence(("Jokowi", "ke", "Jepang"), ("B-PER", "O", "B-LOC"))
    assert keep_only(sentence, frozenset({"PER"})).tags == ("B-PER", "O", "")


def test_training_sentences_sharing_a_run_with_dev_are_dropped():
    dev = [TaggedSentence(tuple("a b c d e f g h i".split()), ("O",) * 9)]
    near_copy = TaggedSentence(tuple("x A b c d e f g h".split()), ("O",) * 9)
    other = TaggedSentence(tuple("a b c x d e f g h".split()), ("O",) * 9)
    assert drop_overlaps([near_copy, other], dev) == [other]


def test_clitics_are_projected_as_the_current_treebanks_split_them():
    lexicon = CliticLexicon(split=Counter({"rumahnya": 3}), whole=Counter({"hanya": 5}),
                            vocabulary={"rumah", "buku", "hanya"})
    sentence = ["# text = Rumahnya hanya bukunya", "1\tRumahnya\t_\tNOUN\t_\t_\t0\troot\t_\t_",
                "2\thanya\t_\tADV\t_\t_\t1\tadvmod\t_\t_", "3\tbukunya\t_\tNOUN\t_\t_\t1\tobj\t_\tSpaceAfter=No"]
    rows = [line.split("\t")[:2] for line in project_clitics(sentence, lexicon)[1:]]
    assert rows == [["1-2", "Rumahnya"], ["1", "Rumah"], ["2", "nya"], ["3", "hanya"],
                    ["4-5", "bukunya"], ["4", "buku"], ["5", "nya"]]
    heads = [line.split("\t")[6] for line in project_clitics(sentence, lexicon)[1:] if "-" not in line.split("\t")[0]]
    assert heads == ["0", "1", "1", "1", "4"]


def test_annotated_articles_become_tagged_sentences_without_furniture_or_misaligned_tags():
    from pipeline.ingest import make_document
    from pipeline.training.ner import tagged_sentences
    from pipeline.types import Sentence, Token, TokenizedDocument

    text = "Jokowi tiba di Prabowo-Gibran.\nBaca juga: KPK"
    words = [(0, 6), (7, 11), (12, 14), (15, 29), (29, 30), (31, 35), (36, 40), (40, 41), (42, 45)]
    tokens = [Token(a, b, text[a:b]) for a, b in words]
    document = TokenizedDocument(make_document("d", "test", text),
                                 (Sentence(0, 0, 30, tuple(tokens[:5])), Sentence(1, 31, 45, tuple(tokens[5:]))))
    mentions = [(0, 6, "PER", "PER:Joko Widodo"), (15, 22, "PER", "PER:Prabowo Subianto"),
                (23, 29, "PER", "PER:Gibran Rakabuming Raka"), (42, 45, "ORG", "ORG:KPK")]
    (sentence,) = tagged_sentences(document, mentions, furniture=[(31, 45)])
    assert sentence == TaggedSentence(("Jokowi", "tiba", "di", "Prabowo-Gibran", "."), ("B-PER", "O", "O", "", "O"))


@pytest.mark.slow
def test_the_news_training_articles_are_drawn_again_and_never_repeat_a_gold_article():
    """``select_training_articles`` reproduces ``newstrain.jsonl``'s articles; none of them is a
    gold article or shares an 8-word run with one (scrapes repeat stories), so the real-news gold
    set stays unseen; and the product's tokenizer cuts nearly every mention on token boundaries."""
    import json

    from pipeline.evaluate import NEWS_TRAIN, REALNEWS_GOLD, read_realnews_gold
    from pipeline.training.goldset import select_training_articles, word_runs
    from pipeline.training.ner import NerCorpora

    rawtext = ROOT.parent / "shared" / "corpora" / "rawtext"
    if not rawtext.is_dir():
        pytest.skip("../shared/corpora/rawtext is not beside the checkout")
    records = [json.loads(line) for line in NEWS_TRAIN.read_text(encoding="utf-8").splitlines()]
    drawn = [(p["article"], p["source"], p["index"], p["sha256"]) for p in select_training_articles(rawtext)]
    assert {(r["doc_id"], r["source"], r["index"], r["sha256"]) for r in records} == set(drawn)
    gold_runs = set().union(*(word_runs(g.text) for g in read_realnews_gold(REALNEWS_GOLD, rawtext)))
    assert not any(word_runs(t.text) & gold_runs for t in read_realnews_gold(NEWS_TRAIN, rawtext))
    sentences = NerCorpora(rawtext.parent / "ner", rawtext, ROOT / "models" / "tokenizer").news_train()
    tags = Counter(tag[:2] for s in sentences for tag in s.tags)
    assert tags["B-"] >= 0.97 * sum(len(r["mentions"]) for r in records)
    assert tags[""] < 0.01 * sum(tags.values())


@pytest.mark.slow
def test_the_wikipedia_gold_paragraphs_are_drawn_again_with_their_splits():
    """``select_encyclopaedic_paragraphs`` reproduces ``wikigold.jsonl``'s paragraphs and splits,
    and every annotated mention is the text it points at: whole words, no space at its edges."""
    import json

    from pipeline.evaluate import WIKI_GOLD, read_realnews_gold
    from pipeline.training.goldset import select_encyclopaedic_paragraphs

    rawtext = ROOT.parent / "shared" / "corpora" / "rawtext"
    if not rawtext.is_dir():
        pytest.skip("../shared/corpora/rawtext is not beside the checkout")
    records = [json.loads(line) for line in WIKI_GOLD.read_text(encoding="utf-8").splitlines()]
    drawn = [(p["article"], p["source"], p["index"], p["sha256"], p["split"])
             for p in select_encyclopaedic_paragraphs(rawtext)]
    assert [(r["doc_id"], r["source"], r["index"], r["sha256"], r["split"]) for r in records] == drawn
    for paragraph in read_realnews_gold(WIKI_GOLD, rawtext):
        for start, end, _, _ in paragraph.mentions:
            surface = paragraph.text[start:end]
            assert surface == surface.strip() and surface
            assert not (start and paragraph.text[start - 1].isalnum()) and not paragraph.text[end:end + 1].isalnum()


@pytest.mark.slow
def test_the_training_recipe_runs_end_to_end_on_a_tiny_corpus(tmp_path):
    """Both shipped configs load, the gazetteer marks tokens while training, and the trained
    pipeline is loaded the way the product loads it (a few steps only: a smoke test)."""
    import spacy
    from spacy.strings import hash_string

    from pipeline.gazetteer import write_casing
    from pipeline.recognize import load_recognizer
    from pipeline.training.ner import ADAPT_CONFIG, NerCorpora, train

    def conll(text: str) -> str:  # "Joko/B-PER tiba/O ..." per sentence -> CoNLL lines
        return "".join("".join(f"{item.replace('/', chr(9))}\n" for item in line.split()) + "\n"
                       for line in text.strip().splitlines())

    train_text = conll("Joko/B-PER Widodo/I-PER tiba/O di/O Jakarta/B-LOC\nKPK/B-ORG memeriksa/O Budi/B-PER")
    dev_text = conll("Ani/B-PER pergi/O ke/O Bandung/B-LOC")
    files = {"idner-news-2k/train.txt": train_text, "idner-news-2k/dev.txt": dev_text,
             "nergrit/valid_preprocess.txt": dev_text, "indobertweet-twitter-ner/dev.txt": dev_text}
    for name, text in files.items():
        (tmp_path / "ner" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "ner" / name).write_text(text, encoding="utf-8")
    (tmp_path / "gaz").mkdir()
    for name, text in {"person.txt": "Joko\n", "organization.txt": "KPK\n", "place.txt": "Jakarta\n"}.items():
        (tmp_path / "gaz" / name).write_text(text, encoding="utf-8")
    casing = tmp_path / "casing.npz"
    write_casing(casing, {hash_string("jakarta"): 0})
    best = train(NerCorpora(tmp_path / "ner"), ["idner"], [], tmp_path / "work", {
        "paths.gazetteer": str(tmp_path / "gaz"), "paths.vectors": str(ROOT / "models" / "vectors"),
        "paths.casing": str(casing), "training.max_steps": 4, "training.eval_frequency": 2})
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "spacy").symlink_to(best)
    nlp = load_recognizer(tmp_path / "model")
    assert nlp.pipe_names == ["gazetteer", "tok2vec", "ner"]
    assert [t.lemma_ for t in nlp("Joko ke Jakarta")] == ["PER:B", "", "LOC:B lc0"]
    assert nlp.vocab.vectors.shape == spacy.load(ROOT / "models" / "vectors").vocab.vectors.shape
    adapt = spacy.util.load_config(ADAPT_CONFIG)
    assert all(adapt["components"][name]["source"] for name in nlp.pipe_names)


def test_pretraining_text_leaves_the_gold_articles_out_and_splits_punctuation(tmp_path):
    import gzip
    import json

    from pipeline.training.pretrain import gold_articles, raw_documents, write_training_text

    source = tmp_path / "rawtext" / "news" / "outlet"
    source.mkdir(parents=True)
    with gzip.open(source / "text.txt.gz", "wt", encoding="utf-8") as f:
        f.write("Judul satu\nPrabowo-Gibran tiba (11/9/2019).\n\nArtikel emas\n\nJudul tiga, akhir.")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"source": "news/outlet", "index": 1}) + "\n", encoding="utf-8")
    left_out = gold_articles(gold)
    assert left_out == {("news/outlet", 1)}
    titles = [d.split("\n")[0] for d in raw_documents(tmp_path / "rawtext", left_out)]
    assert titles == ["Judul satu", "Judul tiga, akhir."]
    facts = write_training_text(tmp_path / "rawtext", left_out, tmp_path / "text.txt")
    assert (tmp_path / "text.txt").read_text(encoding="utf-8").splitlines() == [
        "Judul satu", "Prabowo-Gibran tiba ( 11/9/2019 ) .", "Judul tiga , akhir ."]
    assert (facts["documents"], facts["tokens"]) == (2, 13)
