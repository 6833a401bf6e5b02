"""The edge where models are loaded and files are read: runs the stages over documents."""

from __future__ import annotations

import ctypes
import functools
import gc
import itertools
import logging
import math
import multiprocessing
import os
import signal
import sqlite3
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.cache import DocumentCache, models_fingerprint
from pipeline.errors import EngineError, EntitasError, OutputError
from pipeline.files import publish, run_folder
from pipeline.ingest import read_documents
from pipeline.link import NO_STEERING, EntityIndex, LinkSettings, link_document
from pipeline.models import default_models_dir
from pipeline.recognize import check_ner_files, load_recognizer, recognize
from pipeline.store import TableStore
from pipeline.tables import Tables, write_tables, write_texts
from pipeline.tokenize import bounded_batches, check_tokenizer_files, load_stanza, tokenize_documents
from pipeline.types import Document, ProcessedDocument, TokenizedDocument

logger = logging.getLogger(__name__)

DEFAULT_MODELS = default_models_dir()


@dataclass(frozen=True)
class RunSummary:
    written: list[Path]
    documents: int
    not_processed: int
    mentions: int
    entities: int


def _reason(exc: Exception) -> str:
    """An OS error in words, with the file it concerns: "No space left on device (/out/x.csv)"."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} ({exc.filename})" if exc.filename else exc.strerror
    return str(exc)


def set_threads(n: int) -> None:
    """Pin torch (Stanza) and NumPy's BLAS (the recogniser) to ``n`` threads: their default
    pools of one thread per core fight every other process, the tokenizer's included."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(n)
    threadpool_limits(n, user_api="blas")


@dataclass
class StageTimer:
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, stage: str, started: float) -> None:
        self.seconds[stage] += time.perf_counter() - started


# At most this many characters of text in one batch, whatever --batch-size says: memory follows
# the characters in flight, not the documents (a batch of 32 one-million-character parts of a huge
# article would hold 32 million).
BATCH_CHARS = 1_000_000


def batches(items: Iterable[Document], size: int, max_chars: int = BATCH_CHARS) -> Iterator[list[Document]]:
    """Batches of at most ``size`` documents and ``max_chars`` characters (a longer document
    goes alone)."""
    return bounded_batches(items, lambda document: len(document.text), max_chars, size)


def check_models(models_dir: Path) -> None:
    """ModelError now, before any loading, if a model file is missing."""
    check_tokenizer_files(models_dir / "tokenizer")
    check_ner_files(models_dir / "ner")


class Engine:
    """What every engine shares: the per-document cache, then linking and tables at the end.

    ``say`` is told what the user waits for (``loading models...``); the CLI shows it.
    """

    def __init__(self, models_dir: Path, batch_size: int, progress: bool, cache_dir: Path | None,
                 say: Callable[[str], None] = logger.info):
        check_models(models_dir)
        self.models_dir = models_dir
        self.batch_size = batch_size
        self.progress = progress
        self.say = say
        self.cache = DocumentCache(cache_dir, models_fingerprint(models_dir)) if cache_dir else None
        self.timer = StageTimer()

    def lookup(self, batch: list[Document]) -> tuple[list[ProcessedDocument | None], list[Document]]:
        """The cached result of each document (or None), and the documents still to process."""
        cached = [self.cache.get(d) if self.cache else None for d in batch]
        return cached, [d for d, hit in zip(batch, cached, strict=True) if hit is None]

    def complete(self, cached: list[ProcessedDocument | None],
                 fresh: list[ProcessedDocument]) -> list[ProcessedDocument]:
        """The batch in order, the fresh results stored in the cache."""
        new = iter(fresh)
        processed = [hit or next(new) for hit in cached]
        if self.cache:
            for result in fresh:
                if result.document.status == "ok":
                    self.cache.put(result)
        return processed

    def process(self, documents: Iterable[Document]) -> Iterator[ProcessedDocument]:
        raise NotImplementedError

    def run(self, paths: Iterable[Path], link_settings: LinkSettings = NO_STEERING) -> Tables:
        """All tables in memory (the Python API)."""
        return self.run_documents(read_documents(paths), link_settings)

    def run_documents(self, documents: Iterable[Document], link_settings: LinkSettings = NO_STEERING,
                      keep_boilerplate: bool = False) -> Tables:
        with TableStore(keep_boilerplate=keep_boilerplate) as store:
            self.collect(documents, store, link_settings)
            return store.tables()

    def extract_to(self, documents: Iterable[Document], out_dir: Path, fmt: str = "csv",
                   link_settings: LinkSettings = NO_STEERING, total: int | None = None,
                   keep_boilerplate: bool = False) -> RunSummary:
        """Stream the documents through the pipeline and write the tables to ``out_dir``.

        Memory stays flat however large the input: results wait in an SQLite file in the run's
        scratch folder in ``out_dir`` (``files.run_folder``: its own, removed at the end) and the
        tables are written chunk by chunk. The tables and ``texts.jsonl`` are written in
        that folder, then published as a set (``files.publish``): a run that fails or is killed
        leaves the previous set whole. A file that cannot be written is an ``OutputError``.
        ``total``: how many documents there are, if known (the progress bar's end).
        ``keep_boilerplate``: boilerplate mentions make entity rows and co-occurrence edges too.
        """
        try:
            with run_folder(out_dir) as scratch, TableStore(scratch / "work.sqlite", keep_boilerplate) as store:
                self.collect(documents, store, link_settings, total)
                started = time.perf_counter()
                staging = scratch / "tables"
                staged = [*write_tables(store, staging, fmt), write_texts(store.texts(), staging)]
                publish(staging, out_dir, [p.name for p in staged])
                self.timer.add("tables", started)
                return RunSummary(written=[out_dir / p.name for p in staged], **store.counts())
        except (OSError, sqlite3.OperationalError) as exc:
            raise OutputError(f"cannot write to {out_dir}: {_reason(exc)}; the previous tables there are kept") \
                from exc

    def collect(self, documents: Iterable[Document], store: TableStore, link_settings: LinkSettings,
                total: int | None = None) -> None:
        """Every document through the stages into ``store``, then linked across documents."""
        from tqdm import tqdm

        with tqdm(unit="doc", desc="extract", total=total, disable=not self.progress) as bar:
            for result in self.process(documents):
                started = time.perf_counter()
                linked = link_document(result, link_settings)
                self.timer.add("link", started)
                started = time.perf_counter()
                store.add(result, linked)
                self.timer.add("tables", started)
                bar.update(1)
        if self.cache:
            logger.info("%d of %d documents came from the cache", self.cache.hits, store.n_documents)
        started = time.perf_counter()
        zoned = store.mark_repeated_lines(repeated_line_documents(store.n_documents))
        if zoned:
            logger.info("%d mentions on lines that many documents repeat are zoned boilerplate", zoned)
        store.set_entities(EntityIndex(store.clusters, link_settings))
        self.timer.add("link", started)


def repeated_line_documents(n_documents: int) -> int:
    """In how many documents of a run a line must stand, word for word, to be furniture: five,
    or one in a hundred of a large run (a wire story printed twice is no furniture)."""
    return max(5, math.ceil(n_documents / 100))


# Batches handed to the tokenizer ahead of the recogniser: the tokenizer, the slower stage,
# never waits for work.
TOKENIZE_AHEAD = 3
# Batches tokenized but not yet recognised, at most: memory stays bounded when this process
# tokenizes too (``Extractor.process``).
MAX_PENDING = TOKENIZE_AHEAD + 2


def _timed_tokenize(stanza, documents: list[Document]) -> tuple[list[TokenizedDocument], float]:
    started = time.perf_counter()
    return tokenize_documents(stanza, documents), time.perf_counter() - started


def _done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


@dataclass(frozen=True)
class BatchTokenizer:
    """Where batches are tokenized. ``submit`` hands one to the tokenize thread or process and
    returns its future; ``here``, when there is a second process, tokenizes one in this process
    instead, for when that process is behind."""
    submit: Callable[[list[Document]], Future]
    here: Callable[[list[Document]], Future] | None = None


PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies (Linux)
_inherited_stanza = None  # in a forked tokenizer process: the Stanza pipeline it was forked with


def _adopt_tokenizer(stanza, parent: int) -> None:
    """A forked tokenizer process: keep the parent's loaded pipeline; Ctrl-C and SIGTERM are
    the parent's to handle (it shuts this process down), not a second traceback here. A parent
    killed outright (SIGKILL) cannot: the kernel then sends this process SIGTERM, which ends it,
    instead of leaving it waiting for batches forever."""
    global _inherited_stanza
    _inherited_stanza = stanza
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _tokenize_inherited(documents: list[Document]) -> tuple[list[TokenizedDocument], float]:
    return _timed_tokenize(_inherited_stanza, documents)


def can_fork_tokenizer() -> bool:
    """Fork is safe with torch's single-threaded state on Linux; elsewhere (macOS) it is not."""
    return sys.platform.startswith("linux")


class Extractor(Engine):
    """The local engine: loads the shipped models once, when a document first needs them (a
    run whose every document is cached loads none); ``run`` can be called for many inputs."""

    def __init__(self, models_dir: Path = DEFAULT_MODELS, threads: int = 1, batch_size: int = 32,
                 progress: bool = False, cache_dir: Path | None = None, say: Callable[[str], None] = logger.info,
                 without_rules: frozenset[str] = frozenset()):
        """``without_rules``: recogniser rules left out (evaluation only, to measure each rule; no
        cache then, since the cache does not know them)."""
        super().__init__(models_dir, batch_size, progress, None if without_rules else cache_dir, say)
        self.threads = threads
        self.without_rules = without_rules
        self._stanza = None
        self._ner = None
        self._loading = threading.Lock()  # the tokenize thread and the main thread may both ask first

    def _load(self, name: str, loader: Callable[[Path], object], folder: str):
        with self._loading:
            if getattr(self, name) is None:
                if self._stanza is None and self._ner is None:
                    self.say("loading models...")
                    set_threads(self.threads)
                started = time.perf_counter()
                setattr(self, name, loader(self.models_dir / folder))
                # A model is hundreds of thousands of objects that live as long as the run: out of
                # the cyclic collector's sight, no later collection walks them (nor the one at exit,
                # about 0.7 s of every run before).
                gc.freeze()
                logger.info("%s model loaded in %.1fs", folder, time.perf_counter() - started)
            return getattr(self, name)

    @property
    def stanza(self):
        return self._load("_stanza", load_stanza, "tokenizer")

    @property
    def ner(self):
        return self._load("_ner", load_recognizer, "ner")

    def tokenize(self, documents: list[Document]) -> list[TokenizedDocument]:
        if not documents:
            return []
        tokenized, seconds = _timed_tokenize(self.stanza, documents)
        self.timer.seconds["tokenize"] += seconds
        return tokenized

    def recognize(self, tokenized: list[TokenizedDocument]) -> list[ProcessedDocument]:
        if not tokenized:
            return []
        started = time.perf_counter()
        mentions = recognize(self.ner, tokenized, without=self.without_rules)
        self.timer.add("recognize", started)
        return [ProcessedDocument.of(t, m) for t, m in zip(tokenized, mentions, strict=True)]

    def compute(self, documents: list[Document]) -> list[ProcessedDocument]:
        """Tokenize and recognize, no cache."""
        return self.recognize(self.tokenize(documents))

    @contextmanager
    def _tokenizing(self, several_batches: bool) -> Iterator[BatchTokenizer]:
        """Where the batches are tokenized while the recogniser works on earlier ones.

        A run of several batches forks a process that inherits the loaded tokenizer: Stanza's
        Python and spaCy's then run on two cores instead of taking turns on one interpreter lock
        (in one process the two stages barely overlap). The recogniser is the faster stage, so
        this process tokenizes a batch itself when ``TOKENIZE_AHEAD`` batches already wait in
        that process (``BatchTokenizer.here``). One batch, or no fork (macOS), keeps a thread of
        this process: a second process would not pay for itself.
        """
        if not (several_batches and can_fork_tokenizer()):
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tokenize") as pool:
                # the tokenizer is loaded in that thread on first use, while this one loads the recogniser
                yield BatchTokenizer(lambda documents: pool.submit(lambda: _timed_tokenize(self.stanza, documents)))
            return
        logger.info("tokenizing in a second process")
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_adopt_tokenizer,
                                 initargs=(self.stanza, os.getpid())) as pool:
            yield BatchTokenizer(lambda documents: pool.submit(_tokenize_inherited, documents),
                                 lambda documents: _done(_timed_tokenize(self.stanza, documents)))

    def _finish(self, cached: list[ProcessedDocument | None], tokenized: Future | None) -> list[ProcessedDocument]:
        if tokenized is None:  # every document of the batch was cached
            return self.complete(cached, [])
        try:
            documents, seconds = tokenized.result()
        except BrokenProcessPool as exc:
            raise EngineError("the tokenizer process died while tokenizing a batch; out of memory? "
                              "Try a smaller --batch-size") from exc
        self.timer.seconds["tokenize"] += seconds
        return self.complete(cached, self.recognize(documents))

    def process(self, documents: Iterable[Document]) -> Iterator[ProcessedDocument]:
        """Documents flow through in batches; only their light results are kept.

        Each batch goes to the tokenizer (``_tokenizing``) unless ``TOKENIZE_AHEAD`` batches
        are already waiting there and this process can tokenize it itself; then the oldest batch
        is recognised if it is ready, or if ``MAX_PENDING`` batches are in hand.
        """
        stream = batches(documents, self.batch_size)
        head = list(itertools.islice(stream, 2))
        pending: deque[tuple[list[ProcessedDocument | None], Future | None]] = deque()
        tokenized_here = tokenized_batches = 0
        with ExitStack() as stack:
            tokenizer = None
            for batch in itertools.chain(head, stream):
                cached, todo = self.lookup(batch)
                tokenized = None  # a wholly cached batch (a wholly cached run loads no model, starts nothing)
                if todo:
                    if tokenizer is None:
                        tokenizer = stack.enter_context(self._tokenizing(several_batches=len(head) > 1))
                    waiting = sum(1 for _, future in pending if future and not future.done())
                    here = tokenizer.here is not None and waiting >= TOKENIZE_AHEAD
                    tokenized = (tokenizer.here if here else tokenizer.submit)(todo)
                    tokenized_here += here
                    tokenized_batches += 1
                pending.append((cached, tokenized))
                if len(pending) > MAX_PENDING or pending[0][1] is None or pending[0][1].done():
                    yield from self._finish(*pending.popleft())
            while pending:
                yield from self._finish(*pending.popleft())
        if tokenized_here:
            logger.info("%d of %d batches tokenized in this process, the tokenizer process being behind",
                        tokenized_here, tokenized_batches)


@functools.cache
def _worker_extractor(models_dir: str) -> Extractor:
    """One Extractor per Dask worker process, loaded on its first batch."""
    return Extractor(Path(models_dir), threads=1)


def _compute_on_worker(documents: list[Document], models_dir: str) -> list[ProcessedDocument]:
    return _worker_extractor(models_dir).compute(documents)


class DaskExtractor(Engine):
    """Batches of documents processed on Dask workers; linking and tables on the client.

    With no scheduler address a LocalCluster of ``workers`` single-threaded processes is
    started (and closed with the engine). At most two batches per worker are in flight, so
    memory stays bounded however long the input.
    """

    def __init__(self, models_dir: Path = DEFAULT_MODELS, scheduler: str | None = None, workers: int = 2,
                 batch_size: int = 32, progress: bool = False, cache_dir: Path | None = None,
                 say: Callable[[str], None] = logger.info):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise EntitasError("the Dask engine needs Dask: pip install 'entitas[dask]'") from exc

        super().__init__(models_dir, batch_size, progress, cache_dir, say)  # a missing model fails here, not later
        quiet_dask_logs()
        say("starting Dask workers...")
        if scheduler:
            self.cluster = None
            self.client = Client(scheduler)
        else:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=":0")
            self.client = Client(self.cluster)
        self.in_flight = 2 * max(1, len(self.client.scheduler_info()["workers"]))

    def process(self, documents: Iterable[Document]) -> Iterator[ProcessedDocument]:
        pending: deque = deque()
        for batch in batches(documents, self.batch_size):
            cached, todo = self.lookup(batch)
            future = self.client.submit(_compute_on_worker, todo, str(self.models_dir.resolve()), pure=False) \
                if todo else None  # a wholly cached batch loads no model on a worker
            pending.append((cached, future))
            while len(pending) >= self.in_flight:
                yield from self._finish(*pending.popleft())
        while pending:
            yield from self._finish(*pending.popleft())

    def _finish(self, cached: list[ProcessedDocument | None], future) -> list[ProcessedDocument]:
        if future is None:  # a wholly cached batch: no worker was asked
            return self.complete(cached, [])
        from distributed import KilledWorker

        try:
            return self.complete(cached, future.result())
        except KilledWorker as exc:
            raise EngineError(f"Dask workers died while processing a batch ({exc}); out of memory? "
                              "Try a smaller --batch-size or more memory per worker") from exc

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def quiet_dask_logs() -> None:
    """Dask's own INFO logs (scheduler and worker start-up, addresses) only with ``-v``: they
    are not this tool's messages. The worker processes Dask starts read the environment."""
    level = logging.INFO if logging.getLogger("pipeline").isEnabledFor(logging.INFO) else logging.ERROR
    os.environ["DASK_LOGGING__DISTRIBUTED"] = logging.getLevelName(level).lower()
    for name in ("distributed", "distributed.client", "distributed.scheduler", "distributed.worker",
                 "distributed.nanny"):
        logging.getLogger(name).setLevel(level)


@contextmanager
def open_engine(engine: str = "local", models_dir: Path = DEFAULT_MODELS, *, threads: int | None = None,
                scheduler: str | None = None, workers: int | None = None, **common) -> Iterator[Engine]:
    """The engine a run asked for, closed when the block ends. A setting that the chosen engine
    does not use (``threads`` with Dask; ``scheduler`` or ``workers`` locally) is named in a
    warning rather than silently ignored. ``common``: batch_size, progress, cache_dir, say."""
    unused = {"dask": {"threads": threads}, "local": {"scheduler": scheduler, "workers": workers}}[engine]
    for name, value in unused.items():
        if value is not None:
            logger.warning("--%s does not apply to the %s engine: ignored", name, engine)
    if engine == "dask":
        dask = DaskExtractor(models_dir, scheduler=scheduler, workers=workers or 2, **common)
        try:
            yield dask
        finally:
            dask.close()
    else:
        yield Extractor(models_dir, threads=threads or 1, **common)
