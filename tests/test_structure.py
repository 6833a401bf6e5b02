"""The package's shape: arrows between stages go one way, and library code stays library code."""

import ast

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "pipeline"
# The stages in pipeline order; a stage may import an earlier one, never a later one.
STAGES = ["ingest", "tokenize", "gazetteer", "recognize", "link", "steering", "tables", "store", "report"]
SHARED = {"types", "errors", "lexicon", "files", "models", "dates"}  # what every stage may use; they import no stage


def imports_of(path):
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pipeline"))
    return {name.removeprefix("pipeline.") for name in found if name.startswith("pipeline.")}


@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_imports_a_later_stage_or_an_edge(stage):
    allowed = SHARED | set(STAGES[:STAGES.index(stage) + 1])
    modules = {p.stem for p in PACKAGE.glob("*.py")} | {"training"}
    imported = {name.split(".")[0] for name in imports_of(PACKAGE / f"{stage}.py")} & modules
    assert imported <= allowed, imported - allowed


@pytest.mark.parametrize("module", sorted(SHARED))
def test_shared_modules_import_no_stage(module):
    assert {name.split(".")[0] for name in imports_of(PACKAGE / f"{module}.py")} <= SHARED


def test_library_code_never_imports_the_cli_nor_reads_tests():
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("cli.py", "__main__.py"):
            continue
        assert "cli" not in {name.split(".")[0] for name in imports_of(path)}, path
        assert '"tests"' not in path.read_text(encoding="utf-8"), path


def test_only_training_and_evaluation_read_the_training_corpora():
    readers = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if "corpora" in imports_of(p)}
    assert readers <= {"evaluate.py", "bench.py", "cli.py", "training/ner.py", "training/report.py"}, readers
