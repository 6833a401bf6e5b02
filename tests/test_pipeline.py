"""End to end on the seed articles, with the shipped models."""

import logging
import math
import os

import pytest

from pipeline.errors import EngineError
from tests.conftest import SEEDS


def entity_of(tables, text, label=None, column="text"):
    rows = tables.mentions[tables.mentions[column] == text]
    if label:
        rows = rows[rows["label"] == label]
    assert len(rows), f"no mention {text!r}"
    ids = set(rows["entity_id"])
    assert len(ids) == 1, f"{text!r} split over {ids}"
    return tables.entities.set_index("entity_id").loc[ids.pop()]


def test_salami_is_one_person(seed_tables):
    full = entity_of(seed_tables, "Hossein Salami", "PER", column="name")
    short = entity_of(seed_tables, "Salami", "PER")
    assert full.name == short.name
    assert full.canonical == "Hossein Salami"


def entity_named(tables, alias, label=None):
    """The one entity (of this label) that has this name or alias."""
    ids = set(tables.aliases.loc[tables.aliases["alias"] == alias, "entity_id"])
    if label:
        ids &= set(tables.entities.loc[tables.entities["label"] == label, "entity_id"])
    assert len(ids) == 1, f"{alias!r}: {ids}"
    return tables.entities.set_index("entity_id").loc[ids.pop()]


def test_organisations_and_places(seed_tables):
    irgc = entity_named(seed_tables, "IRGC")
    assert irgc.label == "ORG"
    assert "Revolusi Islam" in irgc.canonical  # the long form written before (IRGC)
    assert entity_named(seed_tables, "Hamas").label == "ORG"
    assert entity_named(seed_tables, "Tehran").label == "LOC"


def test_offsets_point_into_the_source_files(seed_tables):
    texts = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    for row in seed_tables.mentions.itertuples():
        assert texts[row.doc_id][row.start_char:row.end_char] == row.text


def test_documents_table(seed_tables):
    docs = seed_tables.documents.set_index("doc_id")
    assert sorted(docs.index) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert (docs["status"] == "ok").all()
    assert (docs["sentences"] > 10).all() and (docs["tokens"] > 300).all()
    counts = seed_tables.mentions.groupby("doc_id").size()
    assert (docs["mentions"] == counts.reindex(docs.index)).all()


def test_boilerplate_mentions_are_marked(seed_tables):
    teaser = seed_tables.mentions[seed_tables.mentions["zone"] == "boilerplate"]
    assert len(teaser) > 0
    texts = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    for row in teaser.itertuples():
        doc = texts[row.doc_id]
        line = doc[doc.rfind("\n", 0, row.start_char) + 1:].split("\n")[0]
        assert line.startswith("Baca Juga"), line  # adverts and embeds are not read at all
    assert not seed_tables.mentions["text"].isin(["IKLAN", "GULIR UNTUK MELANJUTKAN KONTEN"]).any()
    body = seed_tables.mentions[seed_tables.mentions["zone"] == "body"]
    assert "Hamas" in set(body["text"])


def test_confidences_come_with_the_models_own_entities(extractor):
    """The step-by-step parse that scores each move finds exactly what spaCy's NER finds."""
    from spacy.tokens import Doc

    from pipeline.recognize import parse_with_confidence

    nlp = extractor.ner
    sentences = [line.split() for line in (SEEDS / "000_af1b1b0c55fc2eaf.txt").read_text(encoding="utf-8").splitlines()]
    scored = parse_with_confidence(nlp, [Doc(nlp.vocab, words=words) for words in sentences])
    plain = nlp.pipe(Doc(nlp.vocab, words=words) for words in sentences)
    for entities, doc in zip(scored, plain, strict=True):
        assert [(s, e, label) for s, e, label, _ in entities] == [(x.start, x.end, x.label_) for x in doc.ents]
        assert all(0.0 < p <= 1.0 for *_, p in entities)
    assert len({round(p, 2) for ents in scored for *_, p in ents}) > 3  # not a constant


def test_the_seed_articles_people_under_their_fullest_names(seed_tables):
    for short, full in [("Qaani", "Esmail Qaani"), ("Soleimani", "Qassem Soleimani"), ("Haniyeh", "Ismail Haniyeh")]:
        assert entity_named(seed_tables, short, "PER").canonical == full
    # The model reads both short "Nakhalah"s of the first article as a place. A rule that gave
    # them to the person "Ziyad al-Nakhalah" fixed them but nothing on the real-news dev set, where
    # it made one error (models/README.md), so it is not used.
    assert entity_named(seed_tables, "Ziyad al-Nakhalah", "PER").mentions >= 1
    qaani = seed_tables.mentions[seed_tables.mentions["name"] == "Esmail Qaani"]
    assert list(qaani["role"]) == ["Pemimpin Pasukan Quds Iran"]  # split off the organisation span
    assert entity_named(seed_tables, "Pasukan Quds Iran").label == "ORG"


def test_the_seed_articles_countries_and_places(seed_tables):
    for name in ("Iran", "Palestina", "Israel"):
        place = entity_named(seed_tables, name)
        assert (place.label, place.documents) == ("LOC", 2)
    assert entity_named(seed_tables, "Teheran").name == entity_named(seed_tables, "Tehran").name
    assert entity_named(seed_tables, "Sheikh Jarrah").label == "LOC"  # "kota Sheikh Jarrah"
    assert entity_named(seed_tables, "Jihad Islam").label == "ORG"  # "Hamas dan Jihad Islam"
    assert "Zionis" not in set(seed_tables.aliases["alias"])


def _paragraph_documents():
    """The seed articles cut into paragraphs: enough documents for several batches."""
    from pipeline.ingest import read_documents
    from pipeline.types import Document

    return [Document(doc_id=f"{d.doc_id}#{i}", source=d.source, text=paragraph)
            for d in read_documents([SEEDS]) for i, paragraph in enumerate(d.text.split("\n")) if paragraph.strip()]


@pytest.mark.parametrize("ahead", [100, 0], ids=["tokenizer-process", "this-process-too"])
def test_several_batches_are_tokenized_in_a_forked_process_with_the_same_results(extractor, caplog, monkeypatch,
                                                                                   ahead):
    """Every batch goes to the tokenizer process (100 may wait there), or this process tokenizes
    each one itself (none may wait): the same results either way, in order."""
    from pipeline import runner

    monkeypatch.setattr(runner, "TOKENIZE_AHEAD", ahead)
    monkeypatch.setattr(runner, "MAX_PENDING", ahead + 2)
    documents = _paragraph_documents()
    assert len(documents) > 4
    batched = runner.Extractor(batch_size=2)
    with caplog.at_level(logging.INFO, logger="pipeline.runner"):
        processed = list(batched.process(documents))
    assert ("tokenizing in a second process" in caplog.text) == runner.can_fork_tokenizer()
    n_batches = math.ceil(len(documents) / 2)
    shared = f"{n_batches} of {n_batches} batches tokenized in this process" in caplog.text
    assert shared == (ahead == 0 and runner.can_fork_tokenizer())
    assert processed == extractor.compute(documents)
    assert batched.timer.seconds["tokenize"] > 0


@pytest.mark.slow
def test_one_batch_loads_the_tokenizer_in_its_thread_while_this_one_loads_the_recogniser(monkeypatch):
    """The two loads overlap: the one-article start-up pays for the longer, not for both."""
    import threading

    from pipeline import runner
    from pipeline.ingest import read_documents

    loaded_in: dict[str, str] = {}
    load = runner.Extractor._load

    def spy(self, name, loader, folder):
        loaded_in.setdefault(name, threading.current_thread().name)
        return load(self, name, loader, folder)

    monkeypatch.setattr(runner.Extractor, "_load", spy)
    list(runner.Extractor().process(read_documents([sorted(SEEDS.glob("*.txt"))[0]])))
    assert loaded_in["_stanza"].startswith("tokenize") and loaded_in["_ner"] == "MainThread"


def _die(documents):
    os._exit(1)


@pytest.mark.slow
def test_a_tokenizer_process_that_dies_is_one_clear_error(monkeypatch):
    from pipeline import runner

    if not runner.can_fork_tokenizer():
        pytest.skip("the tokenizer is forked on Linux only")
    monkeypatch.setattr(runner, "_tokenize_inherited", _die)  # in the tokenizer process only
    with pytest.raises(EngineError, match="tokenizer process died"):
        list(runner.Extractor(batch_size=1).process(_paragraph_documents()))
