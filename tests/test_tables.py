import pandas as pd

from pipeline.tables import SCHEMAS, Tables, frame, schema_markdown, write_tables
from tests.conftest import ROOT


def test_readme_documents_every_column():
    assert schema_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_written_tables_match_the_schema(seed_tables, tmp_path):
    write_tables(seed_tables, tmp_path)
    for name, schema in SCHEMAS.items():
        written = pd.read_csv(tmp_path / f"{name}.csv", keep_default_na=False)
        assert list(written.columns) == [column for column, _, _ in schema]
        assert not list(tmp_path.glob("*.tmp"))


def test_tables_are_sorted_and_deterministic(extractor, seed_tables, tmp_path):
    from tests.conftest import SEEDS

    write_tables(seed_tables, tmp_path / "a")
    write_tables(extractor.run([SEEDS]), tmp_path / "b")
    for name in SCHEMAS:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (tmp_path / "b" / f"{name}.csv").read_bytes()
    mentions = seed_tables.mentions
    assert mentions.equals(mentions.sort_values(["doc_id", "start_char", "end_char"]).reset_index(drop=True))


def test_cooccurrence_pairs_share_a_sentence(seed_tables):
    co = seed_tables.cooccurrence
    assert len(co) > 0
    assert (co["entity_a"] < co["entity_b"]).all()
    mentions = seed_tables.mentions
    for row in co.head(20).itertuples():
        in_a = set(mentions.loc[mentions["entity_id"] == row.entity_a, ["doc_id", "sentence"]].itertuples(index=False))
        in_b = set(mentions.loc[mentions["entity_id"] == row.entity_b, ["doc_id", "sentence"]].itertuples(index=False))
        assert len(in_a & in_b) == row.sentences
        assert row.example_sentence


def test_formats_keep_the_same_rows(seed_tables, tmp_path):
    write_tables(seed_tables, tmp_path / "p", "parquet")
    write_tables(seed_tables, tmp_path / "j", "jsonl")
    for name, df in seed_tables.items():
        parquet = pd.read_parquet(tmp_path / "p" / f"{name}.parquet")
        assert parquet.dtypes.to_dict() == df.dtypes.to_dict()
        assert parquet.equals(df)
        jsonl = pd.read_json(tmp_path / "j" / f"{name}.jsonl", lines=True, dtype=False)
        assert len(jsonl) == len(df)
        if len(df):  # a JSON-lines file without rows has no columns to compare (the seeds give no candidates)
            assert list(jsonl.columns) == list(df.columns)


def test_csv_cells_that_look_like_formulas_are_neutralised(tmp_path):
    from pipeline.tables import neutralise_formulas

    df = pd.DataFrame({"text": ["=HYPERLINK(\"x\")", "+62 812", "-", "@user", "Jakarta"], "n": [1, 2, 3, 4, 5]})
    df = df.astype({"text": "string"})
    safe = neutralise_formulas(df)
    assert list(safe["text"]) == ["'=HYPERLINK(\"x\")", "'+62 812", "'-", "'@user", "Jakarta"]
    assert list(safe["n"]) == [1, 2, 3, 4, 5]


def test_mentions_carry_their_sentence(seed_tables):
    for row in seed_tables.mentions.itertuples():
        assert row.text in row.sentence_text


def test_streamed_tables_equal_the_in_memory_ones_in_every_format(extractor, seed_tables, tmp_path, monkeypatch):
    """``extract_to`` writes from the run's SQLite store in chunks (here of 7 rows): the files
    must hold exactly what the in-memory tables hold, and the store must be gone afterwards."""
    from pipeline.files import RUN_PREFIX
    from pipeline.ingest import read_documents
    from pipeline.store import TableStore
    from tests.conftest import SEEDS

    monkeypatch.setattr(TableStore, "CHUNK", 7)
    for fmt in ("csv", "jsonl", "parquet"):
        summary = extractor.extract_to(read_documents([SEEDS]), tmp_path / "streamed" / fmt, fmt)
        write_tables(seed_tables, tmp_path / "whole" / fmt, fmt)
        assert summary.mentions == len(seed_tables.mentions) and summary.documents == 2
        for name in SCHEMAS:
            streamed = (tmp_path / "streamed" / fmt / f"{name}.{fmt}").read_bytes()
            whole = (tmp_path / "whole" / fmt / f"{name}.{fmt}").read_bytes()
            if fmt == "parquet":  # row groups differ; the rows and types must not
                streamed_df = pd.read_parquet(tmp_path / "streamed" / fmt / f"{name}.parquet")
                assert streamed_df.equals(getattr(seed_tables, name)), name
            else:
                assert streamed == whole, (fmt, name)
        assert not list((tmp_path / "streamed" / fmt).glob(f"{RUN_PREFIX}*"))
        assert not list((tmp_path / "streamed" / fmt).glob(".*.tmp"))


def test_an_empty_run_writes_tables_with_headers(extractor, tmp_path):
    from pipeline.ingest import make_document

    for fmt in ("csv", "parquet"):
        extractor.extract_to([make_document("kosong", "mem", "   ")], tmp_path, fmt)
        read = pd.read_csv if fmt == "csv" else pd.read_parquet
        mentions = read(tmp_path / f"mentions.{fmt}")
        assert mentions.empty and list(mentions.columns) == [c for c, _, _ in SCHEMAS["mentions"]]
    assert len(pd.read_parquet(tmp_path / "documents.parquet")) == 1


def test_sqlite_holds_every_table_typed_keyed_and_searchable(tmp_path):
    import sqlite3

    from pipeline.report import read_tables
    from pipeline.store import TableStore
    from pipeline.tables import FOREIGN_KEYS, SQLITE_FILE
    from tests.test_store import fill

    with TableStore() as store:
        fill(store)
        expected = store.tables()
        assert write_tables(store, tmp_path, "sqlite") == [tmp_path / SQLITE_FILE]
    db = sqlite3.connect(tmp_path / SQLITE_FILE)
    types = {"string": "TEXT", "int64": "INTEGER", "float64": "REAL"}
    for name, schema in SCHEMAS.items():
        columns = db.execute(f"PRAGMA table_info({name})").fetchall()
        assert [(c[1], c[2]) for c in columns] == [(column, types[dtype]) for column, dtype, _ in schema]
        keys = {(k[3], k[2], k[4]) for k in db.execute(f"PRAGMA foreign_key_list({name})")}
        assert keys == {(column, target, {"documents": "doc_id", "entities": "entity_id"}[target])
                        for column, target in FOREIGN_KEYS.get(name, [])}
        indexes = db.execute(f"PRAGMA index_list({name})").fetchall()
        indexed = {db.execute(f"PRAGMA index_info({i[1]})").fetchone()[2] for i in indexes}
        assert {column for column, _ in FOREIGN_KEYS.get(name, [])} <= indexed
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    found = db.execute("SELECT m.text FROM mentions_fts JOIN mentions m ON m.rowid = mentions_fts.rowid "
                       "WHERE mentions_fts MATCH 'bertemu'").fetchall()
    assert sorted(found) == [("Hamas",), ("Joko Widodo",), ("Tehran",)]  # Di Tehran, Joko Widodo bertemu Hamas.
    db.close()
    for name, df in read_tables(tmp_path).items():
        assert df.equals(getattr(expected, name)), name


def test_readme_lists_the_sqlite_keys():
    from pipeline.tables import keys_markdown

    assert keys_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")
def test_a_bare_carriage_return_is_quoted_so_every_cell_reads_back_whole(tmp_path):
    """A CR inside a cell (article text, a record id, a file name) must not split the row: the
    rest of the cell would start a cell of its own, an unneutralised "=cmd|..."."""
    import csv


    hostile = "Joko\r=cmd|' /C calc'!A0\r@SUM(1)"
    rows = [{"doc_id": hostile, "source": "-2+3", "characters": 1, "sentences": 0, "tokens": 0, "mentions": 0,
             "status": "ok", "error": "x\r+y"}]
    empty = {name: frame(name, []) for name in SCHEMAS if name != "documents"}
    write_tables(Tables(**empty, documents=frame("documents", rows)), tmp_path)
    with (tmp_path / "documents.csv").open(encoding="utf-8", newline="") as f:
        read = list(csv.reader(f))
    assert read[1][:2] == [hostile, "'-2+3"] and read[1][-1] == "x\r+y" and len(read) == 2
    assert pd.read_csv(tmp_path / "documents.csv", keep_default_na=False).at[0, "doc_id"] == hostile


def test_metadata_dates_first_and_last_seen_and_document_entities(extractor, tmp_path):
    """A JSONL with title, date, url and section and an HTML page: their fields become columns of
    documents, their dates give the entities' first and last days, and document_entities is
    the per-document count of every entity, in every format."""
    from pipeline.ingest import read_documents

    data = ROOT / "tests" / "data" / "metadata"
    tables = extractor.run_documents(list(read_documents([data / "berita.jsonl", data / "berita.html"])))
    docs = tables.documents.set_index("doc_id")
    assert list(tables.documents.columns) == [c for c, _, _ in SCHEMAS["documents"]] + [
        "title", "url", "section", "tags", "author", "sitename"]
    assert docs.loc["a1", "title"] == "Jokowi di Bandung" and docs.loc["a1", "section"] == "politik"
    assert docs.loc["a1", "date"] == "2024-01-17T10:15:00+07:00" and docs.loc["berita", "date"] == "2024-01-17"
    assert docs.loc["a1", "author"] == "" and docs.loc["berita", "section"] == ""  # a field a document lacks

    entities = tables.entities.set_index("canonical")
    assert tuple(entities.loc["Joko Widodo", ["first_seen", "last_seen"]]) == ("2024-01-17", "2024-01-20")
    assert tuple(entities.loc["Perry Warjiyo", ["first_seen", "last_seen"]]) == ("2024-01-17", "2024-01-17")

    per_doc = tables.document_entities
    mentions = tables.mentions
    counted = mentions.groupby(["doc_id", "entity_id"]).agg(n=("text", "size"), first=("start_char", "min"))
    assert len(per_doc) == len(counted)
    for row in per_doc.itertuples():
        assert (row.mentions, row.first_start_char) == tuple(counted.loc[(row.doc_id, row.entity_id)])
        assert row.date == docs.loc[row.doc_id, "date"]
    jokowi = per_doc[(per_doc["doc_id"] == "a2") & (per_doc["canonical"] == "Joko Widodo")]
    assert list(jokowi["mentions"]) == [2] and list(jokowi["label"]) == ["PER"]

    for fmt in ("csv", "parquet", "jsonl"):
        write_tables(tables, tmp_path / fmt, fmt)
    assert pd.read_parquet(tmp_path / "parquet" / "documents.parquet").equals(tables.documents)
    written = pd.read_csv(tmp_path / "csv" / "documents.csv", keep_default_na=False)
    assert list(written.columns) == list(tables.documents.columns)


def test_a_metadata_field_named_like_a_documents_column_keeps_its_value():
    """A record's own ``source`` or ``status`` field must not overwrite the tool's column."""
    from dataclasses import replace

    from pipeline.link import link_document
    from pipeline.store import TableStore
    from tests.test_link import processed

    document = processed("a", "Presiden Joko Widodo tiba.", [("Joko Widodo", "PER")])
    document = replace(document, document=replace(document.document, date="2024-01-17",
                                                  metadata=(("source", "Antara"), ("title", "Tiba"))))
    with TableStore() as store:
        store.add(document, link_document(document))
        [row] = store.tables().documents.to_dict("records")
    assert (row["source"], row["input_source"], row["title"], row["date"]) == ("mem", "Antara", "Tiba", "2024-01-17")
