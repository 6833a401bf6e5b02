"""Writing files so that a reader never sees half of one (a temporary file, then a rename), and
the tables of a run as a set, from a scratch folder that a killed run leaves for the next to clean."""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import OutputError

logger = logging.getLogger(__name__)


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; it replaces ``path`` when the block ends
    without an error, and is removed otherwise. Its name is the process's own, so two writers
    of one file never share it; its permissions are those the user's umask gives a new file."""
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        yield tmp
        tmp.chmod(0o666 & ~_umask())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


# A run's scratch files (its SQLite store, the tables being written) live in one folder of the
# output folder, held by a lock while the run lasts: a folder whose lock is free belongs to a
# run that was killed, and the next run removes it.
RUN_PREFIX = ".entitas-run-"
RUN_LOCK = "lock"
COMMIT_LOCK = ".entitas-commit.lock"  # one publisher at a time per output folder
JOURNAL = ".entitas-commit.json"  # a set being published: finished by whoever finds it
STALE_UNLOCKED_S = 60  # a folder without its lock file yet is a run just starting, unless older


@contextmanager
def _locked(path: Path, blocking: bool = True) -> Iterator[bool]:
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def run_folder(out_dir: Path) -> Iterator[Path]:
    """This run's scratch folder inside ``out_dir``, locked while the run lasts and removed when
    it ends (an error, SIGTERM turned into an exit by the CLI, or success). First finishes a set
    whose publishing was cut short and removes the scratch folders of killed runs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    finish_publishing(out_dir)
    remove_stale_runs(out_dir)
    folder = Path(tempfile.mkdtemp(dir=out_dir, prefix=RUN_PREFIX))
    try:
        with _locked(folder / RUN_LOCK):
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale_runs(out_dir: Path) -> list[Path]:
    """Remove the scratch folders that no living run holds (their runs were killed)."""
    removed = []
    for folder in out_dir.glob(f"{RUN_PREFIX}*"):
        lock = folder / RUN_LOCK
        if not lock.exists():
            if time.time() - folder.stat().st_mtime < STALE_UNLOCKED_S:
                continue
        else:
            with _locked(lock, blocking=False) as free:
                if not free:
                    continue
        shutil.rmtree(folder, ignore_errors=True)
        logger.info("removed %s, left by a run that was killed", folder)
        removed.append(folder)
    return removed


def publish(staging: Path, out_dir: Path, names: list[str]) -> None:
    """Move the files ``names`` of ``staging`` into ``out_dir`` as a set: a journal names them
    first, so that a run killed halfway through the renames leaves a set that the next run (or
    ``entitas report``) finishes, never a mix of two runs' tables. One publisher at a time."""
    with _locked(out_dir / COMMIT_LOCK):
        write_text_atomic(out_dir / JOURNAL, json.dumps({"from": staging.relative_to(out_dir).as_posix(),
                                                         "files": names}))
        _move_journal_files(out_dir)


def finish_publishing(out_dir: Path) -> None:
    """Finish publishing a set that a killed run left halfway (its journal is still there)."""
    if (out_dir / JOURNAL).exists():
        with _locked(out_dir / COMMIT_LOCK):
            if (out_dir / JOURNAL).exists():
                logger.warning("%s: finishing the tables of a run that was killed while writing them", out_dir)
                _move_journal_files(out_dir)


def _move_journal_files(out_dir: Path) -> None:
    journal = json.loads((out_dir / JOURNAL).read_text(encoding="utf-8"))
    for name in journal["files"]:
        source = out_dir / journal["from"] / name
        if source.exists():
            os.replace(source, out_dir / name)
    (out_dir / JOURNAL).unlink()


def ensure_writable_dir(path: Path) -> None:
    """Make the folder ``path`` if needed and prove a file can be written in it: a run learns
    that its output folder is unusable before it spends anything on the input."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise OutputError(f"cannot write to {path}: {exc.strerror or exc}") from exc
