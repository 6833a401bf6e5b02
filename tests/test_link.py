from pipeline.ingest import make_document
from pipeline.link import is_variant, link, split_role
from pipeline.types import Mention, TokenizedDocument


def mentions_in(doc_id, text, spans):
    """Mentions for (surface, label) pairs, each found after the previous one."""
    found, position = [], 0
    for surface, label in spans:
        start = text.index(surface, position)
        found.append(Mention(doc_id, 0, start, start + len(surface), surface, label))
        position = start + 1
    return found


def run_link(docs):
    tokenized = [TokenizedDocument(make_document(doc_id, "mem", text), ()) for doc_id, text, _ in docs]
    mentions = [mentions_in(doc_id, text, spans) for doc_id, text, spans in docs]
    linked, entities = link(tokenized, mentions)
    return {(lm.mention.doc_id, lm.mention.text): lm for lm in linked}, {e.entity_id: e for e in entities}


TEXT = ("Komandan Korps Pengawal Revolusi Islam (IRGC) Iran, Mayjen Hossein Salami berbicara. "
        "Salami menelepon Ismail Haniyeh. Haniyeh berterima kasih. IRGC mendukung Hamas.")
SPANS = [("Korps Pengawal Revolusi Islam (IRGC)", "ORG"), ("Iran", "LOC"), ("Mayjen Hossein Salami", "PER"),
         ("Salami", "PER"), ("Ismail Haniyeh", "PER"), ("Haniyeh", "PER"), ("IRGC", "ORG"), ("Hamas", "ORG")]


def test_titles_surnames_and_acronyms_link_within_a_document():
    linked, entities = run_link([("d1", TEXT, SPANS)])
    salami = linked[("d1", "Mayjen Hossein Salami")]
    assert salami.role == "Mayjen" and salami.name == "Hossein Salami"
    assert linked[("d1", "Salami")].entity_id == salami.entity_id
    assert linked[("d1", "Salami")].rule == "short-name"
    assert linked[("d1", "Haniyeh")].entity_id == linked[("d1", "Ismail Haniyeh")].entity_id
    irgc = linked[("d1", "IRGC")]
    assert irgc.entity_id == linked[("d1", "Korps Pengawal Revolusi Islam (IRGC)")].entity_id
    assert irgc.rule == "acronym"
    assert entities[irgc.entity_id].canonical == "Korps Pengawal Revolusi Islam"
    assert "IRGC" in entities[irgc.entity_id].aliases
    assert entities[salami.entity_id].canonical == "Hossein Salami"


def test_a_surname_shared_by_two_full_names_is_not_forced():
    text = "Joko Widodo dan Iriana Widodo hadir. Widodo tersenyum."
    linked, _ = run_link([("d", text, [("Joko Widodo", "PER"), ("Iriana Widodo", "PER"), ("Widodo", "PER")])])
    assert linked[("d", "Widodo")].entity_id not in {
        linked[("d", "Joko Widodo")].entity_id, linked[("d", "Iriana Widodo")].entity_id}


def test_same_name_across_documents_has_one_stable_id():
    docs = [("a", "Teheran menolak.", [("Teheran", "LOC")]), ("b", "Di Teheran.", [("Teheran", "LOC")])]
    first, _ = run_link(docs)
    again, _ = run_link(docs)
    assert first[("a", "Teheran")].entity_id == first[("b", "Teheran")].entity_id
    assert first[("a", "Teheran")].entity_id == again[("a", "Teheran")].entity_id


def test_labels_keep_entities_apart():
    text = "Gaza diserang. Gaza menolak."
    tokenized = [TokenizedDocument(make_document("d", "mem", text), ())]
    linked, entities = link(tokenized, [mentions_in("d", text, [("Gaza", "LOC"), ("Gaza", "ORG")])])
    assert linked[0].entity_id != linked[1].entity_id
    assert sorted(e.label for e in entities) == ["LOC", "ORG"]


def test_spelling_variants_and_roles():
    assert is_variant("teheran", "tehran")
    assert not is_variant("ismail", "esmail")
    assert split_role(["Presiden", "Joko", "Widodo"]) == (["Presiden"], ["Joko", "Widodo"])
    assert split_role(["Presiden"]) == ([], ["Presiden"])
