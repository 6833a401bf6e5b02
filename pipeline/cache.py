"""Per-document results on disk, so that a re-run only processes what is new.

An entry is keyed by the document's id and text and by the models' contents: change either
and the document is processed again. Entries are written atomically, so a run killed at any
point leaves only whole entries behind, and the next run carries on from them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from pipeline.types import Document, Mention, ProcessedDocument

logger = logging.getLogger(__name__)

FORMAT_VERSION = "1"


# The code and word lists whose output is cached, beside the models.
STAGE_SOURCES = ("ingest.py", "tokenize.py", "gazetteer.py", "recognize.py", "resources")


def models_fingerprint(models_dir: Path) -> str:
    """A hash of every model file's bytes and of the stages' code: a retrained model or a
    changed rule invalidates the cache."""
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    package = Path(__file__).resolve().parent
    sources = [package / name for name in STAGE_SOURCES]
    files = [(models_dir, p) for p in sorted(models_dir.rglob("*")) if p.is_file() and p.suffix != ".md"]
    files += [(package, p) for source in sources for p in sorted([source, *source.rglob("*")]) if p.is_file()]
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
        path = self._path(document)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        self.hits += 1
        return ProcessedDocument(
            document,
            tuple(tuple(s) for s in entry["sentences"]),
            entry["n_tokens"],
            tuple(tuple(c) for c in entry["clitics"]),
            tuple(Mention(document.doc_id, *m) for m in entry["mentions"]),
        )

    def put(self, processed: ProcessedDocument) -> None:
        path = self._path(processed.document)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "sentences": processed.sentences, "n_tokens": processed.n_tokens, "clitics": processed.clitics,
            "mentions": [[m.sentence, m.start, m.end, m.text, m.label, m.confidence, m.zone]
                         for m in processed.mentions],
        }
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
