"""Per-document results on disk, so that a re-run only processes what is new.

An entry is keyed by the document's id and text, by the models' contents and by the code and
word lists of the stages whose output it holds: change any of them and the document is
processed again. Entries are written atomically, so a run killed at any point leaves only whole
entries behind, and the next run carries on from them.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
from dataclasses import asdict
from pathlib import Path

from pipeline.files import write_text_atomic
from pipeline.types import Document, Mention, ProcessedDocument

logger = logging.getLogger(__name__)

FORMAT_VERSION = "3"
PACKAGE = Path(__file__).resolve().parent

# The stages whose output is cached; every package module they import, directly or through
# another, counts too (``stage_sources``), and so does every file under ``resources/``.
CACHED_STAGES = ("pipeline.ingest", "pipeline.tokenize", "pipeline.recognize")


def _module_file(package: Path, module: str) -> Path | None:
    parts = module.split(".")[1:]
    for candidate in (package.joinpath(*parts).with_suffix(".py"), package.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(path: Path) -> set[str]:
    """The ``pipeline`` modules a source file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pipeline":
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # from pipeline import x
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "pipeline")
    return found


def stage_sources(package: Path = PACKAGE) -> list[Path]:
    """The source files whose change must invalidate cached results: the cached stages and every
    package module they import, followed through the imports, and the resource files."""
    seen: set[Path] = set()
    todo = list(CACHED_STAGES)
    while todo:
        path = _module_file(package, todo.pop())
        if path is None or path in seen:
            continue
        seen.add(path)
        todo.extend(_imported_modules(path))
    resources = [p for p in (package / "resources").rglob("*") if p.is_file()]
    return sorted(seen) + sorted(resources)


def models_fingerprint(models_dir: Path, package: Path = PACKAGE) -> str:
    """A hash of every model file's bytes and of the stages' code and word lists: a retrained
    model or a changed rule invalidates the cache."""
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    files = [(models_dir, p) for p in sorted(models_dir.rglob("*")) if p.is_file() and p.suffix != ".md"]
    files += [(package, p) for p in stage_sources(package)]
    for root, path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class DocumentCache:
    def __init__(self, directory: Path, fingerprint: str):
        self.directory = directory
        self.fingerprint = fingerprint
        self.hits = 0

    def _path(self, document: Document) -> Path:
        key = hashlib.sha256(f"{self.fingerprint}\0{document.doc_id}\0{document.text}".encode()).hexdigest()
        return self.directory / key[:2] / f"{key}.json"

    def get(self, document: Document) -> ProcessedDocument | None:
        """The cached result, or None: no entry, or one that is not whole and as written (its
        digest does not match, or its shape or offsets do not fit the document), which the
        next ``put`` replaces."""
        path = self._path(document)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry["digest"] != _digest(entry["result"]):
                raise ValueError("edited since it was written")
            processed = _processed(document, entry["result"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            logger.warning("%s: cache entry of %r not used (%s); processing it again", path, document.doc_id,
                           exc.__class__.__name__ if not str(exc) else exc)
            return None
        self.hits += 1
        return processed

    def put(self, processed: ProcessedDocument) -> None:
        path = self._path(processed.document)
        path.parent.mkdir(parents=True, exist_ok=True)
        result = {
            "sentences": processed.sentences, "n_tokens": processed.n_tokens, "clitics": processed.clitics,
            "mentions": [{k: v for k, v in asdict(m).items() if k != "doc_id"} for m in processed.mentions],
        }
        write_text_atomic(path, json.dumps({"digest": _digest(result), "result": result}, ensure_ascii=False))


def _digest(result: dict) -> str:
    return hashlib.sha256(json.dumps(result, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _processed(document: Document, result: dict) -> ProcessedDocument:
    """The entry's result for ``document``; ValueError where its offsets do not fit the text."""
    processed = ProcessedDocument(
        document,
        tuple((int(a), int(b)) for a, b in result["sentences"]),
        int(result["n_tokens"]),
        tuple((int(a), int(b)) for a, b in result["clitics"]),
        tuple(Mention(doc_id=document.doc_id, **m) for m in result["mentions"]),
    )
    spans = [*processed.sentences, *((m.start, m.end) for m in processed.mentions)]
    if any(not 0 <= a <= b <= len(document.text) for a, b in spans):
        raise ValueError("offsets that do not fit the document")
    return processed
