"""The Dask engine gives the same tables as a local run."""

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow  # every test here runs the shipped models


def test_dask_engine_matches_the_local_run(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for p in SEEDS.glob("*.txt"):
        (corpus / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    for i in range(10):
        (corpus / f"gen-{i:02d}.txt").write_text(
            f"Gubernur Jawa Barat Ridwan Kamil meninjau Bekasi, hari ke-{i}.\n" + seeds[i % 2][: 400 * (i + 1)],
            encoding="utf-8")
    runner = CliRunner()
    local = runner.invoke(cli, ["extract", str(corpus), "--out", str(tmp_path / "local"), "--no-cache"])
    assert local.exit_code == 0, local.output
    dask = runner.invoke(cli, ["extract", str(corpus), "--out", str(tmp_path / "dask"), "--no-cache",
                               "--engine", "dask", "--workers", "2", "--batch-size", "3"])
    assert dask.exit_code == 0, dask.output
    assert "distributed" not in dask.output  # Dask's own logs only with -v
    for table in ("mentions", "entities", "aliases", "cooccurrence", "documents", "document_entities"):
        assert (tmp_path / "local" / f"{table}.csv").read_bytes() == (tmp_path / "dask" / f"{table}.csv").read_bytes()


def test_dead_workers_are_one_clear_error():
    """A batch whose workers died (out of memory) is the project's EngineError, not a traceback."""
    from distributed import KilledWorker

    from pipeline.errors import EngineError
    from pipeline.runner import DaskExtractor

    class DeadFuture:
        def result(self):
            from types import SimpleNamespace

            raise KilledWorker("task-1", SimpleNamespace(address="tcp://127.0.0.1:1"), 3)

    engine = DaskExtractor.__new__(DaskExtractor)  # no cluster needed to finish a batch
    engine.cache = None
    with pytest.raises(EngineError, match="Dask workers died"):
        engine._finish([None], DeadFuture())


def test_dask_logs_follow_the_verbosity():
    import logging
    import os

    from pipeline.runner import quiet_dask_logs

    pipeline_logger = logging.getLogger("pipeline")
    before = pipeline_logger.level
    try:
        for level, expected in ((logging.ERROR, logging.ERROR), (logging.INFO, logging.INFO)):
            pipeline_logger.setLevel(level)
            quiet_dask_logs()
            assert logging.getLogger("distributed.scheduler").level == expected
            assert os.environ["DASK_LOGGING__DISTRIBUTED"] == logging.getLevelName(expected).lower()
    finally:
        pipeline_logger.setLevel(before)
