"""Pretrained pieces for the recogniser, learnt from the raw text (``make pretrain``,
``entitas train pretrain``): floret subword vectors and a casing lexicon.

Both are learnt from one training text: every ``text.txt.gz`` under ``../shared/corpora/rawtext``
and the BPPT-PANL sentences, less the real-news gold set's articles (dev and test: they are
scored, so the pieces never see them), split into tokens the way the product's tokenizer splits
the cases that matter to a word (punctuation apart; ``Prabowo-Gibran`` and ``11/9/2019`` whole).

- *Vectors*: floret CBOW vectors: every string, seen or not, gets a vector from its character
  3-5-grams, hashed into a small table, written as a spaCy vectors-only pipeline in
  ``models/vectors``, which ``make train-ner`` reads into the recogniser's tok2vec
  (``include_static_vectors``). One training thread, so the same text gives the same vectors
  (fastText's Hogwild updates with several threads do not).
- *Casing lexicon*: for each word, how often the raw text writes it in lower case where case is
  free (not at a sentence start): ``Jaminan`` and ``Keseimbangan`` mostly are, ``Bahlil`` and
  ``Persija`` never. Kept as hashes and a bucket each in ``models/casing.npz``; the gazetteer
  component adds the bucket of each capitalised token to its feature code.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import hashlib
import itertools
import json
import logging
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.errors import EntitasError
from pipeline.evaluate import REALNEWS_GOLD

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"\w+(?:[-./'’]\w+)*|[^\w\s]")


@dataclass(frozen=True)
class FloretSettings:
    """floret's training settings (the names are floret's own)."""
    model: str = "cbow"
    dim: int = 128
    minn: int = 3
    maxn: int = 5
    bucket: int = 50_000
    hashCount: int = 2  # noqa: N815  (floret's spelling)
    epoch: int = 5
    minCount: int = 3  # noqa: N815
    thread: int = 1


def gold_articles(gold: Path = REALNEWS_GOLD) -> set[tuple[str, int]]:
    """The ``(source, index)`` of every real-news gold article, dev and test."""
    with gold.open(encoding="utf-8") as f:
        return {(record["source"], record["index"]) for record in map(json.loads, f)}


def raw_documents(rawtext: Path, left_out: set[tuple[str, int]]) -> Iterator[str]:
    """Every raw document under ``rawtext``, less the ``(source, index)`` pairs left out."""
    for path in sorted(rawtext.rglob("text.txt.gz")):
        source = path.parent.relative_to(rawtext).as_posix()
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for index, document in enumerate(f.read().split("\n\n")):
                if (source, index) not in left_out:
                    yield document
    for path in sorted(rawtext.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.reader(f):
                if row:
                    yield row[-1]


def tokenized_lines(document: str) -> Iterator[str]:
    for line in document.split("\n"):
        tokens = TOKEN.findall(line)
        if tokens:
            yield " ".join(tokens)


CASE_FREE_AFTER = frozenset('.!?:;"“”‘’\'(-–—•|')  # a token after these may be capitalised by position
CASING_MIN_COUNT = 5  # a word seen fewer times (case-free) has no casing code
CASING_BUCKETS = (0.05, 0.5, 0.95)  # share written lower case: below 0.05 -> 0, ... , from 0.95 -> 3


def casing_counts(lines: Iterable[str]) -> tuple[Counter, Counter]:
    """Case-free occurrences of each lower-cased word: all of them, and those in lower case."""
    seen, lowered = Counter(), Counter()
    for line in lines:
        tokens = line.split(" ")
        for previous, token in itertools.pairwise(tokens):
            if previous in CASE_FREE_AFTER or not token[:1].isalpha():
                continue
            key = token.lower()
            seen[key] += 1
            if token == key:
                lowered[key] += 1
    return seen, lowered


def casing_buckets(seen: Counter, lowered: Counter) -> dict[str, int]:
    """Word -> bucket of the share written in lower case (``CASING_BUCKETS``)."""
    return {word: bisect.bisect_right(CASING_BUCKETS, lowered[word] / n)
            for word, n in seen.items() if n >= CASING_MIN_COUNT}


def write_training_text(rawtext: Path, left_out: set[tuple[str, int]], path: Path) -> dict:
    """One tokenized paragraph per line; returns counts and the text's SHA-256 (the build's input)."""
    digest, documents, tokens = hashlib.sha256(), 0, 0
    with path.open("w", encoding="utf-8") as out:
        for document in raw_documents(rawtext, left_out):
            documents += 1
            for line in tokenized_lines(document):
                tokens += line.count(" ") + 1
                data = (line + "\n").encode("utf-8")
                digest.update(data)
                out.write(line + "\n")
    return {"documents": documents, "tokens": tokens, "sha256": digest.hexdigest()}


def build_casing(text: Path, path: Path) -> int:
    """The casing lexicon of the training text, written to ``path``; returns how many words it holds."""
    from spacy.strings import hash_string

    from pipeline.gazetteer import write_casing

    with text.open(encoding="utf-8") as f:
        buckets = casing_buckets(*casing_counts(line.rstrip("\n") for line in f))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_casing(path, {hash_string(word): bucket for word, bucket in buckets.items()})
    return len(buckets)


def write_vectors(text: Path, model_dir: Path, settings: FloretSettings) -> tuple[int, int]:
    """floret vectors of the training text as a spaCy vectors-only pipeline; returns the table's shape."""
    try:
        import floret
    except ImportError as exc:
        raise EntitasError("pretraining needs floret: pip install 'entitas[train]'") from exc
    import spacy
    from spacy.training.initialize import convert_vectors

    model = floret.train_unsupervised(str(text), mode="floret", verbose=1, **asdict(settings))
    floret_file = text.with_suffix(".floret")
    model.save_floret_vectors(str(floret_file))
    nlp = spacy.blank("id")
    convert_vectors(nlp, floret_file, truncate=0, prune=-1, mode="floret")
    model_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(model_dir)
    return nlp.vocab.vectors.data.shape


def build(rawtext: Path, vectors_dir: Path, casing_file: Path, settings: FloretSettings = FloretSettings(),
          vectors: bool = True) -> dict:
    """Both pieces from ``rawtext``; returns what went in and out, also written to
    ``vectors_dir/build.json``. ``vectors=False``: the casing lexicon alone (seconds, not minutes)."""
    left_out = gold_articles()
    with tempfile.TemporaryDirectory(prefix="entitas-pretrain-") as tmp:
        text = Path(tmp) / "text.txt"
        facts = write_training_text(rawtext, left_out, text)
        logger.info("training text: %d documents, %d tokens (%d gold articles left out)",
                    facts["documents"], facts["tokens"], len(left_out))
        facts["casing_words"] = build_casing(text, casing_file)
        logger.info("casing lexicon: %d words -> %s", facts["casing_words"], casing_file)
        if vectors:
            logger.info("training floret vectors (%s)", asdict(settings))
            facts["vectors_table"] = list(write_vectors(text, vectors_dir, settings))
    facts = {**facts, "gold_articles_left_out": len(left_out), "floret": asdict(settings)}
    if vectors:
        (vectors_dir / "build.json").write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    return facts
