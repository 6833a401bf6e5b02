"""Training-data preparation, on small inputs written here (the corpora are not needed)."""

from collections import Counter

from pipeline.corpora import TaggedSentence
from pipeline.training.ner import drop_overlaps, keep_only, recase
from pipeline.training.tokenizer import CliticLexicon, project_clitics


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
