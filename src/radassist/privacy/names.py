"""Names found by rules: after a title or relation word, from a known first name, after
initials, and unknown capitalised pairs in a sentence about a person."""

from __future__ import annotations

import re
from functools import partial
from typing import Iterator

from .cues import PERSON_CUE_RE, PERSON_TRIGGERS_TITLE, PERSON_TRIGGERS_WEAK
from .dates import date_matches
from .spans import Mask
from .tokens import Token, adjacent, is_sentence_start, tokenize
from .wordlists import words

__all__ = ["find_names"]

_FIRST_NAMES = partial(words, "first_names")
_AMBIGUOUS_FIRST_NAMES = partial(words, "ambiguous_first_names")
_TUSSENVOEGSELS = partial(words, "tussenvoegsels")
_COMMON_WORDS = partial(words, "common_words")
_NON_NAME_WORDS = partial(words, "non_name_words")

_TRIGGER_RE = re.compile(
    rf"(?<![\w])(?:(?P<title>{PERSON_TRIGGERS_TITLE})|(?P<weak>{PERSON_TRIGGERS_WEAK}))(?=[\s:])",
    re.IGNORECASE,
)
_NAME_SHIELD_RE = re.compile(r"https?://\S+|www\.\S+|\bprofeet\s+\w+", re.IGNORECASE)
_MAX_NAME_TOKENS = 6


def _is_known_first_name(token: Token) -> bool:
    return not token.is_initial and token.lower in _FIRST_NAMES()


def _is_blocked_word(lower: str) -> bool:
    return lower in _COMMON_WORDS() or lower in _NON_NAME_WORDS()


def _can_be_surname(token: Token) -> bool:
    """A capitalised word that may be (part of) a surname."""
    if token.is_initial or not token.is_capitalised:
        return False
    if token.is_acronym and token.lower not in _FIRST_NAMES():
        return False
    return not _is_blocked_word(token.lower)


def _can_be_lowercase_name(token: Token) -> bool:
    return (
        not token.is_capitalised
        and not token.is_initial
        and len(token.text) >= 2
        and token.lower not in _TUSSENVOEGSELS()
        and not _is_blocked_word(token.lower)
    )


def _is_surname_after_tussenvoegsel(token: Token) -> bool:
    """After 'de' or 'van der' a capitalised word is a surname even when it is a
    common word ('de Groot', 'van der Meer'); organisations and places still stop it."""
    return (
        token.is_capitalised
        and not token.is_initial
        and not token.is_acronym
        and token.lower not in _NON_NAME_WORDS()
    )


def _looks_like_verb_or_plural(word: str) -> bool:
    # Dutch infinitives and plurals end in -en; surnames like Jansen end in -sen.
    return word.endswith("en") and not word.endswith("sen")


def _walk_name(text: str, tokens: list[Token], first: int, allow_lower: bool) -> int:
    """Index of the last token of the name that continues after tokens[first].

    Tussenvoegsels are only kept when a surname word follows them. In lower
    case text at most one bare word is taken ('fatma yilmaz'), because a
    lower-case surname cannot be told apart from the next word of the sentence.
    """
    last = first
    index = first + 1
    bare_lower_words = 0
    while index < len(tokens) and index - first < _MAX_NAME_TOKENS:
        token = tokens[index]
        if not adjacent(text, tokens[index - 1], token):
            break
        if token.lower in _TUSSENVOEGSELS():
            index += 1
            continue
        after_tussenvoegsel = index > last + 1
        if token.is_initial and len(token.text) == 2 and tokens[last].is_capitalised and not after_tussenvoegsel:
            return index
        if _can_be_surname(token) or (after_tussenvoegsel and _is_surname_after_tussenvoegsel(token)):
            last = index
        elif allow_lower and _can_be_lowercase_name(token) and after_tussenvoegsel:
            last = index
        elif (
            allow_lower
            and _can_be_lowercase_name(token)
            and bare_lower_words == 0
            and not _looks_like_verb_or_plural(token.lower)
        ):
            bare_lower_words += 1
            last = index
        else:
            break
        index += 1
    return last


def _name_after_trigger(text: str, tokens: list[Token], index: int, title: bool) -> int | None:
    """Last token index of the name that starts at tokens[index], right after a trigger.

    After a title the name may open with a lower-case tussenvoegsel and may be
    typed in lower case ('meneer de vries'). After a relation word it may not:
    'de moeder van Kevin' names Kevin, not 'van Kevin'.
    """
    first = tokens[index]
    if first.lower in _TUSSENVOEGSELS() and not (title or first.is_capitalised):
        return None
    probe = index
    while probe < len(tokens) and tokens[probe].lower in _TUSSENVOEGSELS() and probe - index < 3:
        probe += 1
    if probe >= len(tokens) or not all(
        adjacent(text, tokens[k], tokens[k + 1]) for k in range(index, probe)
    ):
        return None
    head = tokens[probe]
    if head.is_initial:
        following = _walk_name(text, tokens, probe, allow_lower=False)
        return following if following > probe else None
    after_tussenvoegsel = probe > index
    if (
        _can_be_surname(head)
        or (after_tussenvoegsel and _is_surname_after_tussenvoegsel(head))
        or (title and _can_be_lowercase_name(head))
    ):
        return _walk_name(text, tokens, probe, allow_lower=title)
    return None


def _trigger_names(text: str, tokens: list[Token]) -> Iterator[tuple[int, int]]:
    by_start = {token.start: i for i, token in enumerate(tokens)}
    for match in _TRIGGER_RE.finditer(text):
        rest = re.match(r"[\s:]+", text[match.end():])
        next_start = match.end() + (rest.end() if rest else 0)
        index = by_start.get(next_start)
        if index is None:
            continue
        last = _name_after_trigger(text, tokens, index, title=match["title"] is not None)
        if last is not None:
            yield tokens[index].start, tokens[last].end


def _first_name_span(text: str, tokens: list[Token], i: int) -> int | None:
    """Last token index of a name starting with a known first name at tokens[i]."""
    token = tokens[i]
    if not _is_known_first_name(token):
        return None
    if token.is_capitalised:
        last = _walk_name(text, tokens, i, allow_lower=False)
        if token.lower in _AMBIGUOUS_FIRST_NAMES() and last == i and is_sentence_start(text, token):
            return None
        return last
    if token.lower in _COMMON_WORDS():
        return None
    last = _walk_name(text, tokens, i, allow_lower=True)
    if token.lower in _AMBIGUOUS_FIRST_NAMES():
        # 'jan de vries' is a name, a lone 'jan' may be the month.
        has_surname = last > i + 1 and tokens[i + 1].lower in _TUSSENVOEGSELS()
        return last if has_surname else None
    return last


def _initials_span(text: str, tokens: list[Token], i: int) -> int | None:
    """'J. de Vries', 'J.P. Jansen': initials followed by a surname."""
    if not tokens[i].is_initial:
        return None
    last = _walk_name(text, tokens, i, allow_lower=False)
    return last if last > i and not tokens[last].is_initial else None


# Unknown capitalised pairs are often organisations ('Juridisch Loket',
# 'Koninklijke Marechaussee'); these endings mark them.
_ADJECTIVE_ENDING_RE = re.compile(r"(?:lijke|ische|isch|ale|ele|ene|ieke|ige|sche|se|ste|ende|de|te|ees)$")
_ORGANISATION_WORD_RE = re.compile(
    r"(?:heid|ing|schap|centrum|loket|kruis|isme|atie|teit|dienst|raad|huis|bank|kantoor|instituut"
    r"|platform|college|school|fonds|werk|zorg|hulp|team|punt|bureau|groep|partners|advocaten|nederland)$"
)
_SENTENCE_WINDOW = 300


def _sentence_is_about_a_person(text: str, position: int) -> bool:
    """Whether the sentence around *position* mentions a person ('hij', 'cliënt', 'zus' ...)."""
    before = text[max(0, position - _SENTENCE_WINDOW):position]
    after = text[position:position + _SENTENCE_WINDOW]
    start = max(before.rfind(ch) for ch in ".!?\n") + 1
    end_match = re.search(r"[.!?\n]", after)
    sentence = before[start:] + (after[:end_match.start()] if end_match else after)
    return PERSON_CUE_RE.search(sentence) is not None


def _unknown_name_span(text: str, tokens: list[Token], i: int) -> int | None:
    """Two or more unknown capitalised words in mid-sentence about a person ('... over Dewayne Pinas, hij ...')."""
    token = tokens[i]
    if not _can_be_surname(token) or is_sentence_start(text, token):
        return None
    previous = tokens[i - 1] if i > 0 else None
    inside_proper_noun = (
        previous is not None
        and adjacent(text, previous, token)
        and previous.is_capitalised
        and previous.lower not in _COMMON_WORDS()
    )
    if inside_proper_noun:
        # Part of a longer proper noun such as an organisation name.
        return None
    last = _walk_name(text, tokens, i, allow_lower=False)
    words = [t for t in tokens[i:last + 1] if t.is_capitalised and not t.is_initial]
    if len(words) < 2 or any(_ORGANISATION_WORD_RE.search(t.lower) for t in words):
        return None
    if _ADJECTIVE_ENDING_RE.search(words[0].lower) or not _sentence_is_about_a_person(text, token.start):
        return None
    return last


def _token_names(text: str, tokens: list[Token]) -> Iterator[tuple[int, int]]:
    i = 0
    while i < len(tokens):
        last = None
        for rule in (_first_name_span, _initials_span, _unknown_name_span):
            last = rule(text, tokens, i)
            if last is not None:
                break
        if last is None:
            i += 1
            continue
        yield tokens[i].start, tokens[last].end
        i = last + 1


def find_names(text: str) -> list[tuple[int, int]]:
    tokens = tokenize(text)
    shields = [m.span() for m in _NAME_SHIELD_RE.finditer(text)]
    shields += [(start, end) for start, end, _, _ in date_matches(text)]
    found = list(_trigger_names(text, tokens)) + list(_token_names(text, tokens))
    shielded = Mask(len(text))
    for start, end in shields:
        shielded.cover(start, end)
    return [span for span in found if shielded.is_free(*span)]
