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
