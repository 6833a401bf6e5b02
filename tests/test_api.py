from pathlib import Path

import pytest

from tests.conftest import SEEDS

pytestmark = pytest.mark.slow  # every test here runs the shipped models


def test_extract_texts_and_paths_together():
    from pipeline import Pipeline

    pipe = Pipeline()
    tables = pipe.extract(["Presiden Joko Widodo tiba di Jakarta, Senin.", SEEDS])
    assert sorted(tables.documents["doc_id"])[-1] == "text-0001"
    assert len(tables.documents) == 3
    joko = tables.mentions[tables.mentions["doc_id"] == "text-0001"]
    assert ("Joko Widodo", "PER") in set(zip(joko["text"], joko["label"], strict=True))
    again = pipe.extract([Path(SEEDS)])
    assert len(again.documents) == 2


def test_batches_are_bounded_by_characters_not_only_by_documents():
    from pipeline.ingest import make_document
    from pipeline.runner import batches

    documents = [make_document(f"d{i}", "mem", "x" * size) for i, size in enumerate([400, 400, 400, 1500, 10, 10])]
    sizes = [[len(d.text) for d in batch] for batch in batches(documents, size=32, max_chars=1000)]
    assert sizes == [[400, 400], [400], [1500], [10, 10]]
    assert [len(b) for b in batches(documents, size=2, max_chars=10_000)] == [2, 2, 2]
