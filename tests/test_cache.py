"""The per-document cache: keyed by what its results depend on, and read back as written."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cache import CACHED_STAGES, DocumentCache, _digest, models_fingerprint, stage_sources
from pipeline.ingest import make_document
from pipeline.types import Mention, ProcessedDocument
from tests.conftest import ROOT


@pytest.fixture
def package_copy(tmp_path):
    """A copy of the package and a tiny models folder, to change a file and see the fingerprint."""
    package = tmp_path / "pipeline"
    shutil.copytree(ROOT / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    models = tmp_path / "models"
    models.mkdir()
    (models / "weights.bin").write_bytes(b"\x00\x01")
    return package, models


def test_every_module_the_stages_import_is_in_the_fingerprint():
    """What a fresh interpreter loads for the cached stages is what the fingerprint hashes."""
    code = (f"import sys; [__import__(n) for n in {list(CACHED_STAGES)!r}]; import pipeline.gazetteer; "
            "print('\\n'.join(m.__file__ for n, m in sys.modules.items() if n.startswith('pipeline.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    sources = {p.resolve() for p in stage_sources()}
    assert {Path(f).resolve() for f in loaded.stdout.split()} <= sources
    names = {p.name for p in sources}
    assert {"lexicon.py", "types.py", "gazetteer.py", "recognize.py", "lexicon.toml", "countries.txt"} <= names
    assert not names & {"link.py", "report.py", "cli.py", "runner.py"}  # later stages and edges do not count


@pytest.mark.parametrize("path, change", [
    ("resources/lexicon.toml", lambda s: s.replace('offices = """', 'offices = """\nkomisaris')),
    ("resources/countries.txt", lambda s: s + "Atlantis\n"),
    ("lexicon.py", lambda s: s + "\n# a changed helper\n"),
    ("recognize.py", lambda s: s.replace("RULE_CONFIDENCE = 0.8", "RULE_CONFIDENCE = 0.7")),
    ("types.py", lambda s: s + "\n"),
])
def test_a_changed_word_list_or_rule_invalidates_the_cache(package_copy, path, change):
    """The bug this guards: a word added to the role words (then in link.py) left the
    fingerprint as it was, so stale results were served."""
    package, models = package_copy
    before = models_fingerprint(models, package)
    target = package / path
    original = target.read_text(encoding="utf-8")
    assert change(original) != original, f"the change to {path} changes nothing: the test would prove nothing"
    target.write_text(change(original), encoding="utf-8")
    assert models_fingerprint(models, package) != before


def test_a_later_stage_does_not_invalidate_the_cache(package_copy):
    package, models = package_copy
    before = models_fingerprint(models, package)
    (package / "report.py").write_text("# the report changed\n", encoding="utf-8")
    assert models_fingerprint(models, package) == before
    (models / "weights.bin").write_bytes(b"\x00\x02")
    assert models_fingerprint(models, package) != before


def test_an_entry_reads_back_as_written(tmp_path):
    document = make_document("d1", "mem", "Presiden Joko Widodo tiba di Jakarta.")
    processed = ProcessedDocument(document, ((0, 37),), 7, ((20, 18),), (
        Mention("d1", 0, 9, 20, "Joko Widodo", "PER", 0.97), Mention("d1", 0, 29, 36, "Jakarta", "LOC", 0.5)))
    cache = DocumentCache(tmp_path, "fp")
    assert cache.get(document) is None
    cache.put(processed)
    assert cache.get(document) == processed and cache.hits == 1
    assert DocumentCache(tmp_path, "other").get(document) is None  # another fingerprint, another key
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("damage", ["edit", "shape", "offsets", "truncate"])
def test_a_damaged_entry_is_recomputed_not_trusted(tmp_path, damage):
    document = make_document("d1", "mem", "Presiden Joko Widodo tiba di Jakarta.")
    processed = ProcessedDocument(document, ((0, 37),), 7, (), (Mention("d1", 0, 9, 20, "Joko Widodo", "PER", 0.97),))
    cache = DocumentCache(tmp_path, "fp")
    cache.put(processed)
    path = next(tmp_path.rglob("*.json"))
    entry = json.loads(path.read_text(encoding="utf-8"))
    if damage == "edit":
        entry["result"]["mentions"][0]["label"] = "ORG"
    elif damage == "shape":
        entry = {"digest": entry["digest"], "result": [1, 2, 3]}
    elif damage == "offsets":
        entry["result"]["mentions"][0]["end"] = 10_000
        entry["digest"] = _digest(entry["result"])
    path.write_text(json.dumps(entry)[: 40 if damage == "truncate" else None], encoding="utf-8")
    assert cache.get(document) is None and cache.hits == 0
    cache.put(processed)
    assert cache.get(document) == processed
