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
