import spacy
from spacy.strings import hash_string
from spacy.tokens import Doc

from pipeline.gazetteer import GazetteerTagger, build_table, casing_codes, gazetteer_codes, read_lists

NAMES = {"PER": ["Joko Widodo", "Widodo"], "ORG": ["Partai Demokrat"], "LOC": ["Jakarta", "Jawa Barat", "Widodo"]}


def lookup(names=NAMES):
    return {label: frozenset(hashes.tolist()) for label, hashes in build_table(names).items()}


def test_longest_listed_name_per_label():
    words = "Presiden Joko Widodo dari Partai Demokrat tiba di Jawa Barat".split()
    codes = gazetteer_codes(words, lookup())
    assert codes == ["", "PER:B", "PER:I LOC:B", "", "ORG:B", "ORG:I", "", "", "LOC:B", "LOC:I"]


def test_a_word_in_two_lists_gets_both_codes_and_lower_case_words_are_not_looked_up():
    assert gazetteer_codes(["Widodo", "jakarta", "Jakarta"], lookup()) == ["PER:B LOC:B", "", "LOC:B"]


def test_the_component_writes_lemmas_and_keeps_only_hashes_on_disk(tmp_path):
    tagger = GazetteerTagger(spacy.blank("id"))
    tagger.set_table(build_table(NAMES))
    tagger.to_disk(tmp_path)
    assert b"Widodo" not in (tmp_path / GazetteerTagger.FILE).read_bytes()
    loaded = GazetteerTagger(spacy.blank("id")).from_disk(tmp_path)
    doc = loaded(Doc(spacy.blank("id").vocab, words=["Joko", "Widodo", "ke", "Jakarta"]))
    assert [t.lemma_ for t in doc] == ["PER:B", "PER:I LOC:B", "", "LOC:B"]


def test_lists_skip_undecodable_lines(tmp_path):
    for name in ("person.txt", "organization.txt", "place.txt"):
        (tmp_path / name).write_bytes(b"Fu\xdfball Club\nBandung\n")
    assert read_lists([tmp_path])["LOC"] == ["Bandung"]


def test_capitalised_words_get_their_casing_bucket_beside_the_gazetteer_code(tmp_path):
    from pipeline.training.pretrain import casing_buckets, casing_counts

    lines = ["Ia bilang jaminan itu perlu .", "Dana Jaminan Sosial naik .", "Kata jaminan lagi .",
             "Kata Widodo tadi ."] * 5
    buckets = casing_buckets(*casing_counts(lines))
    assert buckets == {"bilang": 3, "jaminan": 2, "itu": 3, "perlu": 3, "sosial": 0, "naik": 3, "lagi": 3,
                       "widodo": 0, "tadi": 3}  # "Ia", "Dana", "Kata" open their line: case not free
    tagger = GazetteerTagger(spacy.blank("id"))
    tagger.set_table(build_table(NAMES))
    tagger.casing = {hash_string(word): bucket for word, bucket in buckets.items()}
    tagger.to_disk(tmp_path)
    assert b"jaminan" not in (tmp_path / GazetteerTagger.CASING_FILE).read_bytes()
    loaded = GazetteerTagger(spacy.blank("id")).from_disk(tmp_path)
    doc = loaded(Doc(spacy.blank("id").vocab, words=["Jaminan", "Widodo", "jaminan", "Tadi", "Kemarin"]))
    assert [t.lemma_ for t in doc] == ["lc2", "PER:B LOC:B lc0", "", "lc3", ""]
    assert casing_codes(["Jaminan", "jaminan"], loaded.casing) == ["lc2", ""]
