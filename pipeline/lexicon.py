"""Word lists and word tests shared by the stages that read names: the recogniser and the linker.

The lists are data, kept in ``pipeline/resources/lexicon.toml`` (each with the reason it
exists); the functions here are the word tests both stages ask.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources

_LISTS = tomllib.loads(resources.files("pipeline").joinpath("resources", "lexicon.toml").read_text(encoding="utf-8"))


def _words(name: str) -> frozenset[str]:
    return frozenset(_LISTS[name].split())


ROLE_WORDS = _words("role_words")
ROLE_CONTINUATIONS = _words("role_continuations")
ORG_HEADS = _words("organisation_heads")
PLACE_NOUNS = _words("place_nouns")
LOCATION_DESIGNATORS = _words("location_designators")
GROUP_WORDS = _words("group_words")
NAME_PARTICLES = _words("name_particles")
NOT_ACRONYMS = _words("not_acronyms")
ACRONYM_SKIP = _words("acronym_skip")
NOT_PLACE_BEFORE = _words("not_place_before")
LIST_JOINERS = _words("list_joiners")
REGIONAL_BODIES = _words("regional_bodies")
PLACE_DESIGNATORS = _words("place_designators")

# "al-" of "al-Quds": an Arabic article written onto a capitalised name.
ARABIC_ARTICLE = re.compile(r"^(?:al|el|ad|as|ar|an|asy|ash)-(?=[A-Z])")


def is_role_word(word: str) -> bool:
    """A title, rank or office word (``Mayjen``, ``Presiden``, ``Dr.``)."""
    return word.lower().rstrip(".") in ROLE_WORDS


def looks_like_acronym(word: str) -> bool:
    """A short form in parentheses: one word, capitalised, not a company-form suffix."""
    return (bool(re.fullmatch(r"[A-Z][A-Za-z0-9&-]{1,11}", word))
            and word.lower() not in NOT_ACRONYMS and sum(c.isupper() for c in word) >= 2)
