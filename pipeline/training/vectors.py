"""Subword word vectors (floret) for the recogniser, trained on the shared Indonesian text.

Text: the BPPT-PANL news sentences, the tokens of every NER training corpus and the UD
training treebanks, and, optionally, the DBpedia name lists one name per line, so that words
of person, organisation and place names each share contexts with their own kind.
floret hashes words and character n-grams into a fixed table, so the vectors cover names never
seen in training and stay a few megabytes in size.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"\w+|[^\w\s]")


def simple_tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def corpus_lines(corpora: Path, with_gazetteers: bool) -> Iterator[str]:
    from pipeline.corpora import read_tagged_file
    from pipeline.training.tokenizer import read_conllu

    with (corpora / "rawtext" / "bppt_panl" / "bppt_panl.csv").open(encoding="utf-8") as f:
        for row in csv.reader(f):  # label,sentence rows, no header
            yield " ".join(simple_tokens(row[-1]))
    for path in sorted((corpora / "ner").glob("*/train*.txt")):
        for sentence in read_tagged_file(path):
            yield " ".join(sentence.tokens)
    for path in sorted((corpora / "ud").glob("*/*train.conllu")):
        for sentence in read_conllu(path):
            words = [line.split("\t")[1] for line in sentence
                     if not line.startswith("#") and line.split("\t")[0].isdigit()]
            yield " ".join(words)
    if with_gazetteers:
        for path in sorted((corpora / "gazetteers" / "dbpedia-id" / "original-dbpedia").glob("*.txt")):
            for line in path.read_bytes().decode("cp1252", errors="replace").splitlines():  # not UTF-8
                name = " ".join(simple_tokens(line.replace("_", " ")))
                if name:
                    yield name


def train_vectors(corpora: Path, work_dir: Path, out_dir: Path, dim: int = 100, bucket: int = 50000,
                  epochs: int = 10, threads: int = 2, with_gazetteers: bool = True) -> Path:
    """Train floret vectors and convert them to a spaCy vectors folder; returns that folder."""
    import floret
    import spacy
    from spacy.training.initialize import convert_vectors

    work_dir.mkdir(parents=True, exist_ok=True)
    text = work_dir / "vectors-text.txt"
    with text.open("w", encoding="utf-8") as out:
        n = 0
        for line in corpus_lines(corpora, with_gazetteers):
            out.write(line + "\n")
            n += 1
    logger.info("training floret vectors on %d lines", n)
    model = floret.train_unsupervised(
        str(text), model="cbow", mode="floret", hashCount=2, bucket=bucket, minn=3, maxn=5,
        dim=dim, epoch=epochs, thread=threads, minCount=2)
    floret_file = work_dir / "vectors.floret"
    model.save_floret_vectors(str(floret_file))
    nlp = spacy.blank("id")
    convert_vectors(nlp, floret_file, truncate=0, prune=-1, mode="floret")
    nlp.to_disk(out_dir)
    return out_dir
