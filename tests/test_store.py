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
