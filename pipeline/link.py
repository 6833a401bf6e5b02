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
names. Across documents, clusters merge when they share a full name, a variant or an acronym
that stands for one long form only (short names never merge across documents: ``Widodo`` in
two articles may be two people). An entity's canonical name is its fullest name, and its id a
hash of (label, canonical name): the same input gives the same ids on every run and machine.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.lexicon import (
    ACRONYM_SKIP,
    LOCATION_DESIGNATORS,
    NAME_PARTICLES,
    ROLE_CONTINUATIONS,
    is_role_word,
    looks_like_acronym,
)
from pipeline.types import Entity, LinkedMention, Mention, ProcessedDocument

RULE_ORDER = ("exact", "user", "acronym", "short-name", "variant")


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    """Words of a name as written: letters and digits, with inner hyphens and apostrophes kept
    (``Ma'ruf``, ``Ramos-Horta``, ``al-Quds``)."""
    return re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", text)


def name_key(words: Sequence[str]) -> str:
    """What names are compared by: lower case, no accents, hyphens and apostrophes as spaces."""
    return " ".join(re.sub(r"['’-]", " ", strip_accents(" ".join(words))).lower().split())


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


def preceding_role(text: str, start: int, max_words: int = 7) -> str:
    """The role written just before a person's name, with the body it belongs to.

    ``Mayjen Hossein Salami`` -> ``Mayjen``; ``Gubernur Jawa Barat Ridwan Kamil`` -> ``Gubernur
    Jawa Barat``; ``pemimpin tertinggi Iran Ali Khamenei`` -> ``pemimpin tertinggi Iran``. The
    role starts at a role word and runs, within the clause, through capitalised words and role
    continuations up to the name.
    """
    clause = re.split(r"[,.;:!?()\[\]\"“”\n–—]", text[max(0, start - 100):start])[-1]
    words = clause.split()[-max_words:]
    if not words or clause[-1:].isalnum():
        return ""
    role_at = None
    for j in range(len(words) - 1, -1, -1):
        word = words[j]
        if is_role_word(word):
            role_at = j
        elif not (word[:1].isupper() or word[:1].isdigit() or word.lower() in ROLE_CONTINUATIONS
                  or word in ("dan", "&")):  # Menteri Pekerjaan Umum dan Perumahan Rakyat
            break
    if role_at is None:
        return ""
    while role_at > 0 and (is_role_word(words[role_at - 1]) or words[role_at - 1].lower() in ROLE_CONTINUATIONS):
        role_at -= 1
    return " ".join(words[role_at:])


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
    return "".join(w[0] for w in words if w.lower() not in ACRONYM_SKIP).upper()


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
    user_alias: bool = False  # the name was replaced from the user's alias file

    @property
    def key(self) -> str:
        return name_key(self.name)

    @property
    def written_acronym(self) -> str:
        """The parenthesised acronym of a long form (``IRGC``), an alias of its entity."""
        return self.acronym if len(self.name) > 1 and looks_like_acronym(self.acronym) else ""


def parse_mention(mention: Mention, text: str, clitic_at: Mapping[int, int]) -> ParsedName:
    """Read a mention as role + name (+ parenthesised acronym); see the module docstring."""
    surface = text[mention.start:clitic_at.get(mention.end, mention.end)]
    acronym = ""
    inside = re.fullmatch(r"(.+?)\s*\(([^()]+)\)\s*", surface)
    if inside and looks_like_acronym(inside.group(2).strip()):
        surface, acronym = inside.group(1), inside.group(2).strip()
    else:
        after = re.match(r"\s*\(([^()]{2,60})\)", text[mention.end:mention.end + 64])
        if after:
            acronym = after.group(1).strip()
    words = words_of(surface)
    if mention.label != "PER":
        descriptor, name = split_descriptor(words)
        return ParsedName(mention, " ".join(descriptor), tuple(name or words_of(mention.text)), acronym)
    inner_role, name = split_role(words)
    role = " ".join(filter(None, [preceding_role(text, mention.start), " ".join(inner_role)]))
    return ParsedName(mention, role, tuple(name or words_of(mention.text)), acronym)


@dataclass
class Cluster:
    label: str
    names: list[tuple[str, ...]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    # keys that may join clusters across documents (never short names)
    anchors: set[str] = field(default_factory=set)
    first_seen: int = -1  # offset of its earliest mention with more than one word
    joined_by: dict[str, str] = field(default_factory=dict)  # key -> the rule that brought it in

    def add(self, name: tuple[str, ...], rule: str, start: int) -> None:
        self.names.append(name)
        self.keys.add(name_key(name))
        self.joined_by.setdefault(name_key(name), rule)
        if rule != "short-name":
            self.anchors.add(name_key(name))
        if len(name) > 1 and (self.first_seen < 0 or start < self.first_seen):
            self.first_seen = start

    def long_names(self) -> list[tuple[str, ...]]:
        return [n for n in self.names if len(n) > 1]


def fullest(names: Iterable[tuple[str, ...]] | Mapping[tuple[str, ...], int]) -> tuple[str, ...]:
    """The name with most words, then most uses, then most letters, then alphabetical."""
    counts = names if isinstance(names, Mapping) else Counter(names)
    return min(counts, key=lambda n: (-len(n), -counts[n], -len(" ".join(n)), " ".join(n)))


@dataclass(frozen=True)
class ClusterSummary:
    """What merging across documents needs to know of one document's cluster."""

    label: str
    name_counts: tuple[tuple[tuple[str, ...], int], ...]  # each name and how often it is used
    keys: frozenset[str]
    anchors: frozenset[str]

    @classmethod
    def of(cls, cluster: Cluster) -> ClusterSummary:
        return cls(cluster.label, tuple(sorted(Counter(cluster.names).items())),
                   frozenset(cluster.keys), frozenset(cluster.anchors))

    @property
    def full_key(self) -> str:
        return name_key(fullest(dict(self.name_counts)))


@dataclass(frozen=True)
class LinkedDocument:
    parsed: tuple[ParsedName, ...]
    cluster_of: tuple[int, ...]  # per parsed mention
    rules: tuple[str, ...]
    clusters: tuple[Cluster, ...]


def acronym_pairs(parsed: Sequence[ParsedName]) -> dict[str, str]:
    """Acronym key -> long-form key, from acronyms written in parentheses beside a mention."""
    pairs: dict[str, str] = {}
    for p in parsed:
        if not p.acronym:
            continue
        written = words_of(p.acronym)
        if len(p.name) == 1 and looks_like_acronym(p.name[0]) and len(written) > 1:
            pairs.setdefault(p.key, name_key(split_role(written)[1]))  # IRGC (Korps ... Islam)
        elif len(p.name) > 1 and len(written) == 1 and looks_like_acronym(p.acronym):
            pairs.setdefault(name_key(written), p.key)  # Korps ... Islam (IRGC)
    return pairs


def link_document(document: ProcessedDocument, settings: LinkSettings = NO_STEERING) -> LinkedDocument:
    text = document.document.text
    clitic_at = dict(document.clitics)
    parsed = [parse_mention(m, text, clitic_at) for m in document.mentions]
    parsed = [_apply_user_alias(p, settings) for p in parsed]
    pairs = acronym_pairs(parsed)
    clusters: list[Cluster] = []
    cluster_of: list[int] = [-1] * len(parsed)
    rules: list[str] = [""] * len(parsed)
    order = sorted(range(len(parsed)), key=lambda i: (len(parsed[i].name) == 1, i))
    for i in order:
        p = parsed[i]
        target, rule = _find_cluster(p, clusters, pairs, settings)
        if target is None:
            clusters.append(Cluster(p.mention.label))
            target, rule = len(clusters) - 1, "exact"
        rule = "user" if p.user_alias else rule
        clusters[target].add(p.name, rule, p.mention.start)
        acronym_key = name_key((p.written_acronym,))
        if p.written_acronym and not settings.forbids(acronym_key, clusters[target].keys):
            clusters[target].add((p.written_acronym,), "acronym", p.mention.start)
        cluster_of[i], rules[i] = target, rule
    return LinkedDocument(tuple(parsed), tuple(cluster_of), tuple(rules), tuple(clusters))


def _apply_user_alias(p: ParsedName, settings: LinkSettings) -> ParsedName:
    canonical = settings.aliases.get((p.mention.label, p.key))
    return ParsedName(p.mention, p.role, canonical, p.acronym, user_alias=True) if canonical else p


def _find_cluster(p: ParsedName, clusters: Sequence[Cluster], pairs: Mapping[str, str],
                  settings: LinkSettings) -> tuple[int | None, str]:
    label, key = p.mention.label, p.key
    same_label = [(c, cl) for c, cl in enumerate(clusters)
                  if cl.label == label and not settings.forbids(key, cl.keys)]
    for c, cl in same_label:
        if key in cl.keys:  # linked as its first mention was: Salami, Salami, ... all short-name
            return c, cl.joined_by[key]
    found = _acronym_cluster(p, same_label, pairs)
    if found is not None:
        return found, "acronym"
    if (len(p.name) == 1 and label == "ORG") or label == "PER":
        found, ambiguous = _short_name_cluster(p, same_label)
        if found is not None or ambiguous:
            return found, "short-name"
    for c, cl in same_label:
        if any(is_variant(key, other, label) for other in cl.anchors):
            return c, "variant"
    if label == "LOC":
        found = _designated_cluster(p, same_label)
        if found is not None:
            return found, "variant"
    return None, "exact"


def _acronym_cluster(p: ParsedName, same_label: Sequence[tuple[int, Cluster]], pairs: Mapping[str, str]) -> int | None:
    long_key = pairs.get(p.key)
    if long_key is not None:
        return next((c for c, cl in same_label if long_key in cl.keys), None)
    if p.mention.label in ("ORG", "LOC") and len(p.name) == 1 and looks_like_acronym(p.name[0]):
        spelled = [c for c, cl in same_label if any(initials(n) == p.name[0] for n in cl.long_names())]
        if len(spelled) == 1:
            return spelled[0]
    return None


def _short_name_cluster(p: ParsedName, same_label: Sequence[tuple[int, Cluster]]) -> tuple[int | None, bool]:
    """The one cluster whose full name holds this one-word name, and whether several do.

    A person's short name is any of the words of the full name, in order (``Salami``,
    ``Budi Karya`` of ``Budi Karya Sumadi``); an organisation's is its first or last word
    (``Persib`` of ``Persib Bandung``, ``Golkar`` of ``Partai Golkar``). Full names written
    before the mention decide; if none is, the document's full names do.
    """
    short = p.key.split()

    def holds(name: tuple[str, ...]) -> bool:
        words = name_key(name).split()
        if len(words) <= len(short):
            return False
        if p.mention.label != "PER":
            return short[0] in (words[0], words[-1])
        rest = iter(words)
        return all(word in rest for word in short)  # a subsequence, in order

    holders = [(c, cl) for c, cl in same_label if any(holds(n) for n in cl.long_names())]
    earlier = [c for c, cl in holders if 0 <= cl.first_seen < p.mention.start]
    candidates = earlier or [c for c, _ in holders]
    if len(candidates) == 1:
        return candidates[0], False
    return None, len(candidates) > 1


def _designated_cluster(p: ParsedName, same_label: Sequence[tuple[int, Cluster]]) -> int | None:
    """A place named with or without a designator, where the designator is not in conflict."""
    def bare(key: str) -> tuple[str, str]:
        first, _, rest = key.partition(" ")
        return (rest, first) if first in LOCATION_DESIGNATORS and rest else (key, "")

    name, designator = bare(p.key)
    matches = []
    for c, cl in same_label:
        forms = [bare(k) for k in cl.keys]
        designators = {d for _, d in forms if d}
        if any(n == name for n, _ in forms) and (not designator or designators <= {designator}):
            matches.append(c)
    return matches[0] if len(matches) == 1 else None


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


def _entity(eid: str, label: str, names: Counter) -> Entity:
    canonical = " ".join(fullest(names))
    return Entity(eid, canonical, label, tuple(sorted({" ".join(n) for n in names} - {canonical})))


class EntityIndex:
    """The entity of every document cluster, and the entities, after merging across documents.

    Built from a function that yields the (node, summary) pairs of all clusters and may be
    called again: four passes over them (acronym ambiguity, unions, names per group, ids), so
    that the clusters may live on disk and memory holds only what grows with the number of
    distinct names (see ``link`` for the rules).
    """

    def __init__(self, clusters: Callable[[], Iterable[tuple[Node, ClusterSummary]]],
                 settings: LinkSettings = NO_STEERING) -> None:
        # A shorter name (an acronym, say) joins documents only if it stands for one full name in all.
        expansions: dict[tuple[str, str], set[str]] = defaultdict(set)
        for _, cl in clusters():
            full = cl.full_key
            for key in cl.anchors - {full}:
                expansions[(cl.label, key)].add(full)
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

        group_names: dict[object, Counter] = defaultdict(Counter)
        for node, cl in clusters():
            group_names[self._group(node, cl)].update(dict(cl.name_counts))
        # A group's id comes from its fullest name. Groups left apart (an ambiguous acronym, a
        # refused merge) may share that name, and then share the id, so that an id names one
        # row of entities.csv; the merged names may have another fullest name, so buckets of
        # names are renamed and merged until each is named by its own fullest name.
        buckets: dict[object, Counter] = group_names
        label_of = {group: group[1] if group[0] == "apart" else group[0] for group in group_names}
        self.group_id: dict[object, object] = {group: group for group in group_names}
        while True:
            renamed = {key: entity_id(label_of[key], name_key(fullest(names))) for key, names in buckets.items()}
            if all(renamed[key] == key for key in buckets):
                break
            merged: dict[object, Counter] = defaultdict(Counter)
            for key, names in buckets.items():
                merged[renamed[key]].update(names)
            label_of = {renamed[key]: label for key, label in label_of.items()}
            self.group_id = {group: renamed[key] for group, key in self.group_id.items()}
            buckets = merged
        self.entities = sorted((_entity(eid, label_of[eid], names) for eid, names in buckets.items()),
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


def mention_links(ld: LinkedDocument) -> Iterator[tuple[ParsedName, int, str, str]]:
    """Each mention of a linked document: parsed name, cluster, rule, and its acronym alias."""
    for p, c, rule in zip(ld.parsed, ld.cluster_of, ld.rules, strict=True):
        acronym = p.written_acronym if name_key((p.written_acronym,)) in ld.clusters[c].keys else ""
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
    linked = [LinkedMention(p.mention, index.entity_of((d, c), summaries[(d, c)]), " ".join(p.name), p.role, rule,
                            acronym)
              for d, ld in enumerate(linked_docs) for p, c, rule, acronym in mention_links(ld)]
    return linked, index.entities
