from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def extractor():
    from pipeline.runner import Extractor

    return Extractor()


@pytest.fixture(scope="session")
def seed_tables(extractor):
    return extractor.run([SEEDS])


@pytest.fixture(scope="session")
def seed_run(extractor, tmp_path_factory):
    """The seed articles extracted as `entitas extract` does: the output folder."""
    from pipeline.ingest import read_documents

    out = tmp_path_factory.mktemp("seed-run")
    extractor.extract_to(read_documents([SEEDS]), out)
    return out


# Fixtures that load the shipped models or run a whole extraction: a test that uses one is slow.
MODEL_FIXTURES = {"extractor", "seed_tables", "seed_run"}


def pytest_collection_modifyitems(items):
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
