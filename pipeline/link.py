"""Stage 4: group mentions into entities, within a document and then across documents.

The rules, in the order they are tried for each mention (the ``rule`` column of aliases.csv):

- ``exact``: the same name key (case, punctuation, titles and clitics aside) as an earlier
  mention of the same label;
- ``acronym``: an acronym written in parentheses right after a long form, or the reverse
  (``Korps Pengawal Revolusi Islam (IRGC)``), or the initials of a long form of the same
  document; the pair holds for the whole document;
- ``short-name``: a one-word person name that is a word of exactly one fuller person name of
  the document, the nearest earlier one if it is seen before (``Salami`` -> ``Hossein Salami``);
  a word shared by two different full names links to neither;
- ``variant``: a spelling or transliteration variant of a name of the same label
  (``Teheran``/``Tehran``), accepted only when the names agree but for vowels, doubled
  letters and ``h``, and are long enough for that to be strong evidence.

Across documents, entities of the same label whose canonical keys agree share one id, a hash of
(label, key): the same input gives the same ids on every run and on every machine.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.types import Entity, LinkedMention, Mention, TokenizedDocument

# Words before a name that say what the person is, not who: ranks, offices, honorifics.
ROLE_WORDS = frozenset("""
bapak pak ibu bu saudara saudari tuan nyonya nona sdr sdri h hj haji hajah kh dr drs dra ir prof
syekh syeikh sheikh ayatollah imam ustaz ustad ustadz habib kiai kyai gus ning raden mas
jenderal jendral letjen mayjen brigjen kolonel kol letkol mayor kapten lettu letda serda sertu
laksamana laksdya laksda laksma marsekal marsdya marsda marsma irjen brigjen kombes akbp akp
kompol iptu ipda aiptu bripka brigadir komjen kapolri kapolda kapolres kasad kasal kasau panglima
presiden wapres wakil menteri menko menlu menhan mendagri menkeu ketua kepala pemimpin pimpinan
komandan direktur dirut gubernur wagub bupati wabup walikota wali kota camat lurah sekjen sekretaris
jenderal juru bicara jubir raja ratu pangeran putra putri sultan perdana paus uskup pastor pendeta
anggota senator duta besar dubes hakim jaksa kepala staf mantan almarhum alm mendiang
""".split())

# Short function words that are skipped when an acronym is read off a long form.
ACRONYM_SKIP = frozenset("dan untuk dari di ke yang atas bagi pada the of and for".split())

# Particles written into names (al-Quds, bin Salman) that keep their place but not their case.
NAME_PARTICLES = frozenset("al el bin binti ibn ibnu van von de der da di la le abu".split())


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    """Words of a name: letters and digits, with hyphens and apostrophes as breaks."""
    return re.findall(r"[^\W_]+", strip_accents(text))


def name_key(words: Sequence[str]) -> str:
    return " ".join(w.lower() for w in words)


def split_role(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """Leading role words and the name after them; a name is never stripped to nothing."""
    i = 0
    while i < len(words) - 1 and words[i].lower().rstrip(".") in ROLE_WORDS:
        i += 1
    return list(words[:i]), list(words[i:])


def skeleton(key: str) -> str:
    """The name with vowels, ``h`` and doubled letters dropped: ``teheran`` -> ``trn``."""
    consonants = re.sub(r"[aeiouyh\s]", "", key.replace("j", "y").replace("w", "v"))
    return re.sub(r"(.)\1+", r"\1", consonants)


def is_variant(a: str, b: str) -> bool:
    """Two keys are spellings of one name: same skeleton, similar length, same first letter."""
    if a == b:
        return True
    if a[:1] != b[:1] or min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 2:
        return False
    if len(a.split()) != len(b.split()):
        return False
    return skeleton(a) == skeleton(b) and len(skeleton(a)) >= 3


def initials(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words if w.lower() not in ACRONYM_SKIP).upper()


def looks_like_acronym(word: str) -> bool:
    return 2 <= len(word) <= 10 and word.isupper() and word.isalpha()


@dataclass
class _Cluster:
    label: str
    names: list[list[str]]  # the role-free names of its mentions

    def fullest(self) -> list[str]:
        counts = Counter(name_key(n) for n in self.names)
        return max(self.names, key=lambda n: (len(n), counts[name_key(n)], len(" ".join(n))))

    def key(self) -> str:
        return name_key(self.fullest())


@dataclass(frozen=True)
class _Parsed:
    mention: Mention
    role: str
    name: list[str]


def parse_mention(mention: Mention, clitic_starts: frozenset[int]) -> _Parsed:
    text = mention.text
    for offset in sorted(clitic_starts):
        if mention.start < offset < mention.end and offset - mention.start == len(text.rstrip()) - 3:
            text = text[: offset - mention.start]  # Jakartanya -> Jakarta
    acronym_tail = re.fullmatch(r"(.+?)\s*\(([^()]+)\)\s*", text)
    if acronym_tail:
        text = acronym_tail.group(1)
    role, name = split_role(words_of(text))
    return _Parsed(mention, " ".join(role), name or words_of(mention.text))


def parenthesised_acronyms(document_text: str, parsed: Sequence[_Parsed]) -> dict[str, int]:
    """Acronym -> index of the long-form mention it stands beside in parentheses."""
    pairs: dict[str, int] = {}
    for i, p in enumerate(parsed):
        inside = re.fullmatch(r".+?\s*\(([^()]+)\)\s*", p.mention.text)
        after = re.match(r"\s*\(([^()]{2,12})\)", document_text[p.mention.end:p.mention.end + 16])
        acronym = (inside or after).group(1).strip() if (inside or after) else ""
        if looks_like_acronym(acronym) and len(p.name) > 1:
            pairs.setdefault(acronym.lower(), i)
    return pairs


def link_document(document: TokenizedDocument,
                  mentions: Sequence[Mention]) -> tuple[list[tuple[_Parsed, int, str]], list[_Cluster]]:
    """Cluster one document's mentions: (parsed mention, cluster index, rule) each, and the clusters."""
    clitics = frozenset(t.clitic_start for s in document.sentences for t in s.tokens if t.clitic_start)
    parsed = [parse_mention(m, clitics) for m in mentions]
    acronyms = parenthesised_acronyms(document.document.text, parsed)
    clusters: list[_Cluster] = []
    assigned: list[tuple[_Parsed, int, str]] = []
    by_key: dict[tuple[str, str], int] = {}

    def attach(p: _Parsed, cluster: int, rule: str) -> None:
        clusters[cluster].names.append(p.name)
        by_key.setdefault((p.mention.label, name_key(p.name)), cluster)
        assigned.append((p, cluster, rule))

    long_forms = [p for p in parsed if len(p.name) > 1]
    for index, p in enumerate(parsed):
        label, key = p.mention.label, name_key(p.name)
        if (label, key) in by_key:
            attach(p, by_key[(label, key)], "exact")
            continue
        target = _acronym_target(p, index, parsed, acronyms, by_key, long_forms)
        if target is not None:
            attach(p, target[0], target[1])
            continue
        target = _short_name_target(p, assigned, clusters, long_forms)
        if target is not None:
            attach(p, target, "short-name")
            continue
        target = next((c for (lab, k), c in by_key.items() if lab == label and is_variant(k, key)), None)
        if target is not None:
            attach(p, target, "variant")
            continue
        clusters.append(_Cluster(label, []))
        attach(p, len(clusters) - 1, "exact")
    return assigned, clusters


def _acronym_target(p, index, parsed, acronyms, by_key, long_forms):
    label, key = p.mention.label, name_key(p.name)
    if key in acronyms and acronyms[key] != index:
        long_form = parsed[acronyms[key]]
        cluster = by_key.get((long_form.mention.label, name_key(long_form.name)))
        if cluster is not None:
            return cluster, "acronym"
    if len(p.name) == 1 and looks_like_acronym(p.name[0]):
        matches = {name_key(f.name) for f in long_forms
                   if f.mention.label == label and initials(f.name) == p.name[0]}
        if len(matches) == 1:
            cluster = by_key.get((label, matches.pop()))
            if cluster is not None:
                return cluster, "acronym"
    return None


def _short_name_target(p, assigned, clusters, long_forms):
    if p.mention.label != "PER" or len(p.name) != 1:
        return None
    word = p.name[0].lower()
    full_names = {name_key(f.name) for f in long_forms
                  if f.mention.label == "PER" and word in (w.lower() for w in f.name)}
    if len(full_names) != 1:
        return None
    full = full_names.pop()
    for earlier, cluster, _ in reversed(assigned):
        if earlier.mention.label == "PER" and name_key(earlier.name) == full:
            return cluster
    return None


def entity_id(label: str, key: str) -> str:
    return "E" + hashlib.sha1(f"{label}|{key}".encode()).hexdigest()[:10]


def link(documents: Sequence[TokenizedDocument],
         mentions: Sequence[Sequence[Mention]]) -> tuple[list[LinkedMention], list[Entity]]:
    """Link every document's mentions, then merge entities across documents by canonical key."""
    linked: list[LinkedMention] = []
    names: dict[str, list[list[str]]] = defaultdict(list)
    labels: dict[str, str] = {}
    for document, doc_mentions in zip(documents, mentions, strict=True):
        assigned, clusters = link_document(document, doc_mentions)
        for p, cluster, rule in assigned:
            key = clusters[cluster].key()
            eid = entity_id(clusters[cluster].label, key)
            labels[eid] = clusters[cluster].label
            names[eid].append(p.name)
            linked.append(LinkedMention(p.mention, eid, " ".join(p.name), p.role, rule))
    entities = []
    for eid in sorted(names):
        cluster = _Cluster(labels[eid], names[eid])
        aliases = sorted({" ".join(n) for n in names[eid]} - {" ".join(cluster.fullest())})
        entities.append(Entity(eid, " ".join(cluster.fullest()), labels[eid], tuple(aliases)))
    return linked, entities
