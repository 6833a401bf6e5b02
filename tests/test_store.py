"""The run's store: documents in, clusters out to the linker, entities in, tables back."""

from pipeline.link import NO_STEERING, EntityIndex, LinkSettings, link_document
from pipeline.store import TableStore
from tests.test_link import processed

DOCS = [
    ("a", "Presiden Joko Widodo tiba di Teheran. Jokowi tersenyum.", [("Joko Widodo", "PER"), ("Teheran", "LOC")]),
    ("b", "Di Tehran, Joko Widodo bertemu Hamas.", [("Tehran", "LOC"), ("Joko Widodo", "PER"), ("Hamas", "ORG")]),
    ("c", "   ", []),
]


def fill(store: TableStore, settings: LinkSettings = NO_STEERING) -> None:
    for doc_id, text, spans in DOCS:
        document = processed(doc_id, text, spans)
        store.add(document, link_document(document, settings))
    store.set_entities(EntityIndex(store.clusters, settings))


def test_the_store_gives_back_what_it_was_given():
    with TableStore() as store:
        fill(store)
        tables = store.tables()
        assert store.counts() == {"documents": 3, "not_processed": 1, "mentions": 5, "entities": 3}
        clusters = list(store.clusters())
        assert [node for node, _ in clusters] == [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2)]
        assert clusters[1][1].label == "LOC" and "teheran" in clusters[1][1].keys
        texts = list(store.texts())
    assert list(tables.documents["status"]) == ["ok", "ok", "empty"]
    assert list(tables.documents["mentions"]) == [2, 3, 0]
    widodo = tables.mentions[tables.mentions["text"] == "Joko Widodo"]
    assert widodo["entity_id"].nunique() == 1 and set(widodo["doc_id"]) == {"a", "b"}
    assert tables.entities.set_index("canonical").loc["Joko Widodo", "documents"] == 2
    assert tables.entities["canonical"].isin(["Teheran", "Tehran"]).sum() == 1  # one place, two spellings
    assert [t["doc_id"] for t in texts] == ["a", "b"] and texts[0]["text"] == DOCS[0][1]


def test_a_file_store_is_removed_when_closed(tmp_path):
    path = tmp_path / "work.sqlite"
    with TableStore(path) as store:
        fill(store)
        assert path.exists() and store.counts()["entities"] == 3
    assert not path.exists()


def test_tables_come_in_chunks(monkeypatch):
    monkeypatch.setattr(TableStore, "CHUNK", 2)
    with TableStore() as store:
        fill(store)
        sizes = [len(chunk) for chunk in store.chunks("mentions")]
        store.db.execute("DELETE FROM mention")
        empty = list(store.chunks("mentions"))
    assert sizes == [2, 2, 1]
    assert len(empty) == 1 and empty[0].empty and list(empty[0].columns)[:2] == ["doc_id", "sentence"]


def test_boilerplate_mentions_make_no_entity_row_unless_kept():
    from dataclasses import replace

    from pipeline.link import link_document
    from tests.test_link import processed as make

    text = "Hamas menolak.\nBaca Juga: Fatah dan Hamas bertemu"
    doc = make("d", text, [("Hamas", "ORG"), ("Fatah", "ORG"), ("Hamas", "ORG")])
    teaser = text.index("Baca")
    doc = replace(doc, mentions=tuple(replace(m, zone="boilerplate") if m.start > teaser else m
                                      for m in doc.mentions))
    for keep, names in ((False, {"Hamas"}), (True, {"Hamas", "Fatah"})):
        with TableStore(keep_boilerplate=keep) as store:
            store.add(doc, link_document(doc))
            store.set_entities(EntityIndex(store.clusters))
            tables = store.tables()
        assert set(tables.entities["canonical"]) == names
        assert len(tables.mentions) == 3  # every mention stays, with its zone
        fatah = tables.mentions[tables.mentions["text"] == "Fatah"].iloc[0]
        assert (fatah["entity_id"] == "") is not keep
        assert tables.cooccurrence.empty is not keep


def test_a_line_that_many_documents_repeat_is_boilerplate():
    from pipeline.link import link_document
    from tests.test_link import processed as make

    with TableStore() as store:
        for i in range(6):
            text = f"Berita {i} dari Bandung.\nIkuti kanal WhatsApp Kompas untuk berita terkini"
            doc = make(f"d{i}", text, [("Bandung", "LOC"), ("Kompas", "ORG")])
            store.add(doc, link_document(doc))
        assert store.mark_repeated_lines(5) == 6
        store.set_entities(EntityIndex(store.clusters))
        tables = store.tables()
    assert set(tables.entities["canonical"]) == {"Bandung"}
    assert set(tables.mentions.loc[tables.mentions["text"] == "Kompas", "zone"]) == {"boilerplate"}
