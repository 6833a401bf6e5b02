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


PERSONAL_TITLES = _words("personal_titles")
ROLE_WORDS = PERSONAL_TITLES | _words("offices")
ROLE_CONTINUATIONS = _words("role_continuations")
ORG_HEADS = _words("organisation_heads")
PLACE_NOUNS = _words("place_nouns")
LOCATION_DESIGNATORS = _words("location_designators")
GROUP_WORDS = _words("group_words")
LAW_WORDS = _words("law_words")
NAME_PARTICLES = _words("name_particles")
NOT_ACRONYMS = _words("not_acronyms")
ACRONYM_SKIP = _words("acronym_skip")
NOT_PLACE_BEFORE = _words("not_place_before")
LIST_JOINERS = _words("list_joiners")
REGIONAL_BODIES = _words("regional_bodies")
PLACE_DESIGNATORS = _words("place_designators")
COURT_WORDS = _words("court_words")
ROLE_PREFIXES = tuple(sorted(_words("role_prefixes")))
INITIALS_BEFORE = _words("initials_before")
COMPANY_PREFIXES = _words("company_prefixes")
COMPANY_SUFFIXES = _words("company_suffixes")
ORGANISATION_COUNTRY_SUFFIXES = _words("organisation_country_suffixes")
WEB_SUFFIXES = _words("web_suffixes")
CITY_AND_REGENCY = _words("city_and_regency")
WORD_EXPANSIONS: dict[str, tuple[str, ...]] = {short: tuple(long.split())
                                               for short, long in _LISTS["word_expansions"].items()}

# "al-" of "al-Quds": an Arabic article written onto a capitalised name.
ARABIC_ARTICLE = re.compile(r"^(?:al|el|ad|as|ar|an|asy|ash)-(?=[A-Z])")


def is_role_word(word: str) -> bool:
    """A title, rank, office or court word (``Mayjen``, ``Presiden``, ``Dr.``, ``Wamenkeu``, ``Terdakwa``)."""
    word = word.lower().rstrip(".")
    return word in ROLE_WORDS or word in COURT_WORDS or (word.startswith(ROLE_PREFIXES) and word.isalpha())


def looks_like_acronym(word: str) -> bool:
    """A short form in parentheses: one word, capitalised, not a company-form suffix."""
    return (bool(re.fullmatch(r"[A-Z][A-Za-z0-9&-]{1,11}", word))
            and word.lower() not in NOT_ACRONYMS and sum(c.isupper() for c in word) >= 2)
