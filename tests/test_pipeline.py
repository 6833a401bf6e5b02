"""End to end on the seed articles, with the shipped models."""

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


def test_organisations_and_places(seed_tables):
    assert entity_of(seed_tables, "IRGC").label == "ORG"
    assert entity_of(seed_tables, "Hamas").label == "ORG"
    assert entity_of(seed_tables, "Tehran").label == "LOC"


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
    doc = (SEEDS / "000_af1b1b0c55fc2eaf.txt").read_text(encoding="utf-8")
    for row in teaser.itertuples():
        line_start = doc.rfind("\n", 0, row.start_char) + 1
        assert doc[line_start:].startswith("Baca Juga")
