"""The edge where models are loaded and files are read: runs the stages over documents."""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.cache import DocumentCache, models_fingerprint
from pipeline.ingest import read_documents
from pipeline.link import NO_STEERING, LinkSettings, link
from pipeline.recognize import load_recognizer, recognize
from pipeline.tables import Tables, build_tables
from pipeline.tokenize import load_stanza, tokenize_documents
from pipeline.types import Document, ProcessedDocument

logger = logging.getLogger(__name__)

DEFAULT_MODELS = Path(__file__).resolve().parent.parent / "models"


def set_threads(n: int) -> None:
    """Pin torch (Stanza) to ``n`` threads: its default pool fights every other process."""
    import torch

    torch.set_num_threads(n)
    os.environ.setdefault("OMP_NUM_THREADS", str(n))


@dataclass
class StageTimer:
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, stage: str, started: float) -> None:
        self.seconds[stage] += time.perf_counter() - started


def batches(items: Iterable[Document], size: int) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Extractor:
    """Loads the shipped models once; ``run`` can be called for many inputs."""

    def __init__(self, models_dir: Path = DEFAULT_MODELS, threads: int = 1, batch_size: int = 32,
                 progress: bool = False, cache_dir: Path | None = None):
        set_threads(threads)
        self.progress = progress
        self.stanza = load_stanza(models_dir / "tokenizer")
        self.ner = load_recognizer(models_dir / "ner")
        self.batch_size = batch_size
        self.cache = DocumentCache(cache_dir, models_fingerprint(models_dir)) if cache_dir else None
        self.timer = StageTimer()

    def process_batch(self, batch: list[Document]) -> list[ProcessedDocument]:
        """Tokenize and recognize the documents the cache does not already hold."""
        cached = [self.cache.get(d) if self.cache else None for d in batch]
        todo = [d for d, hit in zip(batch, cached, strict=True) if hit is None]
        started = time.perf_counter()
        tokenized = tokenize_documents(self.stanza, todo)
        self.timer.add("tokenize", started)
        started = time.perf_counter()
        mentions = recognize(self.ner, tokenized)
        self.timer.add("recognize", started)
        fresh = iter([ProcessedDocument.of(t, m) for t, m in zip(tokenized, mentions, strict=True)])
        processed = [hit or next(fresh) for hit in cached]
        if self.cache:
            for hit, result in zip(cached, processed, strict=True):
                if hit is None and result.document.status == "ok":
                    self.cache.put(result)
        return processed

    def process(self, documents: Iterable[Document]) -> Iterator[ProcessedDocument]:
        """Documents flow through in batches; only their light results are kept."""
        from tqdm import tqdm

        with tqdm(unit="doc", desc="extract", disable=not self.progress) as bar:
            for batch in batches(documents, self.batch_size):
                yield from self.process_batch(batch)
                bar.update(len(batch))

    def run(self, paths: Iterable[Path], link_settings: LinkSettings = NO_STEERING) -> Tables:
        return self.run_documents(read_documents(paths), link_settings)

    def run_documents(self, documents: Iterable[Document], link_settings: LinkSettings = NO_STEERING) -> Tables:
        processed = list(self.process(documents))
        if self.cache:
            logger.info("%d of %d documents came from the cache", self.cache.hits, len(processed))
        started = time.perf_counter()
        linked, entities = link(processed, link_settings)
        self.timer.add("link", started)
        started = time.perf_counter()
        tables = build_tables(processed, linked, entities)
        self.timer.add("tables", started)
        return tables
