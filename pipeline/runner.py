"""The edge where models are loaded and files are read: runs the stages over documents."""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ingest import read_documents
from pipeline.link import NO_STEERING, LinkSettings, link
from pipeline.recognize import load_recognizer, recognize
from pipeline.tables import Tables, build_tables
from pipeline.tokenize import load_stanza, tokenize_documents
from pipeline.types import Document, Mention, TokenizedDocument

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
                 progress: bool = False):
        set_threads(threads)
        self.progress = progress
        self.stanza = load_stanza(models_dir / "tokenizer")
        self.ner = load_recognizer(models_dir / "ner")
        self.batch_size = batch_size
        self.timer = StageTimer()

    def process(self, documents: Iterable[Document]) -> tuple[list[TokenizedDocument], list[list[Mention]]]:
        from tqdm import tqdm

        documents = list(documents)
        tokenized: list[TokenizedDocument] = []
        mentions: list[list[Mention]] = []
        with tqdm(total=len(documents), unit="doc", desc="extract", disable=not self.progress) as bar:
            for batch in batches(documents, self.batch_size):
                started = time.perf_counter()
                batch_tokens = tokenize_documents(self.stanza, batch)
                self.timer.add("tokenize", started)
                started = time.perf_counter()
                mentions.extend(recognize(self.ner, batch_tokens))
                self.timer.add("recognize", started)
                tokenized.extend(batch_tokens)
                bar.update(len(batch))
                logger.debug("processed %d documents", len(tokenized))
        return tokenized, mentions

    def run(self, paths: Iterable[Path], link_settings: LinkSettings = NO_STEERING) -> Tables:
        started = time.perf_counter()
        documents = list(read_documents(paths))
        self.timer.add("ingest", started)
        return self.run_documents(documents, link_settings)

    def run_documents(self, documents: Iterable[Document], link_settings: LinkSettings = NO_STEERING) -> Tables:
        tokenized, mentions = self.process(documents)
        started = time.perf_counter()
        linked, entities = link(tokenized, mentions, link_settings)
        self.timer.add("link", started)
        started = time.perf_counter()
        tables = build_tables(tokenized, linked, entities)
        self.timer.add("tables", started)
        return tables
