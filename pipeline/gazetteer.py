"""Gazetteer features for the recogniser: does this token stand in a known name, and where?

Each token gets a code saying, for each label, whether it begins (``B``) or continues (``I``)
the longest name of that label's list that matches there, e.g. ``PER:B LOC:B`` for "Jakarta" in
a list of people and one of places. The code is written to the token's ``lemma`` (the pipeline
has no other use for it), and the tok2vec layer embeds it like any other token attribute, so
the model learns how far to trust each list.

The lists (DBpedia names, see models/README.md) are kept only as 64-bit hashes of the names:
the shipped component holds no text of the corpus.

With a casing lexicon (``make pretrain``: how often the raw news writes each word in lower case
where case is free), a capitalised token's code also says which of four buckets its word is in,
``lc0`` (never lower case: ``Bahlil``, ``Persija``) to ``lc3`` (nearly always: ``Keseimbangan``),
so that a capital from the sentence start or a title-case headline is told from a name's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.strings import hash_string

MAX_WORDS = 5


def name_hash(words: Sequence[str]) -> int:
    return hash_string(" ".join(words))


def build_table(names: Mapping[str, Iterable[str]]) -> dict[str, np.ndarray]:
    """Label -> sorted unique hashes of its names (names of up to ``MAX_WORDS`` words)."""
    table = {}
    for label, entries in names.items():
        hashes = {name_hash(words) for words in (name.split() for name in entries) if 0 < len(words) <= MAX_WORDS}
        table[label] = np.array(sorted(hashes), dtype=np.uint64)
    return table


def gazetteer_codes(words: Sequence[str], table: Mapping[str, frozenset[int]]) -> list[str]:
    """The code of each word: for each label, B/I of the longest listed name over it.

    Names start at a capitalised word; lower-case words are never looked up at the start of a
    name, so common words that happen to be in a list stay unmarked. Each n-gram is hashed
    once for all labels.
    """
    codes: list[list[str]] = [[] for _ in words]
    covered_until = dict.fromkeys(table, 0)
    for start, word in enumerate(words):
        if not word[:1].isupper():
            continue
        hashes = [(length, name_hash(words[start:start + length]))
                  for length in range(min(MAX_WORDS, len(words) - start), 0, -1)]
        for label, listed in table.items():
            if start < covered_until[label]:
                continue
            length = next((n for n, h in hashes if h in listed), 0)
            if length:
                codes[start].append(f"{label}:B")
                for inside in codes[start + 1:start + length]:
                    inside.append(f"{label}:I")
                covered_until[label] = start + length
    return [" ".join(c) for c in codes]


def casing_codes(words: Sequence[str], casing: Mapping[int, int]) -> list[str]:
    """``lcN`` for each capitalised word of the casing lexicon, else ""."""
    return [f"lc{casing[key]}" if word[:1].isupper() and (key := hash_string(word.lower())) in casing else ""
            for word in words]


def read_casing(path: Path) -> dict[int, int]:
    with np.load(path) as data:
        return dict(zip(data["keys"].tolist(), data["buckets"].tolist(), strict=True))


def write_casing(path: Path, casing: Mapping[int, int]) -> None:
    """The casing lexicon as ``read_casing`` reads it: ``keys`` (spaCy hashes of the lower-cased
    words, sorted) and their ``buckets``; no word of the text."""
    keys = sorted(casing)
    np.savez_compressed(path, keys=np.array(keys, dtype=np.uint64),
                        buckets=np.array([casing[key] for key in keys], dtype=np.uint8))


class GazetteerTagger:
    """spaCy component: writes each token's gazetteer (and casing) code to ``token.lemma_``."""

    FILE = "gazetteer.npz"
    CASING_FILE = "casing.npz"

    def __init__(self, nlp, name: str = "gazetteer"):
        self.name = name
        self.table: dict[str, frozenset[int]] = {}
        self.casing: dict[int, int] = {}

    def __call__(self, doc):
        words = [t.text for t in doc]
        codes = gazetteer_codes(words, self.table)
        if self.casing:
            codes = [" ".join(filter(None, pair)) for pair in zip(codes, casing_codes(words, self.casing), strict=True)]
        for token, code in zip(doc, codes, strict=True):
            if code:  # an empty code is the lemma a new Doc already has
                token.lemma_ = code
        return doc

    def pipe(self, docs, batch_size: int = 128):
        for doc in docs:
            yield self(doc)

    def initialize(self, get_examples=None, nlp=None, lists: str | None = None, casing: str | None = None) -> None:
        """``lists``: comma-separated folders or files (see ``read_lists``); ``casing``: the
        casing lexicon (``models/casing.npz``), or none."""
        if lists:
            self.set_table(build_table(read_lists([Path(folder) for folder in lists.split(",")])))
        if casing:
            self.casing = read_casing(Path(casing))

    def set_table(self, table: Mapping[str, np.ndarray]) -> None:
        self.table = {label: frozenset(hashes.tolist()) for label, hashes in table.items()}

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path / self.FILE, **{label: np.array(sorted(hashes), dtype=np.uint64)
                                                 for label, hashes in self.table.items()})
        if self.casing:
            write_casing(path / self.CASING_FILE, self.casing)

    def from_disk(self, path, exclude=()):
        with np.load(Path(path) / self.FILE) as data:
            self.set_table({label: data[label] for label in data.files})
        if (Path(path) / self.CASING_FILE).exists():
            self.casing = read_casing(Path(path) / self.CASING_FILE)
        return self


LIST_FILES = {"PER": "person.txt", "ORG": "organization.txt", "LOC": "place.txt"}


def read_lists(paths: Sequence[Path]) -> dict[str, list[str]]:
    """The names of each label from folders (their ``person.txt``, ``organization.txt`` and
    ``place.txt``) or single files so named; lines with undecodable bytes are dropped."""
    label_of = {name: label for label, name in LIST_FILES.items()}
    files = [(label, path / name) for path in paths if path.is_dir() for label, name in LIST_FILES.items()]
    for path in paths:
        if not path.is_dir() and path.name not in label_of:
            raise ValueError(f"gazetteer file {path} must be named one of {', '.join(label_of)}")
    files += [(label_of[path.name], path) for path in paths if not path.is_dir()]
    names: dict[str, list[str]] = {label: [] for label in LIST_FILES}
    for label, path in files:
        names[label] += [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
                         if line.strip() and "\ufffd" not in line]
    return names


@Language.factory("entitas_gazetteer")
def make_gazetteer(nlp, name: str) -> GazetteerTagger:
    return GazetteerTagger(nlp, name)
