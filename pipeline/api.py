"""The Python API: the same tables as the CLI, as pandas DataFrames.

>>> from pipeline import extract
>>> tables = extract(["Presiden Joko Widodo tiba di Jakarta.", Path("seeds/")])
>>> tables.entities.head()
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipeline.ingest import make_documents, read_documents
from pipeline.link import NO_STEERING, LinkSettings
from pipeline.runner import DEFAULT_MODELS, Extractor
from pipeline.tables import Tables
from pipeline.types import Document


class Pipeline:
    """Loads the models once, on the first ``extract``; call it as often as you like."""

    def __init__(self, models_dir: Path = DEFAULT_MODELS, threads: int = 1,
                 link_settings: LinkSettings = NO_STEERING):
        self._extractor = Extractor(models_dir, threads=threads)
        self.link_settings = link_settings

    def extract(self, texts_or_paths: Iterable[str | Path]) -> Tables:
        """Tables for texts (``str``) and files or folders (``pathlib.Path``), in one run."""
        return self._extractor.run_documents(list(_documents(texts_or_paths)), self.link_settings)


def _documents(items: Iterable[str | Path]) -> Iterable[Document]:
    for number, item in enumerate([items] if isinstance(items, str | Path) else items, start=1):
        if isinstance(item, Path):
            yield from read_documents([item])
        else:
            yield from make_documents(f"text-{number:04d}", "<text>", item)


def extract(texts_or_paths: Iterable[str | Path], **options) -> Tables:
    """One-off extraction; ``options`` as for ``Pipeline`` (models_dir, threads, link_settings)."""
    return Pipeline(**options).extract(texts_or_paths)
