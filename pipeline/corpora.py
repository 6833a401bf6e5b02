"""Readers for token-tagged NER files, normalised to BIO tags over PER / ORG / LOC.

Two layouts are read:
- CoNLL style: one token per line, the tag in the last whitespace- or tab-separated column,
  a blank line between sentences (idner-news-2k, NERGrit, NERP);
- slash style: one sentence per line, ``token/TAG`` items (the IndoBERTweet Twitter set).

Tags may be BIO, BIOES, BILOU or IO; label names are mapped with ``LABEL_MAP`` (extendable by the
caller, as NER training does for NERP's ``IND``) and every other label becomes ``O``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputError

LABEL_MAP: Mapping[str, str] = {
    "PER": "PER", "PERSON": "PER", "PPL": "PER",
    "ORG": "ORG", "ORGANIZATION": "ORG", "ORGANISATION": "ORG",
    "LOC": "LOC", "LOCATION": "LOC", "PLACE": "LOC", "PLC": "LOC",
}


# What a tag may look like: O, a prefixed label (B-PER, I_ORG, S-LOC) or a bare label (IO scheme).
TAG = re.compile(r"O|[BIESLU][-_][A-Za-z_]+|[A-Z][A-Z_]+")


@dataclass(frozen=True)
class TaggedSentence:
    tokens: tuple[str, ...]
    tags: tuple[str, ...]  # BIO over LABELS

    def spans(self) -> list[tuple[int, int, str]]:
        return bio_to_spans(self.tags)


def split_tag(tag: str) -> tuple[str, str]:
    """``B-PERSON`` -> (``B``, ``PERSON``); ``PERSON`` (IO scheme) -> (``I``, ``PERSON``)."""
    if tag in ("O", "", "_"):
        return "O", ""
    if len(tag) > 2 and tag[1] in "-_" and tag[0].upper() in "BIESLU":
        return tag[0].upper(), tag[2:]
    return "I", tag


def normalise_tags(tags: Iterable[str], label_map: Mapping[str, str] = LABEL_MAP) -> tuple[str, ...]:
    """Any of BIO / BIOES / IO with any label names -> BIO over PER/ORG/LOC."""
    out: list[str] = []
    previous_label, previous_prefix = "", "O"
    for tag in tags:
        prefix, raw = split_tag(tag)
        label = label_map.get(raw.upper(), "") if raw else ""
        if not label:
            out.append("O")
            previous_label, previous_prefix = "", "O"
            continue
        continues = (prefix in ("I", "E", "L") and previous_label == label
                     and previous_prefix not in ("E", "S", "L", "U"))
        out.append(f"I-{label}" if continues else f"B-{label}")
        previous_label, previous_prefix = label, prefix
    return tuple(out)


def bio_to_spans(tags: Iterable[str]) -> list[tuple[int, int, str]]:
    """BIO tags -> (start, end_exclusive, label) token spans."""
    spans: list[tuple[int, int, str]] = []
    start, label = None, ""
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, raw = split_tag(tag)
        if start is not None and (prefix != "I" or raw != label):
            spans.append((start, i, label))
            start = None
        if prefix in ("B", "I") and start is None:
            start, label = i, raw
    return spans


def parse_conll(text: str, label_map: Mapping[str, str] = LABEL_MAP) -> list[TaggedSentence]:
    sentences: list[TaggedSentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    for number, line in enumerate(text.splitlines() + [""], start=1):
        if line.startswith("-DOCSTART-") or (line.startswith("#") and not TAG.fullmatch(line.split()[-1])):
            continue  # document markers and comment lines (# sent_id = ..., # text = ...)
        fields = line.split("\t") if "\t" in line else line.split()
        if not line.strip():
            if tokens:
                sentences.append(TaggedSentence(tuple(tokens), normalise_tags(tags, label_map)))
                tokens, tags = [], []
            continue
        if len(fields) < 2 or not TAG.fullmatch(fields[-1].strip()):
            raise InputError(f"line {number}: expected a token and a tag (O, B-PER, PERSON, ...), got {line!r}")
        tokens.append(fields[0].strip())
        tags.append(fields[-1].strip())
    return sentences


def parse_slash_tagged(text: str, label_map: Mapping[str, str] = LABEL_MAP) -> list[TaggedSentence]:
    sentences = []
    for number, line in enumerate(text.splitlines(), start=1):
        items = line.split()
        if not items:
            continue
        if any("/" not in item or not TAG.fullmatch(item.rsplit("/", 1)[1]) for item in items):
            raise InputError(f"line {number}: every item must be token/TAG")
        pairs = [pair for pair in (item.rsplit("/", 1) for item in items) if pair[0]]  # "/O": no token
        if not pairs:
            continue
        sentences.append(TaggedSentence(tuple(p[0] for p in pairs),
                                        normalise_tags((p[1] for p in pairs), label_map)))
    return sentences


def read_tagged_file(path: Path, label_map: Mapping[str, str] = LABEL_MAP) -> list[TaggedSentence]:
    """Read a NER file in either layout, told apart by its first non-blank line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    first = next((line for line in text.splitlines() if line.strip()), "")
    slash_layout = len(first.split()) > 2 and all("/" in item for item in first.split())
    sentences = (parse_slash_tagged if slash_layout else parse_conll)(text, label_map)
    if not sentences:
        raise InputError(f"{path} holds no tagged sentences")
    return sentences


# Corpus tokens that keep punctuation the Stanza tokenizer splits off: "(KPU)", "dibiarkan,".
EDGE_PUNCTUATION = re.compile(r"^([(\[\"'“‘]*)(.*?)([)\]\"'”’,;:!?]*)$")


def split_edge_punctuation(token: str) -> tuple[list[str], int]:
    """The pieces Stanza would make of a corpus token, and the index of its core piece."""
    lead, core, trail = EDGE_PUNCTUATION.match(token).groups()
    if not core:
        return [token], 0
    return [*lead, core, *trail], len(lead)


def retokenize(sentence: TaggedSentence) -> tuple[TaggedSentence, list[int]]:
    """Split edge punctuation off corpus tokens, as the product's tokenizer does.

    Inside an entity (``I-`` tag) the punctuation stays in the entity, as the corpus has it
    (``Partai Persatuan Pembangunan (PPP)``); at its start it is left outside (``(Jokowi)``).
    Returns the new sentence and, for each original token, the index of its core piece.
    """
    tokens: list[str] = []
    tags: list[str] = []
    cores: list[int] = []
    for token, tag in zip(sentence.tokens, sentence.tags, strict=True):
        pieces, core = split_edge_punctuation(token)
        cores.append(len(tokens) + core)
        tokens.extend(pieces)
        tags.extend(tag if i == core or tag.startswith("I-") else "O" for i in range(len(pieces)))
    return TaggedSentence(tuple(tokens), normalise_tags(tags)), cores
