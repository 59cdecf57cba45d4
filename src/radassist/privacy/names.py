"""Names found by rules: after a title or relation word, from a known first name or surname,
after initials, unknown capitalised pairs in a sentence about a person, and (``failsafe``)
any unknown capitalised word near a person cue."""

from __future__ import annotations

import re
from typing import Iterator

from . import lookups
from . import namewords as nw
from .cues import PERSON_CUE_RE, PERSON_TRIGGERS_TITLE, PERSON_TRIGGERS_WEAK
from .dates import date_matches
from .failsafe import cue_names, cue_right_before, finite_verb_after, near_cue, organisation_context
from .namewalk import (
    can_be_lowercase_name,
    can_be_surname,
    is_known_first_name,
    looks_like_verb_or_plural,
    name_shaped,
    surname_after_tussenvoegsel,
    name_start,
    walk_name,
)
from .spans import Mask
from .tokens import Token, adjacent, is_sentence_start, tokenize

__all__ = ["find_names"]

_TRIGGER_RE = re.compile(
    rf"(?<![\w])(?:(?P<title>{PERSON_TRIGGERS_TITLE})|(?P<weak>{PERSON_TRIGGERS_WEAK}))(?=[\s:])",
    re.IGNORECASE,
)
_NAME_SHIELD_RE = re.compile(r"https?://\S+|www\.\S+|\bprofeet\s+\w+", re.IGNORECASE)


def _name_after_trigger(text: str, tokens: list[Token], index: int, title: bool) -> int | None:
    """Last token index of the name that starts at tokens[index], right after a trigger.

    After a title the name may open with a lower-case tussenvoegsel and may be
    typed in lower case ('meneer de vries'). After a relation word it may not:
    'de moeder van Kevin' names Kevin, not 'van Kevin'.
    """
    first = tokens[index]
    if nw.tussenvoegsel(first.lower) and not (title or first.is_capitalised):
        return None
    probe = index
    while probe < len(tokens) and nw.tussenvoegsel(tokens[probe].lower) and probe - index < 3:
        probe += 1
    if probe >= len(tokens) or not all(adjacent(text, tokens[k], tokens[k + 1]) for k in range(index, probe)):
        return None
    head = tokens[probe]
    if head.is_initial or head.is_single_letter:
        following = walk_name(text, tokens, probe, allow_lower=title)
        return following if following > probe else None
    after_tussenvoegsel = probe > index
    if (
        can_be_surname(head)
        or (after_tussenvoegsel and surname_after_tussenvoegsel(head))
        or (title and can_be_lowercase_name(head))
    ):
        return walk_name(text, tokens, probe, allow_lower=title)
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
    if not is_known_first_name(token) or nw.blocked(token.lower) or token.is_acronym:
        return None
    if not name_shaped(text, token):
        return None
    if token.is_capitalised:
        last = walk_name(text, tokens, i, allow_lower=False)
        if nw.ambiguous(token.lower) and last == i and is_sentence_start(text, token):
            return None
        return last
    if nw.ordinary(token.lower):
        return None
    if not (
        nw.own_first_name(token.lower)
        or cue_right_before(text, token)
        or _lower_surname_follows(text, tokens, i)
        or (is_sentence_start(text, token) and finite_verb_after(text, token))
    ):
        # deduce's list holds many rare names that are also words ('winter', 'fan', 'lone'):
        # in lower case those only count right after a person noun ('mijn cliënt oksana'),
        # before a surname ('tsjerk bosma') or as the subject opening a sentence ('nour wil').
        return None
    last = walk_name(text, tokens, i, allow_lower=True)
    if nw.ambiguous(token.lower):
        # 'jan de vries' is a name, a lone 'jan' may be the month.
        has_surname = last > i + 1 and nw.tussenvoegsel(tokens[i + 1].lower)
        return last if has_surname else None
    return last


def _lower_surname_follows(text: str, tokens: list[Token], i: int) -> bool:
    """'wietske de vries', 'tsjerk bosma': a tussenvoegsel and a word, or a known surname, follows."""
    if i + 1 >= len(tokens) or not adjacent(text, tokens[i], tokens[i + 1]):
        return False
    following = tokens[i + 1]
    if nw.tussenvoegsel(following.lower):
        return i + 2 < len(tokens) and adjacent(text, following, tokens[i + 2]) and not nw.blocked(tokens[i + 2].lower)
    return nw.surname(following.lower) and not nw.blocked(following.lower) and not nw.ordinary(following.lower)


def _initials_span(text: str, tokens: list[Token], i: int) -> int | None:
    """'J. de Vries', 'J.P. Jansen', 'j. de vries', 'g. emanuelson', 'J de Vries': initials and a surname."""
    token = tokens[i]
    if not (token.is_initial or token.is_single_letter):
        return None
    if not token.is_capitalised and (token.is_single_letter or nw.abbreviation(token.lower)):
        return None
    nxt = tokens[i + 1] if i + 1 < len(tokens) and adjacent(text, token, tokens[i + 1]) else None
    if nxt is None:
        return None
    if not token.is_capitalised and can_be_lowercase_name(nxt) and not looks_like_verb_or_plural(nxt.lower):
        # 'g. emanuelson': lower-case initials and a lower-case surname.
        return i + 1
    if not token.is_capitalised or token.is_single_letter:
        # Lower-case or dotless initials: only with a tussenvoegsel or a capitalised surname after them.
        if not (nw.tussenvoegsel(nxt.lower) or can_be_surname(nxt)):
            return None
    last = walk_name(text, tokens, i, allow_lower=False)
    return last if last > i and not tokens[last].is_initial else None


def _surname_span(text: str, tokens: list[Token], i: int) -> tuple[int, int] | None:
    """A known surname (or one with a typical ending) written with a capital.

    At the start of a sentence only our own list counts, or deduce's when the next word is
    not capitalised (a sentence starting with an ordinary word is common)."""
    token = tokens[i]
    if not can_be_surname(token) or not name_shaped(text, token):
        return None
    if not nw.surname(token.lower) or nw.ordinary(token.lower) or nw.ambiguous(token.lower):
        return None
    if nw.place(token.lower) and not nw.first_name(token.lower) and token.lower not in nw.own_surnames():
        return None
    start = name_start(text, tokens, i)
    if start == i and is_sentence_start(text, token) and token.lower not in nw.own_surnames():
        if not nw.surname_by_ending(token.lower) and not near_cue(text, token):
            return None
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if following is not None and following.lower in _SUBJECT_PRONOUNS:
            # 'Verwijs ik hem door ...': a verb first, its subject after it.
            return None
    if start > 0:
        previous = tokens[start - 1]
        if adjacent(text, previous, tokens[start]) and previous.is_capitalised and not nw.common(previous.lower):
            # Inside a longer proper noun ('ROC Friese Poort').
            return None
    return start, walk_name(text, tokens, i, allow_lower=False)


_SUBJECT_PRONOUNS = frozenset({"ik", "je", "jij", "u", "we", "wij", "hij", "zij", "ze", "jullie", "men", "er", "het"})


# Unknown capitalised pairs are often organisations ('Juridisch Loket',
# 'Koninklijke Marechaussee'); these endings mark them.
_ADJECTIVE_ENDING_RE = re.compile(r"(?:lijke|ische|isch|ale|ele|ene|ieke|ige|sche|se|ste|ende|de|te|ees)$")
ORGANISATION_WORD_RE = re.compile(
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
    if not can_be_surname(token) or is_sentence_start(text, token):
        return None
    previous = tokens[i - 1] if i > 0 else None
    inside_proper_noun = (
        previous is not None
        and adjacent(text, previous, token)
        and previous.is_capitalised
        and not nw.common(previous.lower)
    )
    if inside_proper_noun:
        # Part of a longer proper noun such as an organisation name.
        return None
    last = walk_name(text, tokens, i, allow_lower=False)
    capitalised = [t for t in tokens[i:last + 1] if t.is_capitalised and not t.is_initial]
    if len(capitalised) < 2 or any(ORGANISATION_WORD_RE.search(t.lower) for t in capitalised):
        return None
    if _ADJECTIVE_ENDING_RE.search(capitalised[0].lower) or not _sentence_is_about_a_person(text, token.start):
        return None
    return last


def _article_compound_span(text: str, tokens: list[Token], i: int) -> int | None:
    """'al-masri senior', 'El-Idrissi': a name written with its article, also in lower case."""
    token = tokens[i]
    if not nw.article_compound(token.lower):
        return None
    return walk_name(text, tokens, i, allow_lower=False)


def _unknown_lower_word(token: Token) -> bool:
    lower = token.lower
    return (
        not token.is_capitalised
        and not token.is_initial
        and len(lower) >= 3
        and not nw.tussenvoegsel(lower)
        and not nw.blocked(lower)
        and not nw.dutch_word(lower)
        and not nw.place(lower)
    )


def _lower_pair_span(text: str, tokens: list[Token], i: int) -> int | None:
    """'kemberly sillé': an unknown lower-case word and a known surname that is no Dutch word.

    A first name no list knows is still a name when a surname follows it."""
    if i + 1 >= len(tokens) or not _unknown_lower_word(tokens[i]) or not adjacent(text, tokens[i], tokens[i + 1]):
        return None
    following = tokens[i + 1]
    if not _unknown_lower_word(following) or following.lower not in lookups.surnames():
        return None
    if nw.ordinary(following.lower) or nw.ambiguous(following.lower):
        return None
    if looks_like_verb_or_plural(tokens[i].lower):
        # 'postcodegebieden vallen': a plural noun (the subject) before a verb that is also a surname.
        return None
    return i + 1


_TOKEN_RULES = (_first_name_span, _initials_span, _article_compound_span, _unknown_name_span, _lower_pair_span)


def _token_names(text: str, tokens: list[Token]) -> Iterator[tuple[int, int]]:
    i = 0
    while i < len(tokens):
        last = None
        for rule in _TOKEN_RULES:
            last = rule(text, tokens, i)
            if last is not None:
                break
        if last is None:
            i += 1
            continue
        start = i
        if rule is _first_name_span and tokens[i].is_capitalised:
            start = name_start(text, tokens, i)
            while start < i and nw.tussenvoegsel(tokens[start].lower):
                # 'de zus van Luwam': a tussenvoegsel before a first name is not part of the name.
                start += 1
            if start > 0 and start < i and adjacent(text, tokens[start - 1], tokens[start]) and (
                tokens[start - 1].is_capitalised and not nw.common(tokens[start - 1].lower)
            ):
                start = i
        yield tokens[start].start, tokens[last].end
        i = last + 1


def _surname_names(text: str, tokens: list[Token]) -> Iterator[tuple[int, int]]:
    i = 0
    while i < len(tokens):
        found = _surname_span(text, tokens, i)
        if found is None:
            i += 1
            continue
        start, last = found
        yield tokens[start].start, tokens[last].end
        i = last + 1


def find_names(text: str) -> list[tuple[int, int]]:
    tokens = tokenize(text)
    shields = [m.span() for m in _NAME_SHIELD_RE.finditer(text)]
    shields += [(start, end) for start, end, _, _ in date_matches(text)]
    found = list(_trigger_names(text, tokens)) + list(_token_names(text, tokens))
    found += list(_surname_names(text, tokens)) + cue_names(text, tokens)
    shielded = Mask(len(text))
    for start, end in shields:
        shielded.cover(start, end)
    by_start = {token.start: k for k, token in enumerate(tokens)}
    by_end = {token.end: k for k, token in enumerate(tokens)}
    return [
        span
        for span in found
        if shielded.is_free(*span) and not organisation_context(text, tokens, *span, by_start, by_end)
    ]
