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
