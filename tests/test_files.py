"""The tables of a run are a set: a failure, SIGKILL or SIGTERM while they are written leaves the
previous set whole, and a run's scratch files never outlive it (or the next run removes them)."""

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.errors import OutputError
from pipeline.files import JOURNAL, RUN_PREFIX, atomic_path, ensure_writable_dir, publish, run_folder, write_text_atomic
from pipeline.ingest import read_documents
from pipeline.runner import Engine, batches
from pipeline.tables import SCHEMAS, TEXTS_FILE
from pipeline.types import ProcessedDocument
from tests.conftest import ROOT

SET = [f"{name}.csv" for name in SCHEMAS] + [TEXTS_FILE]


class Unrecognised(Engine):
    """The real ingest, store, linking and writers, without the models: every document is read
    and gets no tokens. What is under test here is how the tables reach the disk."""

    def __init__(self, cache_dir: Path | None = None):
        super().__init__(ROOT / "models", batch_size=4, progress=False, cache_dir=cache_dir)

    def process(self, documents):
        for batch in batches(documents, self.batch_size):
            cached, todo = self.lookup(batch)
            yield from self.complete(cached, [ProcessedDocument(document, (), 0) for document in todo])


def corpus(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"doc-{i}.txt").write_text(f"Berita nomor {i}.", encoding="utf-8")
    return folder


def table_set(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in SET}


def test_a_write_failure_at_any_table_keeps_the_previous_set(tmp_path, monkeypatch):
    """A full disk while the third table is written: the error is one OutputError, the old set
    is untouched and no scratch file is left."""
    import pipeline.tables as tables

    out = tmp_path / "out"
    Unrecognised().extract_to(read_documents([corpus(tmp_path / "old", 3)]), out)
    before = table_set(out)
    writer = tables._WRITERS["csv"]

    def full_disk(chunks, path):
        if path.name.startswith(".aliases.csv."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        writer(chunks, path)

    monkeypatch.setitem(tables._WRITERS, "csv", full_disk)
    with pytest.raises(OutputError, match="No space left on device"):
        Unrecognised().extract_to(read_documents([corpus(tmp_path / "new", 5)]), out)
    assert table_set(out) == before
    assert not list(out.glob(f"{RUN_PREFIX}*")) and not (out / JOURNAL).exists()


KILLED_CHILD = """
import os, signal, sys
from pathlib import Path
import pipeline.files as files
import pipeline.tables as tables
from pipeline.ingest import read_documents
from tests.test_files import Unrecognised

where, at = sys.argv[3], sys.argv[4]
if where == "write":  # killed while this table is written
    atomic_path = tables.atomic_path
    def killing(path):
        if path.name == at:
            os.kill(os.getpid(), signal.SIGKILL)
        return atomic_path(path)
    tables.atomic_path = killing
else:  # killed after this many files of the set were moved into place
    replace, moved = os.replace, []
    def killing(src, dst):
        if Path(dst).parent == Path(sys.argv[2]) and Path(src).parent.name == "tables":
            if len(moved) == int(at):
                os.kill(os.getpid(), signal.SIGKILL)
            moved.append(dst)
        replace(src, dst)
    files.os.replace = killing
Unrecognised().extract_to(read_documents([Path(sys.argv[1])]), Path(sys.argv[2]))
"""


@pytest.mark.parametrize(("where", "at"), [("write", name) for name in SET] + [("publish", "2")])
def test_a_kill_at_each_table_leaves_one_whole_set(tmp_path, where, at):
    """SIGKILL while any table is written: the previous set stays; killed halfway through
    moving the new set into place: the next run finishes it first. Either way the next run
    removes the killed run's scratch folder and writes its own whole set."""
    out = tmp_path / "out"
    Unrecognised().extract_to(read_documents([corpus(tmp_path / "old", 3)]), out)
    before = table_set(out)
    new = corpus(tmp_path / "new", 5)
    child = subprocess.run([sys.executable, "-c", KILLED_CHILD, str(new), str(out), where, at],
                           cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert child.returncode == -signal.SIGKILL
    assert list(out.glob(f"{RUN_PREFIX}*"))  # what SIGKILL leaves behind
    if where == "write":
        assert table_set(out) == before
    else:
        assert (out / JOURNAL).exists()
        with run_folder(out):  # the next run finishes the journal before anything else
            assert b"doc-4" in (out / "documents.csv").read_bytes()
            assert not (out / JOURNAL).exists()
    Unrecognised().extract_to(read_documents([new]), out)
    assert b"doc-4" in (out / "documents.csv").read_bytes() and b"doc-4" in (out / TEXTS_FILE).read_bytes()
    assert not list(out.glob(f"{RUN_PREFIX}*"))


SLOW_CHILD = """
import sys, time
from pathlib import Path
from pipeline.cli import sigterm_exits
from pipeline.ingest import read_documents
from tests.test_files import Unrecognised

class Slow(Unrecognised):
    def process(self, documents):
        for processed in super().process(documents):
            time.sleep(0.5)
            yield processed

with sigterm_exits():
    Slow().extract_to(read_documents([Path(sys.argv[1])]), Path(sys.argv[2]))
"""


def test_sigterm_removes_the_runs_scratch_files(tmp_path):
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-c", SLOW_CHILD, str(corpus(tmp_path / "in", 40)), str(out)],
                             cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.time() + 60
    while not list(out.glob(f"{RUN_PREFIX}*/work.sqlite")) and time.time() < deadline:
        time.sleep(0.1)
    assert child.poll() is None, "the run ended before it could be stopped"
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=60) == 128 + signal.SIGTERM
    assert not list(out.iterdir()) or not list(out.glob(f"{RUN_PREFIX}*"))
    assert not (out / "documents.csv").exists()


def test_a_living_runs_scratch_folder_is_not_removed(tmp_path):
    """Two runs in one output folder: the second never takes the first one's folder for stale."""
    with run_folder(tmp_path) as first, run_folder(tmp_path) as second:
        assert first.is_dir() and second.is_dir() and first != second
    assert not list(tmp_path.glob(f"{RUN_PREFIX}*"))


def test_publish_moves_every_file_and_leaves_no_journal(tmp_path):
    staging = tmp_path / f"{RUN_PREFIX}x" / "tables"
    staging.mkdir(parents=True)
    for name in ("a.csv", "b.csv"):
        (staging / name).write_text(name, encoding="utf-8")
    publish(staging, tmp_path, ["a.csv", "b.csv"])
    assert (tmp_path / "a.csv").read_text() == "a.csv" and (tmp_path / "b.csv").read_text() == "b.csv"
    assert not (tmp_path / JOURNAL).exists() and not list(staging.iterdir())


def test_an_unwritable_output_or_cache_folder_is_an_output_error(tmp_path):
    documents = corpus(tmp_path / "in", 2)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="a-file"):
        Unrecognised().extract_to(read_documents([documents]), blocker / "out")
    with pytest.raises(OutputError, match="a-file"):
        Unrecognised(cache_dir=blocker / "cache").extract_to(read_documents([documents]), tmp_path / "out")




@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_have_the_mode_the_umask_gives(tmp_path, monkeypatch, umask, mode):
    from pipeline import files

    monkeypatch.setattr(files, "_umask", lambda: umask)
    write_text_atomic(tmp_path / "a.txt", "isi")
    with atomic_path(tmp_path / "b.csv") as tmp:
        tmp.write_text("x\n", encoding="utf-8")
    for name in ("a.txt", "b.csv"):
        assert (tmp_path / name).stat().st_mode & 0o777 == mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.csv"]


def test_the_umask_is_read_from_the_process():
    from pipeline import files

    files._umask.cache_clear()
    old = os.umask(0o027)
    try:
        assert files._umask() == 0o027
    finally:
        os.umask(old)
        files._umask.cache_clear()


def test_an_output_folder_that_cannot_be_written_is_an_output_error(tmp_path):
    from pipeline.errors import OutputError

    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot write to"):
        ensure_writable_dir(tmp_path / "file" / "out")
    ensure_writable_dir(tmp_path / "new" / "out")
    assert list((tmp_path / "new" / "out").iterdir()) == []  # the probe leaves nothing behind
