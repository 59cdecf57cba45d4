"""What a single word can be: part of a name, or a word of the corpus, the law or the language.

All functions take a lower-case word. The lists behind them are data files in ``data/``
(``wordlists``) and deduce's name and place lists (``lookups``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from . import lookups
from .wordlists import words

# Endings that mark a surname of an origin our users meet (Frisian -stra, -sma, -inga; Polish
# -ski, -wicz; Ukrainian -enko, -chuk; Turkish -oğlu; Afghan -zai, -zada; Javanese -dikromo;
# Hindustani -singh, -persad; Eritrean Gebre-, Tekle-, Habte-, Wolde- compounds).
_SURNAME_ENDING_RE = re.compile(
    r"(?:stra|sma|inga|enga|sema|tsma|ski|ska|cki|cka|dzki|wicz|czyk|czak|szyk|enko|chuk|czuk|yuk|iuk"
    r"|shyn|ovych|evych|skyi|skyy|oğlu|oglu|zai|zada|zadeh|dikromo|redjo|sentono|singh|persad|prasad"
    r"|poersad)$"
    r"|^(?:gebre|ghebre|tekle|habte|wolde|welde|tesfa|haile|kidane)[a-z]{3,}"
)
_MIN_ENDING_WORD = 6


def tussenvoegsel(word: str) -> bool:
    return word in words("tussenvoegsels")


def common(word: str) -> bool:
    """Function words, frequent verbs, person nouns, roles: never (part of) a name. A role that
    is also a surname ('arts', 'voogd') is not common."""
    if word in words("common_words"):
        return True
    return word in words("roles") and word not in lookups.surnames()


@lru_cache(maxsize=1)
def _safe_words() -> frozenset[str]:
    return words("non_name_words") | words("corpus_vocabulary") | words("nationalities")


def _strip_possessive(word: str) -> str:
    """'zvh's' -> 'zvh', 'ggd’s' -> 'ggd'."""
    return word[:-2] if word.endswith(("'s", "’s")) and len(word) > 3 else word


def safe(word: str) -> bool:
    """A known organisation, place, law or method word (hand-made list plus the corpus vocabulary)."""
    word = _strip_possessive(word)
    if word in _safe_words():
        return True
    return "-" in word and all(part in _safe_words() or common(part) for part in word.split("-"))


def blocked(word: str) -> bool:
    return common(word) or safe(word)


def place(word: str) -> bool:
    return word in lookups.place_names() or word in words("places_abroad") or word in words("non_name_words")


def first_name(word: str) -> bool:
    if word in lookups.first_names():
        return True
    parts = word.split("-")
    return len(parts) > 1 and all(part in lookups.first_names() for part in parts if part)


@lru_cache(maxsize=1)
def _ambiguous() -> frozenset[str]:
    return words("ambiguous_first_names") | words("name_like_words")


def ambiguous(word: str) -> bool:
    """A name that is also an ordinary word ('roos', 'jan' for januari): needs more evidence."""
    return word in _ambiguous()


def ordinary(word: str) -> bool:
    """A word the corpus writes in lower case although a name list holds it ('bron', 'kort')."""
    return word in words("name_like_words")


def surname(word: str) -> bool:
    """A known surname, or a word with the ending of a surname of one of the origins we meet."""
    if word in lookups.surnames():
        return True
    parts = word.split("-")
    if len(parts) > 1 and all(part in lookups.surnames() or part in lookups.first_names() for part in parts):
        return True
    return surname_by_ending(word)


def surname_by_ending(word: str) -> bool:
    return (
        len(word) >= _MIN_ENDING_WORD
        and _SURNAME_ENDING_RE.search(word) is not None
        and not common(word)
        and _NOUN_ENDING_RE.search(word) is None
    )


@lru_cache(maxsize=1)
def _dutch_words() -> frozenset[str]:
    return (
        words("corpus_words") | words("dutch_verbs") | words("common_words") | words("name_like_words")
        | lookups.deduce_common_words()
    )


def dutch_word(word: str) -> bool:
    """An ordinary Dutch word we know: of the corpus, a frequent verb, or one of deduce's common words."""
    return word in _dutch_words()


def own_first_name(word: str) -> bool:
    """In our own first-name list (data/first_names.txt), not only in deduce's."""
    return word in words("first_names")


def abbreviation(word: str) -> bool:
    """Lower-case abbreviations with dots ('o.a.', 'i.v.m.') that look like initials."""
    return word.replace(".", "") in words("abbreviations")


def own_surnames() -> frozenset[str]:
    """Our own surname list (data/surnames.txt), without deduce's."""
    return words("surnames")


def organisation_head(word: str) -> bool:
    """Words that make a preceding name part of an organisation ('Pieter Baan Centrum')."""
    return word in words("organisation_heads")


def organisation_prefix(word: str) -> bool:
    """Words that make a following name part of an organisation ('Stichting Anne Frank')."""
    return word in words("organisation_prefixes")


def known_acronym(word: str) -> bool:
    word = _strip_possessive(word)
    return word in words("acronyms") or word in words("corpus_vocabulary") or word in words("non_name_words")


_ORGANISATION_WORD_RE = re.compile(
    r"(?:centrum|instituut|fonds|kliniek|ziekenhuis|college|school|academie|stichting|loket|kruis)$"
)


def _bare(word: str) -> str:
    return word.replace(".", "").replace("'", "").replace("’", "")


def organisation_word(word: str) -> bool:
    """A word that ends a name of an organisation ('Kannerhuis', 'Trimbos-instituut')."""
    return organisation_head(word) or _ORGANISATION_WORD_RE.search(word) is not None


@lru_cache(maxsize=1)
def _place_phrases() -> dict[str, tuple[tuple[str, ...], ...]]:
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for place_name in lookups.place_names():
        parts = tuple(_bare(part) for part in place_name.split() if _bare(part))
        if len(parts) > 1 and not parts[-1].startswith("("):
            by_first.setdefault(parts[0], []).append(parts)
    return {first: tuple(phrases) for first, phrases in by_first.items()}




@lru_cache(maxsize=1)
def _organisation_phrases() -> dict[str, tuple[tuple[str, ...], ...]]:
    from importlib import resources

    text = "\n".join(
        resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
        for name in ("organisations.txt", "idioms.txt")
    )
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for line in text.replace(",", " ").splitlines():
        line = line.split("#", 1)[0].strip().lower()
        parts = tuple(_bare(part) for part in line.split() if _bare(part))
        if len(parts) > 1:
            by_first.setdefault(parts[0], []).append(parts)
    return {first: tuple(phrases) for first, phrases in by_first.items()}


def phrases_starting_with(first_word: str) -> tuple[tuple[str, ...], ...]:
    """Places, organisations and expressions of several words that start with *first_word*
    ('ter apel', 'dijk en waard', 'reinier van arkel', 'jan en alleman')."""
    return _place_phrases().get(first_word, ()) + _organisation_phrases().get(first_word, ())


_ARTICLE_COMPOUND_RE = re.compile(r"^(?:al|el|abu|abou|ben|bin|ibn|ould|ait|aït|oulad|ag)-[^\W\d_]{3,}$")


def article_compound(word: str) -> bool:
    """'al-masri', 'el-idrissi', 'abu-bakr': an Arabic or Berber name with its article or
    kinship word joined by a hyphen (known organisations such as 'al-qaida' are safe words)."""
    return _ARTICLE_COMPOUND_RE.match(word) is not None and not safe(word)


# Endings of Dutch nouns for institutions and abstractions ('Jeugdreclassering', 'Defensie',
# 'Strafrechtstoepassing'): an unknown capitalised word with one of them is not a name.
_NOUN_ENDING_RE = re.compile(
    r"(?:heid|ing|schap|isme|atie|teit|dienst|raad|bank|kantoor|instituut|platform|college|school"
    r"|fonds|werk|zorg|hulp|team|punt|bureau|groep|partners|advocaten|nederland|centrum|loket|erij"
    r"|nis|ment|politie|[^aeiou]ie)$"
)
_MIN_NOUN_LENGTH = 6


def noun_like(word: str) -> bool:
    """An unknown word with the ending of an institution or abstract noun (not a known name)."""
    if len(word) < _MIN_NOUN_LENGTH or first_name(word) or word in lookups.surnames():
        return False
    return _NOUN_ENDING_RE.search(word) is not None
