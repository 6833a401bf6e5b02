"""The data that travels between stages: frozen records keyed by character offsets.

Every ``start``/``end`` is a character offset into ``Document.text``, the NFC-normalised text
of the document; ``Document.to_source`` maps it back into the text as it was read.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

LABELS = ("PER", "ORG", "LOC")  # what the recogniser finds: people, organisations, places


@dataclass(frozen=True)
class Zone:
    """A stretch of text with a kind other than article body (``boilerplate``)."""

    start: int
    end: int
    kind: str
    rule: str


@dataclass(frozen=True)
class Document:
    doc_id: str
    source: str
    text: str
    zones: tuple[Zone, ...] = ()
    # Offsets where normalisation changed the text: (normalised offset, source offset) pairs,
    # sorted; empty when the text was already NFC, which is nearly always.
    offset_anchors: tuple[tuple[int, int], ...] = ()
    status: str = "ok"
    error: str = ""
    base_offset: int = 0  # where this text starts in the source (a part of a very long text)
    # The text as read, where normalisation changed it (else ""): the offsets of the tables count in it.
    raw_text: str = ""
    # When it was published, ISO 8601 (``2024-01-17T10:15:00+07:00``, or ``2024-01-17`` for a day), or "".
    date: str = ""
    # The input's other fields (a JSONL record's or CSV row's, an HTML page's title...), as text.
    metadata: tuple[tuple[str, str], ...] = ()

    @property
    def source_text(self) -> str:
        """The text as read from the source, which the tables' offsets (less ``base_offset``) index."""
        return self.raw_text or self.text

    def zone_of(self, start: int, end: int) -> Zone | None:
        return next((z for z in self.zones if z.start < end and start < z.end), None)

    def zone_at(self, start: int, end: int) -> str:
        zone = self.zone_of(start, end)
        return zone.kind if zone else "body"

    def to_source(self, offset: int) -> int:
        keys = [norm for norm, _ in self.offset_anchors]
        i = bisect_right(keys, offset) - 1
        if i < 0:
            return self.base_offset + offset
        norm, src = self.offset_anchors[i]
        return self.base_offset + src + (offset - norm)


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    # Where a clitic (``-nya``, ``-kah``, ...) split off by the MWT model begins, if any.
    clitic_start: int | None = None


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class TokenizedDocument:
    document: Document
    sentences: tuple[Sentence, ...]

    @property
    def n_tokens(self) -> int:
        return sum(len(s.tokens) for s in self.sentences)


@dataclass(frozen=True)
class Mention:
    doc_id: str
    sentence: int
    start: int
    end: int
    text: str
    label: str
    confidence: float = 1.0
    zone: str = "body"


@dataclass(frozen=True)
class LinkedMention:
    mention: Mention
    entity_id: str
    name: str  # the mention with role words and clitics removed
    role: str = ""
    rule: str = "exact"
    acronym: str = ""  # an acronym the text writes in parentheses beside it: another alias


@dataclass(frozen=True)
class Entity:
    entity_id: str
    canonical: str
    label: str
    aliases: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ProcessedDocument:
    """A document after tokenize and recognize: what linking and the tables need, tokens dropped.

    Kept small on purpose: a run holds one per document until the tables are written.
    """

    document: Document
    sentences: tuple[tuple[int, int], ...]  # (start, end) of each sentence
    n_tokens: int
    clitics: tuple[tuple[int, int], ...] = ()  # (token end, clitic start) for -nya and the like
    mentions: tuple[Mention, ...] = ()

    @classmethod
    def of(cls, tokenized: TokenizedDocument, mentions: Sequence[Mention]) -> ProcessedDocument:
        return cls(
            tokenized.document,
            tuple((s.start, s.end) for s in tokenized.sentences),
            tokenized.n_tokens,
            tuple((t.end, t.clitic_start) for s in tokenized.sentences for t in s.tokens
                  if t.clitic_start is not None),
            tuple(mentions),
        )

    def sentence_text(self, index: int) -> str:
        start, end = self.sentences[index]
        return self.document.text[start:end]
