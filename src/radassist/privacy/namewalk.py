"""Walking along the tokens of a name: which words may continue it, where it ends."""

from __future__ import annotations

import re

from . import namewords as nw
from .lookups import surnames as lookups_surnames
from .cues import PERSON_NOUN_RE
from .tokens import Token, adjacent, is_sentence_start

__all__ = [
    "can_be_lowercase_name",
    "can_be_surname",
    "is_known_first_name",
    "name_shaped",
    "name_start",
    "surname_after_tussenvoegsel",
    "walk_name",
]

_MAX_NAME_TOKENS = 6
_LOCATIVE_PARTICLES = frozenset({"in", "op", "te", "aan", "uit"})
_HOUSE_NUMBER_AFTER_RE = re.compile(r"\s+[1-9][0-9]{0,4}(?![0-9])")


def is_known_first_name(token: Token) -> bool:
    return not token.is_initial and not token.is_single_letter and nw.first_name(token.lower)


def name_shaped(text: str, token: Token) -> bool:
    """Not glued to a number ('Top600') and no lower-case part after a hyphen ('X-aanpak')."""
    if token.end < len(text) and text[token.end].isdigit():
        return False
    if not token.is_capitalised:
        return True
    return all(part[:1].isupper() or nw.tussenvoegsel(part.lower()) for part in token.text.split("-")[1:] if part)


def can_be_surname(token: Token) -> bool:
    """A capitalised word that may be (part of) a surname."""
    if token.is_initial or token.is_single_letter or not token.is_capitalised or token.is_acronym:
        return False
    return not nw.blocked(token.lower)


def can_be_lowercase_name(token: Token) -> bool:
    return (
        not token.is_capitalised
        and not token.is_initial
        and len(token.text) >= 2
        and not nw.tussenvoegsel(token.lower)
        and not nw.blocked(token.lower)
    )


def surname_after_tussenvoegsel(token: Token) -> bool:
    """After 'de' or 'van der' a capitalised word is a surname even when it is a
    common word ('de Groot', 'van der Meer'); organisations and places still stop it."""
    return (
        token.is_capitalised
        and not token.is_initial
        and not token.is_single_letter
        and not token.is_acronym
        and not nw.safe(token.lower)
    )


def looks_like_verb_or_plural(word: str) -> bool:
    # Dutch infinitives and plurals end in -en; surnames like Jansen end in -sen.
    return word.endswith("en") and not word.endswith("sen")


_PARTICIPLE_RE = re.compile(r"^(?:ge|be|ver|ont|her)[^\W\d_]{3,}[dt]$")


def _ordinary_lower_word(word: str) -> bool:
    """'gevraagd', 'gisteren', 'morgen': a past participle or a known word that is no surname
    ends a lower-case name ('oksana gevraagd')."""
    if word in lookups_surnames():
        return False
    return _PARTICIPLE_RE.match(word) is not None or nw.dutch_word(word)


def walk_name(text: str, tokens: list[Token], first: int, allow_lower: bool) -> int:
    """Index of the last token of the name that continues after tokens[first].

    Tussenvoegsels are only kept when a surname word follows them, and only after the
    first word or a first name ('Jan de Vries', not 'S. Ramkisoen al eerder'). In lower
    case text at most one bare word is taken ('fatma yilmaz'), because a lower-case
    surname cannot be told apart from the next word of the sentence; after a tussenvoegsel
    ('j. de vries') a lower-case surname is taken.
    """
    last = first
    index = first + 1
    bare_lower_words = 0
    strong_start = tokens[first].is_initial or is_known_first_name(tokens[first])
    while index < len(tokens) and index - first < _MAX_NAME_TOKENS:
        token = tokens[index]
        if not adjacent(text, tokens[index - 1], token) or not name_shaped(text, token):
            break
        if nw.tussenvoegsel(token.lower):
            if index == last + 1 and last > first and not is_known_first_name(tokens[last]):
                break
            index += 1
            continue
        after_tussenvoegsel = index > last + 1
        if after_tussenvoegsel and tokens[last + 1].lower in _LOCATIVE_PARTICLES and (
            nw.place(token.lower) or _HOUSE_NUMBER_AFTER_RE.match(text, token.end)
        ):
            # 'Poort in Sneek', 'Kevin te Zwolle', 'Samira op Marconistraat 112': a place or a
            # street, not 'in 't Veld'.
            break
        if token.is_initial and len(token.text) == 2 and tokens[last].is_capitalised and not after_tussenvoegsel:
            return index
        if can_be_surname(token) or (after_tussenvoegsel and surname_after_tussenvoegsel(token)):
            last = index
        elif after_tussenvoegsel and strong_start and token.is_capitalised and not token.is_acronym:
            # 'J. van den Bosch', 'Piet van Dam': after initials or a first name and a
            # tussenvoegsel even a place or organisation word is a surname.
            last = index
        elif (
            index == first + 1
            and strong_start
            and token.is_capitalised
            and not token.is_acronym
            and nw.place(token.lower)
            and not nw.common(token.lower)
        ):
            # 'Mark Zwolle': a place name right after a first name is a surname.
            last = index
        elif (allow_lower or tokens[first].is_initial) and can_be_lowercase_name(token) and after_tussenvoegsel:
            last = index
        elif (
            allow_lower
            and can_be_lowercase_name(token)
            and bare_lower_words == 0
            and (not looks_like_verb_or_plural(token.lower) or (strong_start and not nw.dutch_word(token.lower)))
            and not _ordinary_lower_word(token.lower)
        ):
            # 'quincy koulen': an -en word after a first name is a surname unless it is a known verb
            # or word ('kevin bellen').
            bare_lower_words += 1
            last = index
        else:
            break
        index += 1
    return last


def name_start(text: str, tokens: list[Token], i: int) -> int:
    """Index where a name whose known part is tokens[i] starts: unknown capitalised words and
    tussenvoegsels right before it belong to it ('Elaha Ahmadzai', 'Ghirmay Tsegay', 'El Amrani',
    'de Vries'). A tussenvoegsel before the first word does not ('de zus van Luwam Negash'), nor a
    'van' after a person noun ('de moeder van Jansen')."""
    start = i
    only_tussenvoegsels = True
    k = i - 1
    while k >= 0 and i - k <= 4 and adjacent(text, tokens[k], tokens[k + 1]):
        token = tokens[k]
        if nw.tussenvoegsel(token.lower):
            if only_tussenvoegsels:
                before = tokens[k - 1] if k > 0 else None
                if token.lower == "van" and before is not None and PERSON_NOUN_RE.fullmatch(before.text):
                    break
                start = k
            k -= 1
            continue
        if not (can_be_surname(token) or is_known_first_name(token)) or not name_shaped(text, token):
            break
        if nw.common(token.lower):
            break
        start = k
        only_tussenvoegsels = False
        if is_sentence_start(text, token):
            break
        k -= 1
    return start
