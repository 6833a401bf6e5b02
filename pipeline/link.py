"""Stage 4: group mentions into entities, within each document and then across documents.

Each mention is first read as a *name*: role words (a person's titles, ranks, offices, inside
the mention or just before it; the lower-case words opening an organisation or place name,
``gerakan perlawanan Hamas``) go to its ``role``, a clitic glued to its end (``Jakartanya``) and
a parenthesised acronym are set aside. Its *key* is the name in lower case without accents,
hyphens or apostrophes (``al-Quds`` = ``Al Quds``).

Within a document, mentions with more than one word are linked first, then one-word ones;
each joins the first cluster of its label that one of these rules finds (``rule`` column):

- ``exact``: a cluster that already has its key (a repeated name keeps the rule that linked
  it first: every ``Salami`` after ``Hossein Salami`` is a ``short-name``);
- ``acronym``: an acronym written in parentheses beside a long form, either way round
  (``Korps Pengawal Revolusi Islam (IRGC)``, whatever the letters), or, for ORG and LOC,
  the initials of exactly one long form of the document; the pair holds for the document;
- ``short-name``: a person name whose words are words of exactly one fuller person name of
  the document, in order (``Salami`` -> ``Hossein Salami``, ``Budi Karya`` -> ``Budi Karya
  Sumadi``), or a one-word organisation name that is the first or last word of exactly one
  (``Persib`` -> ``Persib Bandung``); full names written before the mention decide, and a name
  that two of them share links to neither;
- ``variant``: a spelling or transliteration variant (``Teheran``/``Tehran``,
  ``Hizbullah``/``Hezbollah``): same first letter, same consonant skeleton once vowels, ``h``
  and doubled letters are dropped, at least five letters; for persons, only names of two or more
  words whose every word agrees so;
- ``user``: an alias from the user's alias file.

A cluster never takes a name that the user's forbidden-merges file keeps apart from one of its
names, and the merges a rule refuses (a short name that two full names hold; a one-word name
of an official written only in a list of people) are kept as ``candidates``. Keys of
organisations and places expand short forms (``TN``, ``Kejati``, ``Jabar``) and drop company
designators (``PT``, ``Persero``, ``Tbk``), so that ``PT KAI`` = ``KAI``; two people in one
span (``Prabowo Subianto-Sandiaga Uno``) link to no one.

Across documents, clusters merge when they share a key, a variant or an acronym that stands
for one long form only; then a short name or acronym joins the one fuller name of its label
that the whole run gives for it (``run``: ``Sri Mulyani`` -> ``Sri Mulyani Indrawati``), a
one-word name only where a document links the two (``Widodo`` in two articles may be two
people); two fuller names leave it apart, as candidates. An entity's canonical name is its
fullest name written in the body (no headline, boilerplate or pair of people), and its id a
hash of (label, canonical name): the same input gives the same ids on every run and machine.
Each person's role, with the organisation or place it names, is an affiliation.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby

from pipeline.lexicon import (
    ACRONYM_SKIP,
    CITY_AND_REGENCY,
    COMPANY_PREFIXES,
    COMPANY_SUFFIXES,
    LOCATION_DESIGNATORS,
    NAME_PARTICLES,
    ORG_HEADS,
    ORGANISATION_COUNTRY_SUFFIXES,
    ROLE_CONTINUATIONS,
    WEB_SUFFIXES,
    WORD_EXPANSIONS,
    is_role_word,
    looks_like_acronym,
)
from pipeline.types import Entity, LinkedMention, Mention, ProcessedDocument

RULE_ORDER = ("exact", "user", "acronym", "short-name", "variant", "run")


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    """Words of a name as written: letters and digits, with inner hyphens and apostrophes kept
    (``Ma'ruf``, ``Ramos-Horta``, ``al-Quds``)."""
    return re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", text)


def name_key(words: Sequence[str]) -> str:
    """What names are compared by: lower case, no accents, hyphens and apostrophes as spaces."""
    return " ".join(re.sub(r"['’-]", " ", strip_accents(" ".join(words))).lower().split())


def match_key(words: Sequence[str], label: str) -> str:
    """The key a name is linked by: ``name_key``, and for an organisation or a place, short forms
    written for whole words expanded (``TN`` -> ``taman nasional``, ``Jabar`` -> ``jawa barat``),
    and for an organisation its company designators (``PT``, ``Persero``, ``Tbk``), country
    suffix (``DPR RI``) and web suffix (``Tribunnews.com``) dropped. A name is never stripped to
    nothing."""
    return _match_key(tuple(words), label)


@functools.lru_cache(maxsize=1 << 16)  # a run asks for the same few thousand names again and again
def _match_key(words: tuple[str, ...], label: str) -> str:
    key = name_key(words).split()
    if label == "PER":
        return " ".join(key)
    expanded: list[str] = []
    for i, word in enumerate(key):
        long = WORD_EXPANSIONS.get(word)
        expanded.extend(long if long and tuple(key[i:i + len(long)]) != long else (word,))
    if label == "ORG":
        while len(expanded) > 1 and expanded[0] in COMPANY_PREFIXES:
            expanded.pop(0)
        while len(expanded) > 1 and expanded[-1] in COMPANY_SUFFIXES | ORGANISATION_COUNTRY_SUFFIXES | WEB_SUFFIXES:
            expanded.pop()
    return " ".join(expanded)


def split_descriptor(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """Lower-case words opening an organisation or place name and the name after them
    ("gerakan perlawanan" + "Hamas", "wilayah" + "Gaza"); a name is never stripped to nothing."""
    i = 0
    while i < len(words) - 1 and words[i][:1].islower() and words[i].lower() not in NAME_PARTICLES:
        i += 1
    if not any(w[:1].isupper() for w in words[i:]):
        return [], list(words)
    return list(words[:i]), list(words[i:])


def split_role(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """Leading role words and the name after them; a name is never stripped to nothing."""
    i = 0
    while i < len(words) - 1 and (is_role_word(words[i]) or (
            i > 0 and words[i].lower() in ROLE_CONTINUATIONS)):
        i += 1
    return list(words[:i]), list(words[i:])


def _role_start(words: Sequence[str]) -> int | None:
    """Where the role that ends these words starts: at a role word, running through capitalised
    words and role continuations up to the end (``Gubernur Jawa Barat``)."""
    role_at = None
    for j in range(len(words) - 1, -1, -1):
        word = words[j]
        if is_role_word(word):
            role_at = j
        elif not (word[:1].isupper() or word[:1].isdigit() or word.lower() in ROLE_CONTINUATIONS
                  or word in ("dan", "&")):  # Menteri Pekerjaan Umum dan Perumahan Rakyat
            break
    if role_at is None:
        return None
    while role_at > 0 and (is_role_word(words[role_at - 1]) or words[role_at - 1].lower() in ROLE_CONTINUATIONS):
        role_at -= 1
    return role_at


_CLAUSE_END = r"[,.;:!?()\[\]\"“”\n–—]"


def preceding_role(text: str, start: int, max_words: int = 7) -> tuple[str, int]:
    """The role written just before a person's name, with the body it belongs to, and where it
    starts in the text (``("", start)`` when there is none).

    ``Mayjen Hossein Salami`` -> ``Mayjen``; ``Gubernur Jawa Barat Ridwan Kamil`` -> ``Gubernur
    Jawa Barat``; ``pemimpin tertinggi Iran Ali Khamenei`` -> ``pemimpin tertinggi Iran``. The
    role starts at a role word and runs, within the clause, through capitalised words and role
    continuations up to the name. A role that makes a whole clause, closed by a comma before the
    name, is an apposition: ``Ketua KPK, Setyo Budiyanto``.
    """
    before = text[max(0, start - 120):start]
    clause = re.split(_CLAUSE_END, before)[-1]
    if clause.strip() == "" and before.rstrip().endswith(","):  # Ketua KPK, Setyo Budiyanto
        clause = re.split(_CLAUSE_END, before.rstrip()[:-1])[-1]
        words = clause.split()
        role_at = _role_start(words[-max_words:]) if 0 < len(words) <= max_words else None
        if role_at != 0:
            return "", start
    else:
        words = clause.split()[-max_words:]
        if not words or clause[-1:].isalnum():
            return "", start
        role_at = _role_start(words)
        if role_at is None:
            return "", start
    role = " ".join(words[role_at:])
    return role, text.rindex(role, 0, start)


def following_role(text: str, end: int, max_words: int = 7) -> tuple[str, int]:
    """A role written after a person's name as an apposition, and where it starts:
    ``Setyo Budiyanto, Ketua KPK, mengatakan`` -> ``Ketua KPK``."""
    after = re.match(r",\s*([^,.;:!?()\[\]\"“”\n–—]{2,100}?)\s*[,.;:]", text[end:end + 120])
    if not after:
        return "", end
    words = after.group(1).split()
    if len(words) > max_words or not is_role_word(words[0]) or _role_start(words) != 0:
        return "", end
    return " ".join(words), end + after.start(1)


def skeleton(word: str) -> str:
    """A word with vowels, ``h`` and doubled letters dropped: ``teheran`` -> ``trn``."""
    consonants = re.sub(r"[aeiouyh]", "", word.replace("j", "y").replace("w", "v"))
    return re.sub(r"(.)\1+", r"\1", consonants)


def is_variant(a: str, b: str, label: str = "LOC") -> bool:
    """Two keys are spellings of one name (see the module docstring for the evidence asked)."""
    if a == b:
        return True
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb) or (label == "PER" and len(wa) < 2):
        return False
    for x, y in zip(wa, wb, strict=True):
        if x == y:
            continue
        if x[0] != y[0] or min(len(x), len(y)) < 5 or abs(len(x) - len(y)) > 2:
            return False
        if skeleton(x) != skeleton(y) or len(skeleton(x)) < 3:
            return False
    return True


def initials(words: Sequence[str]) -> str:
    """The initials an acronym of this name would have: skipped words and company designators
    left out (``PT Kereta Api Indonesia`` -> ``KAI``)."""
    return "".join(w[0] for w in words if w.lower() not in ACRONYM_SKIP | COMPANY_PREFIXES | COMPANY_SUFFIXES).upper()


@dataclass(frozen=True)
class LinkSettings:
    """The user's steering: extra aliases and forbidden merges (read by ``pipeline.steering``)."""

    aliases: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    forbidden: frozenset[frozenset[str]] = frozenset()

    def forbids(self, key: str, keys: Iterable[str]) -> bool:
        return any(frozenset((key, other)) in self.forbidden for other in keys if other != key)


NO_STEERING = LinkSettings()


@dataclass(frozen=True)
class ParsedName:
    mention: Mention
    role: str
    name: tuple[str, ...]
    acronym: str = ""  # written in parentheses beside the mention
    user_canonical: tuple[str, ...] = ()  # the user's alias file reads this name as that one
    role_span: tuple[int, int] = (0, 0)  # where the role is written in the text
    pair: bool = False  # two people in one span: "Prabowo Subianto-Sandiaga Uno", "Prabowo/Gibran"

    @property
    def key(self) -> str:
        return match_key(self.user_canonical or self.name, self.mention.label)

    @property
    def written_key(self) -> str:
        return match_key(self.name, self.mention.label)

    @property
    def written_acronym(self) -> str:
        """The parenthesised acronym of a long form (``IRGC``), an alias of its entity."""
        return self.acronym if len(self.name) > 1 and looks_like_acronym(self.acronym) else ""


_COMPANY_SUFFIX_IN_PARENTHESES = re.compile(r"\s*\((?:" + "|".join(sorted(COMPANY_SUFFIXES)) + r")\)", re.IGNORECASE)
# Two people in one span: a slash, a spaced dash, or a hyphen between two names of two words each.
_PAIR = re.compile(r"\w\s*/\s*\w|\w\s+[-–—]\s+\w|[\w'’]+\s+[\w'’]+-[\w'’]+\s+\w")


def parse_mention(mention: Mention, text: str, clitic_at: Mapping[int, int]) -> ParsedName:
    """Read a mention as role + name (+ parenthesised acronym); see the module docstring."""
    surface = text[mention.start:clitic_at.get(mention.end, mention.end)]
    if mention.label == "ORG":
        surface = _COMPANY_SUFFIX_IN_PARENTHESES.sub("", surface)
    acronym = ""
    inside = re.fullmatch(r"(.+?)\s*\(([^()]+)\)\s*", surface)
    if inside and looks_like_acronym(inside.group(2).strip()):
        surface, acronym = inside.group(1), inside.group(2).strip()
    else:
        following = _COMPANY_SUFFIX_IN_PARENTHESES.sub("", text[mention.end:mention.end + 80])
        after = re.match(r"\s*\(([^()]{2,60})\)", following)
        if after:
            acronym = after.group(1).strip()
    words = words_of(surface)
    if mention.label != "PER":
        descriptor, name = split_descriptor(words)
        return ParsedName(mention, " ".join(descriptor), tuple(name or words_of(mention.text)), acronym)
    inner_role, name = split_role(words)
    before, before_at = preceding_role(text, mention.start)
    after, after_at = ("", mention.end) if before or inner_role else following_role(text, mention.end)
    role = " ".join(filter(None, [before, " ".join(inner_role), after]))
    if before:
        role_span = (before_at, mention.start)
    elif after:
        role_span = (after_at, after_at + len(after))
    else:
        role_span = (mention.start, mention.start + len(" ".join(inner_role)))
    return ParsedName(mention, role, tuple(name or words_of(mention.text)), acronym, role_span=role_span,
                      pair=bool(_PAIR.search(surface)))


@dataclass
class Cluster:
    label: str
    names: list[tuple[str, ...]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    # keys that may join clusters across documents (never short names)
    anchors: set[str] = field(default_factory=set)
    first_seen: int = -1  # offset of its earliest mention with more than one word
    joined_by: dict[str, str] = field(default_factory=dict)  # key -> the rule that brought it in
    # names that may be its canonical name: written in the body, not a headline, not two people
    titles: list[tuple[str, ...]] = field(default_factory=list)
    fuller: list[tuple[str, ...]] = field(default_factory=list)  # names of 2+ words a short name may be of
    listed_only: bool = True  # every one of its fuller names is written in a list of three or more people

    def add(self, name: tuple[str, ...], key: str, rule: str, start: int, *, title: bool = True,
            holder: bool = True) -> None:
        self.names.append(name)
        self.keys.add(key)
        self.joined_by.setdefault(key, rule)
        if title:
            self.titles.append(name)
        if rule != "short-name":
            self.anchors.add(key)
        if len(name) > 1 and holder:
            self.fuller.append(name)
            if self.first_seen < 0 or start < self.first_seen:
                self.first_seen = start

    def long_names(self) -> list[tuple[str, ...]]:
        return self.fuller


def fullest(names: Iterable[tuple[str, ...]] | Mapping[tuple[str, ...], int], label: str = "PER") -> tuple[str, ...]:
    """The name with most words (as linked: ``DPR RI`` has the one word of ``DPR``), then most
    uses (the spelling most written wins over a typo), then most letters, then alphabetical."""
    counts = names if isinstance(names, Mapping) else Counter(names)
    return min(counts, key=lambda n: (-len(match_key(n, label).split()), -counts[n], -len(" ".join(n)), " ".join(n)))


@dataclass(frozen=True)
class ClusterSummary:
    """What merging across documents needs to know of one document's cluster."""

    label: str
    name_counts: tuple[tuple[tuple[str, ...], int], ...]  # each name and how often it is used
    keys: frozenset[str]
    anchors: frozenset[str]
    # the names that may be its canonical name (body, no headline, no pair), and how often
    title_counts: tuple[tuple[tuple[str, ...], int], ...] = ()
    # the keys that a rule of the document linked to its other names (short names, acronyms)
    linked: frozenset[str] = frozenset()
    holder: bool = True  # a short name may stand for its name (no pair of people: "Prabowo-Gibran")

    @classmethod
    def of(cls, cluster: Cluster) -> ClusterSummary:
        return cls(cluster.label, tuple(sorted(Counter(cluster.names).items())),
                   frozenset(cluster.keys), frozenset(cluster.anchors), tuple(sorted(Counter(cluster.titles).items())),
                   frozenset(k for k, rule in cluster.joined_by.items() if rule in ("short-name", "acronym", "user")),
                   bool(cluster.fuller) or all(len(n) == 1 for n in cluster.names))

    @functools.cached_property
    def title(self) -> tuple[str, ...]:
        """The name it would be called by: the fullest of its title names, else of all its names."""
        return fullest(dict(self.title_counts or self.name_counts), self.label)

    @functools.cached_property
    def full_key(self) -> str:
        return match_key(self.title, self.label)

    @property
    def is_acronym(self) -> bool:
        """Its name is an acronym (``KPK``; a person's of three letters or more: ``SBY``)."""
        title = self.title
        return len(title) == 1 and looks_like_acronym(title[0]) and (self.label != "PER" or len(title[0]) >= 3)


@dataclass(frozen=True)
class Candidate:
    """A merge not taken: the cluster's name may stand for the other one, on this evidence."""

    cluster: int
    other: int
    reason: str


@dataclass(frozen=True)
class Affiliation:
    """A person's role as the document writes it, and the organisation or place it names."""

    mention: int  # the person's mention (index into ``LinkedDocument.parsed``)
    named: int  # the cluster of the organisation or place the role names, or -1


@dataclass(frozen=True)
class LinkedDocument:
    parsed: tuple[ParsedName, ...]
    cluster_of: tuple[int, ...]  # per parsed mention
    rules: tuple[str, ...]
    clusters: tuple[Cluster, ...]
    candidates: tuple[Candidate, ...] = ()
    affiliations: tuple[Affiliation, ...] = ()


def acronym_pairs(parsed: Sequence[ParsedName]) -> dict[str, str]:
    """Acronym key -> long-form key, from acronyms written in parentheses beside a mention."""
    pairs: dict[str, str] = {}
    for p in parsed:
        if not p.acronym:
            continue
        written = words_of(p.acronym)
        label = p.mention.label
        if len(p.name) == 1 and looks_like_acronym(p.name[0]) and len(written) > 1:
            pairs.setdefault(p.key, match_key(split_role(written)[1], label))  # IRGC (Korps ... Islam)
        elif len(p.name) > 1 and len(written) == 1 and looks_like_acronym(p.acronym):
            pairs.setdefault(match_key(written, label), p.key)  # Korps ... Islam (IRGC)
    return pairs


def headline_end(text: str) -> int:
    """Where a headline ends: a first line of at most 200 characters not ending in a full stop,
    with more text after it (0 where the text opens with no headline)."""
    first, newline, rest = text.partition("\n")
    if newline and rest.strip() and len(first) <= 200 and not re.search(r"\.\s*$", first):
        return len(first)
    return 0


def listed_people(parsed: Sequence[ParsedName], text: str) -> set[int]:
    """The person mentions that stand in a list of three or more people: names of one sentence
    one after the other, with a comma, semicolon or ``dan`` (and maybe a role) between them."""
    people = sorted((p.mention.start, i) for i, p in enumerate(parsed) if p.mention.label == "PER")
    runs: list[list[int]] = []
    previous = None
    for _, i in people:
        m = parsed[i].mention
        if previous is not None:
            pm = parsed[previous].mention
            if pm.sentence == m.sentence and _list_gap(text[pm.end:m.start]):
                runs[-1].append(i)
                previous = i
                continue
        runs.append([i])
        previous = i
    return {i for run in runs if len(run) >= 3 for i in run}


def _list_gap(gap: str) -> bool:
    """What stands between two names of a list: a comma, semicolon or ``dan``, and maybe the next
    one's role (``, Ahmed Zaki``; ``; Bupati Tangerang, Ahmed Zaki``)."""
    words = re.findall(r"[,;]|[^\W_][\w.]*", gap)
    return (len(words) <= 8 and not re.search(r"[!?]|\.\s", gap) and any(w in (",", ";", "dan", "serta") for w in words)
            and all(w in (",", ";", "dan", "serta") or w[:1].isupper() or w.lower() in ROLE_CONTINUATIONS
                    for w in words))


def link_document(document: ProcessedDocument, settings: LinkSettings = NO_STEERING) -> LinkedDocument:
    text = document.document.text
    clitic_at = dict(document.clitics)
    parsed = [parse_mention(m, text, clitic_at) for m in document.mentions]
    parsed = [_apply_user_alias(_with_name_word(p, parsed), settings) for p in parsed]
    pairs = acronym_pairs(parsed)
    headline = headline_end(text)
    listed = listed_people(parsed, text)
    places = {p.key for p in parsed if p.mention.label == "LOC"}
    clusters: list[Cluster] = []
    candidates: list[Candidate] = []
    cluster_of: list[int] = [-1] * len(parsed)
    rules: list[str] = [""] * len(parsed)
    order = sorted(range(len(parsed)), key=lambda i: (len(parsed[i].name) == 1, i))
    for i in order:
        p = parsed[i]
        target, rule, refused = (None, "exact", []) if p.pair else _find_cluster(p, clusters, pairs, places, settings)
        if target is None:
            clusters.append(Cluster(p.mention.label))
            target, rule = len(clusters) - 1, "exact"
        candidates += [Candidate(target, other, reason) for other, reason in refused]
        title = p.mention.zone == "body" and p.mention.start >= headline and not p.pair and not p.name[-1].isdigit()
        cluster = clusters[target]
        if p.user_canonical:
            rule = "user"
            cluster.add(p.user_canonical, p.key, rule, p.mention.start)
        cluster.add(p.name, p.written_key, rule, p.mention.start, title=title and not p.user_canonical,
                    holder=not p.pair)
        if len(p.name) > 1 and not p.pair and i not in listed:
            cluster.listed_only = False
        acronym_key = match_key((p.written_acronym,), p.mention.label)
        if p.written_acronym and not settings.forbids(acronym_key, cluster.keys):
            cluster.add((p.written_acronym,), acronym_key, "acronym", p.mention.start, title=False)
        cluster_of[i], rules[i] = target, rule
    candidates = [c for c in dict.fromkeys(candidates) if c.cluster != c.other]
    return LinkedDocument(tuple(parsed), tuple(cluster_of), tuple(rules), tuple(clusters), tuple(candidates),
                          tuple(affiliations(parsed, cluster_of, clusters)))


def affiliations(parsed: Sequence[ParsedName], cluster_of: Sequence[int],
                 clusters: Sequence[Cluster]) -> Iterator[Affiliation]:
    """Each person's role in the document, once per person and role, with the organisation or
    place it names: a mention of the document written inside the role (``Gubernur Jawa Barat``),
    else the longest tail of the role that is a name of the document (``Ketua KPK`` -> ``KPK``)."""
    seen = set()
    inside = sorted((p.mention.start, p.mention.end, cluster_of[i]) for i, p in enumerate(parsed)
                    if p.mention.label != "PER")
    for i, p in enumerate(parsed):
        if p.mention.label != "PER" or not p.role or (cluster_of[i], p.role) in seen:
            continue
        seen.add((cluster_of[i], p.role))
        start, end = p.role_span
        named = next((c for a, b, c in inside if start <= a and b <= end), None)
        words = words_of(p.role)
        for at in range(1, len(words)):
            if named is not None:
                break
            named = next((c for c, cl in enumerate(clusters) if cl.label != "PER"
                          and match_key(words[at:], cl.label) in cl.keys), None)
        yield Affiliation(i, -1 if named is None else named)


def _with_name_word(p: ParsedName, parsed: Sequence[ParsedName]) -> ParsedName:
    """A title word that the document also writes alone as a person is that person's name:
    ``Imam Nahrawi`` with ``Imam`` later is the name ``Imam Nahrawi``, not the title ``Imam``."""
    first = words_of(p.mention.text)[:1]
    if p.mention.label != "PER" or not first or not is_role_word(first[0]) or p.name[:1] == tuple(first):
        return p
    alone = any(o.mention.label == "PER" and o.name == tuple(first) and o.mention.text == first[0] for o in parsed)
    if not alone:
        return p
    role = p.role.rsplit(" ", 1)[0] if p.role.endswith(first[0]) and p.role != first[0] else ""
    return replace(p, name=(first[0], *p.name), role=role)


def _apply_user_alias(p: ParsedName, settings: LinkSettings) -> ParsedName:
    canonical = settings.aliases.get((p.mention.label, name_key(p.name)))
    return replace(p, user_canonical=canonical) if canonical else p


Refused = list[tuple[int, str]]  # clusters a name may stand for but was not linked to, and why


def _find_cluster(p: ParsedName, clusters: Sequence[Cluster], pairs: Mapping[str, str], places: set[str],
                  settings: LinkSettings) -> tuple[int | None, str, Refused]:
    """The cluster a name joins and by which rule (None: a new one), and the merges refused."""
    label, key = p.mention.label, p.key
    same_label = [(c, cl) for c, cl in enumerate(clusters)
                  if cl.label == label and not settings.forbids(key, cl.keys)]
    for c, cl in same_label:
        if key in cl.keys:  # linked as its first mention was: Salami, Salami, ... all short-name
            return c, cl.joined_by[key], []
    found = _acronym_cluster(p, same_label, pairs)
    if found is not None:
        return found, "acronym", []
    if label in ("PER", "ORG"):
        found, refused = _short_name_cluster(p, same_label, places)
        if found is not None or refused:
            return found, "short-name", refused
    for c, cl in same_label:
        if any(is_variant(key, other, label) for other in cl.anchors):
            return c, "variant", []
    if label == "LOC":
        found = _designated_cluster(p, same_label)
        if found is not None:
            return found, "variant", []
    return None, "exact", []


def _acronym_cluster(p: ParsedName, same_label: Sequence[tuple[int, Cluster]], pairs: Mapping[str, str]) -> int | None:
    long_key = pairs.get(p.key)
    if long_key is not None:
        return next((c for c, cl in same_label if long_key in cl.keys), None)
    acronym = p.name[-1]  # PT KAI: the key is one word, kai
    if p.mention.label in ("ORG", "LOC") and len(p.key.split()) == 1 and looks_like_acronym(acronym):
        spelled = [c for c, cl in same_label if any(initials(n) == acronym for n in cl.long_names())]
        if len(spelled) == 1:
            return spelled[0]
    return None


def holds(short: Sequence[str], full: Sequence[str], label: str, places: set[str] | None = None,
          acronym: bool = False) -> bool:
    """Whether the short key's words may be a short form of the full key's words.

    A person's short name is any of the words of the full name, in order (``Salami``,
    ``Budi Karya`` of ``Budi Karya Sumadi``). An organisation's is its first or last word
    (``Persib`` of ``Persib Bandung``, ``Golkar`` of ``Partai Golkar``; an acronym only its first:
    ``DPR`` is not ``Komisi III DPR``, a body of it), or the leading words of a
    body named with its region (``Kejaksaan Tinggi`` of ``Kejaksaan Tinggi Jawa Barat``, where
    ``places`` holds ``jawa barat`` or the region is one of the provinces' short forms).
    """
    if len(full) <= len(short):
        return False
    if label == "PER":
        rest = iter(full)
        return all(word in rest for word in short)  # a subsequence, in order
    if len(short) == 1:  # never a club's other squad: Persib is not Persib B, nor Timnas of Timnas U-23
        ends = (full[0], full[-1]) if not acronym else (full[0],)  # DPR is not Komisi III DPR
        return short[0] in ends and not re.fullmatch(r"[a-z]|[ivx]+|u \d+", " ".join(full[1:]))
    region = " ".join(full[len(short):])
    return (list(full[:len(short)]) == list(short) and short[0] in ORG_HEADS
            and (region in (places or ()) or region in _REGIONS))


_REGIONS = frozenset(" ".join(long) for long in WORD_EXPANSIONS.values())


def _short_name_cluster(p: ParsedName, same_label: Sequence[tuple[int, Cluster]],
                        places: set[str]) -> tuple[int | None, Refused]:
    """The one cluster whose full name holds this name (``holds``), and the merges refused.

    Full names written before the mention decide (for a body without its region, all of the
    document's do); if none is, the document's full names do. A
    name that two full names hold links to neither. A one-word person name does not link to a
    full name of which it is not the first word where that full name is only ever written in a
    list of three or more people: an official ``Budi Prabowo`` in a list is not the President
    ``Prabowo`` named alone.
    """
    short = p.key.split()
    acronym = len(p.name) == 1 and looks_like_acronym(p.name[0])
    holders = [(c, cl) for c, cl in same_label
               if any(holds(short, match_key(n, cl.label).split(), cl.label, places, acronym) for n in cl.long_names())]
    earlier = [c for c, cl in holders if 0 <= cl.first_seen < p.mention.start]
    body_of_region = p.mention.label == "ORG" and len(short) > 1  # Timnas U-19: of Indonesia or of Iran?
    candidates = (not body_of_region and earlier) or [c for c, _ in holders]
    if len(candidates) > 1:
        return None, [(c, "several fuller names in the document") for c in candidates]
    if len(candidates) == 1:
        c = candidates[0]
        cluster = dict(same_label)[c]
        given_name = any(match_key(n, "PER").split()[0] == short[0] for n in cluster.long_names())
        if p.mention.label == "PER" and len(short) == 1 and cluster.listed_only and not given_name:
            return None, [(c, "the fuller name is written only in a list of people")]
        return c, []
    return None, []


def _designated_cluster(p: ParsedName, same_label: Sequence[tuple[int, Cluster]]) -> int | None:
    """A place named with or without a designator, where the designator is not in conflict; a
    bare name is the one regency of that name the document names, unless a city has it too."""
    name, designator = bare_place(p.key)
    matches = []
    for c, cl in same_label:
        forms = [bare_place(k) for k in cl.keys]
        designators = {d for _, d in forms if d}
        kinds = designators | ({designator} if designator else set())
        if name in CITY_AND_REGENCY and "kabupaten" in kinds and not designator == "kabupaten" == "".join(designators):
            continue  # Bandung may be the city: only Kabupaten Bandung is the regency
        if any(n == name for n, _ in forms) and (not designator or designators <= {designator}):
            matches.append(c)
    return matches[0] if len(matches) == 1 else None


def bare_place(key: str) -> tuple[str, str]:
    """A place's key without its designator, and the designator: ``kota bekasi`` -> (``bekasi``,
    ``kota``), ``stasiun kota banjar`` -> (``stasiun banjar``, ``kota``)."""
    words = key.split()
    at = next((i for i, w in enumerate(words) if w in LOCATION_DESIGNATORS or w == "kabupaten"), None)
    if at is None or len(words) == 1:
        return key, ""
    return " ".join(words[:at] + words[at + 1:]), words[at]


def entity_id(label: str, key: str) -> str:
    return "E" + hashlib.sha1(f"{label}|{key}".encode()).hexdigest()[:10]


class _UnionFind:
    """Groups of nodes; a union that would put two forbidden names in one group is refused."""

    def __init__(self, forbidden: frozenset[frozenset[str]] = frozenset()) -> None:
        self.parent: dict[object, object] = {}
        self.keys: dict[object, set[str]] = {}
        self.forbidden = forbidden

    def add(self, node: object, keys: Iterable[str]) -> None:
        self.keys.setdefault(self.find(node), set()).update(keys)

    def add_if_allowed(self, node: object, keys: Iterable[str]) -> bool:
        """Give the node's group these keys too, unless one is forbidden with one it has."""
        keys = set(keys)
        if self._conflict(self.keys.get(self.find(node), set()), keys):
            return False
        self.add(node, keys)
        return True

    def _conflict(self, a: set[str], b: set[str]) -> bool:
        return bool(self.forbidden) and any(frozenset((x, y)) in self.forbidden for x in a for y in b)

    def find(self, x: object) -> object:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: object, b: object) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        ka, kb = self.keys.get(ra, set()), self.keys.get(rb, set())
        if self._conflict(ka, kb):
            return
        root, child = min(ra, rb, key=repr), max(ra, rb, key=repr)
        self.parent[child] = root
        self.keys[root] = ka | kb
        self.keys.pop(child, None)


def _join_variants(groups: _UnionFind, nodes: Iterable[tuple[str, str]]) -> None:
    """Join names of one label that are spelling variants (Teheran/Tehran) across documents."""
    buckets: dict[tuple, list[str]] = defaultdict(list)
    for label, key in nodes:
        buckets[(label, tuple(w[0] + skeleton(w) for w in key.split()))].append(key)
    for (label, _), keys in sorted(buckets.items()):
        keys = sorted(keys)
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                if is_variant(a, b, label):
                    groups.union((label, a), (label, b))


Node = tuple[int, int]  # (document number, cluster number in that document)


def _entity(eid: str, label: str, names: Counter, titles: Counter) -> Entity:
    canonical = " ".join(fullest(titles or names, label))
    return Entity(eid, canonical, label, tuple(sorted({" ".join(n) for n in names} - {canonical})))


class FullerNames:
    """The fuller names of the whole run a short name or an acronym may stand for.

    Two kinds of evidence: a document that links the short name to a fuller one (``linked``:
    ``Sri Mulyani Indrawati ... Sri Mulyani``, ``Bank Indonesia (BI)``), and fuller names of the
    run that hold it (``holds``; an acronym: their initials; a place: the name without its
    designator). Built from one pass over the clusters; holds what grows with distinct names.
    """

    def __init__(self) -> None:
        self.linked: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.by_word: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.by_initials: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.by_bare: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.apart: dict[tuple[str, str], set[str]] = defaultdict(set)

    def add(self, cl: ClusterSummary) -> None:
        full = cl.full_key
        for key in cl.linked - {full}:
            self.linked[(cl.label, key)].add(full)
        words = full.split()
        if len(words) < 2 or not cl.holder:
            return
        if cl.label != "LOC":
            for word in set(words) if cl.label == "PER" else {words[0], words[-1]}:
                self.by_word[(cl.label, word)].add(full)
        self.by_initials[(cl.label, initials(words))].add(full)
        if cl.label == "LOC":
            bare, designator = bare_place(full)
            if designator and not (designator == "kabupaten" and bare in CITY_AND_REGENCY):
                self.by_bare[(cl.label, bare)].add(full)

    def keep_apart(self, document: Sequence[ClusterSummary]) -> None:
        """A document that names a short name and a fuller name that holds it as two entities
        keeps them apart (``Joko Widodo`` beside ``Iriana Joko Widodo``) in the whole run."""
        for short in document:
            for full in document:
                if full.label == short.label and full.full_key != short.full_key \
                        and full.full_key in self._holding(short, {full.full_key}):
                    self.apart[(short.label, short.full_key)].add(full.full_key)

    def of(self, cl: ClusterSummary) -> tuple[set[str], set[str]]:
        """The fuller names a document links this cluster's name to, and those that hold it,
        less those a document keeps apart from it."""
        short = cl.full_key
        apart = self.apart.get((cl.label, short), set()) | {short}
        return self.linked.get((cl.label, short), set()) - apart, self._holding(cl) - apart

    def _holding(self, cl: ClusterSummary, among: set[str] | None = None) -> set[str]:
        label, words = cl.label, cl.full_key.split()
        holding: set[str] = set()
        if label == "PER" or (label == "ORG" and len(words) == 1):
            sets = [among or self.by_word.get((label, w), set()) for w in (words if label == "PER" else words[:1])]
            holding = ({f for f in set.intersection(*sets) if holds(words, f.split(), label, acronym=cl.is_acronym)}
                       if sets else set())
        if cl.is_acronym:
            spelled = self.by_initials.get((label, cl.title[0].upper()), set())
            holding |= spelled & among if among is not None else spelled
        bare = self.by_bare.get((label, cl.full_key), set())
        return holding | (bare & among if among is not None else bare)


MAX_CANDIDATES = 20  # fuller names listed per short name left apart


class EntityIndex:
    """The entity of every document cluster, and the entities, after merging across documents.

    Built from a function that yields the (node, summary) pairs of all clusters and may be
    called again: five passes over them (acronym ambiguity and fuller names, unions, short names,
    names per group, ids), so that the clusters may live on disk and memory holds only what grows
    with the number of distinct names (see ``link`` for the rules).
    """

    def __init__(self, clusters: Callable[[], Iterable[tuple[Node, ClusterSummary]]],
                 settings: LinkSettings = NO_STEERING) -> None:
        # A shorter name (an acronym, say) joins documents only if it stands for one full name in all.
        expansions: dict[tuple[str, str], set[str]] = defaultdict(set)
        fuller = FullerNames()
        for _, document in groupby(clusters(), key=lambda pair: pair[0][0]):
            document = [cl for _, cl in document]
            for cl in document:
                full = cl.full_key
                for key in cl.anchors - {full}:
                    expansions[(cl.label, key)].add(full)
                fuller.add(cl)
            fuller.keep_apart(document)
        self.ambiguous = {k for k, v in expansions.items() if len(v) > 1}
        del expansions

        self.groups = _UnionFind(settings.forbidden)
        # The anchor through which a cluster joined its group, where it is not its first usable
        # one (the forbidden file refused that), or None where every one was refused: few
        # clusters, and only when a forbidden file is given.
        self.joined_at: dict[Node, str | None] = {}
        anchors: set[tuple[str, str]] = set()
        for node, cl in clusters():
            usable = self._anchors(cl)
            for key in usable:
                self.groups.add((cl.label, key), [key])
            anchors.update((cl.label, key) for key in usable)
            joined = next((key for key in usable if self.groups.add_if_allowed((cl.label, key), cl.keys)), None)
            if usable and joined != usable[0]:
                self.joined_at[node] = joined
            if joined:
                for key in usable:
                    self.groups.union((cl.label, joined), (cl.label, key))
        _join_variants(self.groups, anchors)

        # A short name or acronym of which the run gives exactly one fuller name joins it (a
        # one-word name that is no organisation's acronym, only where a document links the two);
        # else the fuller names are candidates, listed for the user to confirm.
        self.by_run: set[tuple[str, str]] = set()
        self.candidates: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (label, short) -> (fuller, reason)
        for _, cl in clusters():
            short = (cl.label, cl.full_key)
            if short in self.by_run or short in self.candidates or short not in anchors:
                continue
            linked, holding = fuller.of(cl)
            names = sorted(linked | holding)
            one_word = len(cl.full_key.split()) == 1 and (cl.label == "PER" or not cl.is_acronym)
            if len(names) == 1 and (cl.label, names[0]) in anchors and (linked or cl.label == "LOC" or not one_word):
                self.groups.union(short, (cl.label, names[0]))
                self.by_run.add(short)
            elif len(names) == 1:
                self.candidates[short] = [(names[0], "one-word name: no document links it to the fuller name")]
            elif names:
                reason = f"{len(names)} fuller names in the run"
                self.candidates[short] = [(name, reason) for name in names[:MAX_CANDIDATES]]
        del fuller

        group_names: dict[object, Counter] = defaultdict(Counter)
        group_titles: dict[object, Counter] = defaultdict(Counter)
        for node, cl in clusters():
            group = self._group(node, cl)
            group_names[group].update(dict(cl.name_counts))
            group_titles[group].update(dict(cl.title_counts))
        # A group's id comes from its canonical name. Groups left apart (an ambiguous acronym, a
        # refused merge) may share that name, and then share the id, so that an id names one
        # row of entities.csv; the merged names may have another canonical name, so buckets of
        # names are renamed and merged until each is named by its own canonical name.
        buckets = {group: (names, group_titles[group]) for group, names in group_names.items()}
        del group_names, group_titles
        label_of = {group: group[1] if group[0] == "apart" else group[0] for group in buckets}
        self.group_id: dict[object, object] = {group: group for group in buckets}
        while True:
            renamed = {key: entity_id(label_of[key], name_key(fullest(titles or names, label_of[key])))
                       for key, (names, titles) in buckets.items()}
            if all(renamed[key] == key for key in buckets):
                break
            merged: dict[object, tuple[Counter, Counter]] = defaultdict(lambda: (Counter(), Counter()))
            for key, (names, titles) in buckets.items():
                merged[renamed[key]][0].update(names)
                merged[renamed[key]][1].update(titles)
            label_of = {renamed[key]: label for key, label in label_of.items()}
            self.group_id = {group: renamed[key] for group, key in self.group_id.items()}
            buckets = dict(merged)
        self.entities = sorted((_entity(eid, label_of[eid], names, titles) for eid, (names, titles) in buckets.items()),
                               key=lambda e: e.entity_id)

    def _anchors(self, cl: ClusterSummary) -> list[str]:
        return sorted(k for k in cl.anchors if (cl.label, k) not in self.ambiguous)

    def _group(self, node: Node, cl: ClusterSummary) -> object:
        anchor = self.joined_at[node] if node in self.joined_at else next(iter(self._anchors(cl)), None)
        if anchor is None:  # alone: grouped with the clusters of the same label and fullest name
            return ("apart", cl.label, cl.full_key)
        return self.groups.find((cl.label, anchor))

    def entity_of(self, node: Node, cl: ClusterSummary) -> str:
        return self.group_id[self._group(node, cl)]

    def linked_by_run(self, cl: ClusterSummary) -> bool:
        """Whether the cluster joined its entity as a short name of the one fuller name of the run."""
        return (cl.label, cl.full_key) in self.by_run

    def run_candidates(self, node: Node, cl: ClusterSummary) -> list[tuple[str, str]]:
        """The entities the cluster's name may stand for but was not merged with, and why."""
        found = []
        for name, reason in self.candidates.get((cl.label, cl.full_key), []):
            group = self.groups.find((cl.label, name))
            if group in self.group_id:
                found.append((self.group_id[group], reason))
        return found


def mention_links(ld: LinkedDocument) -> Iterator[tuple[ParsedName, int, str, str]]:
    """Each mention of a linked document: parsed name, cluster, rule, and its acronym alias."""
    for p, c, rule in zip(ld.parsed, ld.cluster_of, ld.rules, strict=True):
        acronym = p.written_acronym if match_key((p.written_acronym,), p.mention.label) in ld.clusters[c].keys else ""
        yield p, c, rule, acronym


def link(documents: Sequence[ProcessedDocument],
         settings: LinkSettings = NO_STEERING) -> tuple[list[LinkedMention], list[Entity]]:
    """Link within each document, then merge clusters across documents (module docstring).

    Across documents, clusters merge when they share an anchor (a name that no short-name
    rule brought in) that stands for one full name in all documents, or a spelling variant of
    one; a merge that would join two names of the forbidden-merges file is refused.
    """
    linked_docs = [link_document(d, settings) for d in documents]
    summaries = {(d, c): ClusterSummary.of(cl) for d, ld in enumerate(linked_docs) for c, cl in enumerate(ld.clusters)}
    index = EntityIndex(lambda: iter(summaries.items()), settings)
    linked = [LinkedMention(p.mention, index.entity_of((d, c), summaries[(d, c)]), " ".join(p.name), p.role,
                            "run" if rule == "exact" and index.linked_by_run(summaries[(d, c)]) else rule, acronym)
              for d, ld in enumerate(linked_docs) for p, c, rule, acronym in mention_links(ld)]
    return linked, index.entities
