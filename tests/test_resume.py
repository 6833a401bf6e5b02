"""A re-run reuses the cache; a run killed with SIGKILL, started again, gives the same tables."""

import os
import signal
import subprocess
import sys
import time

import psutil  # with the Dask extra of the dev install
import pytest

from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow  # every test here runs the shipped models


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for i in range(48):
        (folder / f"doc-{i:03d}.txt").write_text(f"Berita nomor {i}.\n" + seeds[i % 2], encoding="utf-8")
    return folder


def extract(corpus, out, *extra):
    return [sys.executable, "-m", "pipeline", "-q", "extract", str(corpus), "--out", str(out), "--batch-size", "8",
            *extra]


def tables_bytes(out):
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))}


def test_killed_run_resumes_to_the_same_tables(corpus, tmp_path):
    whole = tmp_path / "whole"
    subprocess.run(extract(corpus, whole), check=True, cwd=ROOT, timeout=600)

    resumed = tmp_path / "resumed"
    run = subprocess.Popen(extract(corpus, resumed), cwd=ROOT)
    deadline = time.time() + 300
    while len(list((resumed / ".cache").rglob("*.json"))) < 8 and time.time() < deadline and run.poll() is None:
        time.sleep(0.2)
    assert run.poll() is None, "the run finished before it could be killed"
    tokenizer = psutil.Process(run.pid).children()  # the forked tokenizer process (Linux)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    _, alive = psutil.wait_procs(tokenizer, timeout=10)
    assert not alive, "the tokenizer process outlived its killed parent"
    cached = len(list((resumed / ".cache").rglob("*.json")))
    assert 8 <= cached < 48 and not list(resumed.glob("*.csv"))
    assert not list((resumed / ".cache").rglob("*.tmp"))

    subprocess.run(extract(corpus, resumed), check=True, cwd=ROOT, timeout=600)
    assert tables_bytes(resumed) == tables_bytes(whole)


def test_a_rerun_only_processes_new_documents(corpus, tmp_path):
    from pipeline.runner import Extractor

    out = tmp_path / "out"
    extractor = Extractor(cache_dir=out / ".cache", batch_size=16)
    first = extractor.run([corpus])
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.txt").write_text("Gubernur Jawa Barat Ridwan Kamil meninjau Bekasi.", encoding="utf-8")
    extractor.cache.hits = 0
    second = extractor.run([corpus, extra])
    assert extractor.cache.hits == 48
    assert len(second.documents) == len(first.documents) + 1
    assert first.mentions.equals(second.mentions[second.mentions["doc_id"] != "new"].reset_index(drop=True))
