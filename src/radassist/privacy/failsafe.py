"""Fail safe where unsure: an unknown capitalised word near a person cue is a name.

'mijn cliënt Wytse', 'zijn broer Hylke zegt', 'de jongen (16), Yonas, ...', 'Semhar (16)':
a word written with a capital in the middle of a sentence within a few words of a person cue
(a relation or person noun, a title, an age) is treated as a name, unless it is a known
organisation, place, law or method word of the corpus (``namewords.safe``), a common word, an
acronym or a place after a preposition such as 'in' or 'uit'. The names found by the other
rules are not needed for this: it catches what no list knows.

Also here: ``organisation_context``, which drops a name that is part of an organisation
('Pieter Baan Centrum', 'Stichting Anne Frank').
"""

from __future__ import annotations

import re
from functools import lru_cache

from . import namewords as nw
from .cues import PERSON_NOUNS
from .namewalk import name_shaped, walk_name
from .tokens import Token, adjacent, is_sentence_start
from .wordlists import words

__all__ = ["cue_names", "cue_right_before", "finite_verb_after", "near_cue", "organisation_context"]

_CUE_RE = re.compile(
    rf"(?<![\w-])(?:{PERSON_NOUNS})(?![\w-])"
    r"|(?<![\w.,])[1-9][0-9]?\s*(?:jaar|jr\.?)(?![\w])"
    r"|\(\s*[1-9][0-9]?\s*(?:jaar|jr\.?)?\s*\)"
    r"|(?<![\w.,])[1-9][0-9]?-jarige?(?![\w])"
    r"|(?<![\w-])(?:hij|zij|hem|haar)(?![\w-])",
    re.IGNORECASE,
)
# Right after a word at the start of a sentence, these make it a person: an age ('Semhar (16)',
# 'Yonas, 17 jaar,'), a relation in brackets ('Nowicki (vader)', 'Ghebremedhin (de oom)'),
# 'senior' or 'junior'.
_PERSON_AFTER_RE = re.compile(
    r"\s*(?:\(\s*[1-9][0-9]?\s*(?:jaar|jr\.?)?\s*\)|,\s*[1-9][0-9]?\s*(?:jaar|jr\.?)?(?![\w.,])"
    rf"|\(\s*(?:de\s+|het\s+|mijn\s+|zijn\s+|haar\s+)?(?:{PERSON_NOUNS})\b[^)]*\)"
    r"|(?:senior|junior|sr\.?|jr\.?)(?![\w]))",
    re.IGNORECASE,
)
_LOCATIVE = frozenset({"in", "uit", "naar", "te", "rond", "nabij", "vanuit", "richting", "regio", "gemeente"})
_ARTICLES = frozenset({"het", "een", "'t", "’t"})
_WINDOW_BEFORE = 40
_WINDOW_AFTER = 25
_SENTENCE_BREAK_RE = re.compile(r"[.!?;\n]")


def _sentence_window(text: str, token: Token, width_before: int, width_after: int) -> tuple[str, str]:
    """The text up to *width_before* characters before and *width_after* after *token*, cut at the
    sentence breaks on either side."""
    before = text[max(0, token.start - width_before):token.start]
    breaks = list(_SENTENCE_BREAK_RE.finditer(before))
    if breaks:
        before = before[breaks[-1].end():]
    after = text[token.end:token.end + width_after]
    stop = _SENTENCE_BREAK_RE.search(after)
    if stop:
        after = after[:stop.start()]
    return before, after


def near_cue(text: str, token: Token) -> bool:
    """A person cue within a few words before or after *token*, in the same sentence."""
    before, after = _sentence_window(text, token, _WINDOW_BEFORE, _WINDOW_AFTER)
    return _CUE_RE.search(before) is not None or _CUE_RE.search(after) is not None


_PRONOUN_RE = re.compile(r"(?<![\w-])(?:hij|zij|hem|haar)(?![\w-])", re.IGNORECASE)
_FINITE_VERB_AFTER_RE = re.compile(
    r"\s+(?:heeft|had|is|was|wil|wilde|zegt|zei|komt|kwam|gaat|ging|woont|werkt|belt|dreigt|mag|moet|kan|zit)\b"
)
_ADJECTIVE_RE = re.compile(r"(?:aanse|aans|ische|isch|iaanse|ese)$")
_CONSONANT_INITIALS_RE = re.compile(r"[bcdfghjklmnpqrstvwxyz]{2,3}")
_NOT_INITIALS = frozenset({"st", "pc", "tv", "cv", "wc", "bh", "ct", "mg", "kg", "km", "cm", "mm", "ml"})


def _initials_like(token: Token) -> bool:
    """'AW', 'ytg', 'rr': letters that stand for a person's name (not a known acronym)."""
    if not 2 <= len(token.text) <= 3 or nw.known_acronym(token.lower) or token.lower in _NOT_INITIALS:
        return False
    if token.is_acronym:
        return True
    return token.text.islower() and _CONSONANT_INITIALS_RE.fullmatch(token.lower) is not None


# Compact initials with the letters of a tussenvoegsel in lower case: 'JvdB', 'PdJ', 'MvL'.
_COMPACT_INITIALS_RE = re.compile(r"[A-Z]{1,2}(?:v|d|t|vd|vdm|vh)[A-Z]")


def _compact_initials(token: Token) -> bool:
    """'JvdB', 'PdJ': initials run together; known acronyms of that shape ('PvA', 'RvS') are not."""
    return _COMPACT_INITIALS_RE.fullmatch(token.text) is not None and not nw.known_acronym(token.lower)


def _word_alternation(name: str, tail: str = r"(?![\w-])") -> re.Pattern[str]:
    """Any whole word of the list *name* (longest first), followed by *tail*."""
    alternation = "|".join(re.escape(word) for word in sorted(words(name), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation}){tail}", re.IGNORECASE)


@lru_cache(maxsize=1)
def _person_verb_re() -> re.Pattern[str]:
    return _word_alternation("person_verbs")


@lru_cache(maxsize=1)
def _case_word_before_re() -> re.Pattern[str]:
    return _word_alternation("case_words", r"\s*[:,]?\s*$")


_VERB_WINDOW = 25


def near_person_verb(text: str, token: Token) -> bool:
    """A verb whose subject or object is a person ('motiveer', 'gesproken', 'dreigt') within a
    few words of *token*, in the same sentence ('hoe motiveer ik X', 'met X gesproken')."""
    before, after = _sentence_window(text, token, _VERB_WINDOW, _VERB_WINDOW)
    return _person_verb_re().search(before) is not None or _person_verb_re().search(after) is not None


def _person_verb_right_after(text: str, token: Token) -> bool:
    """'Jermainy dreigt ...': a person verb is the next word."""
    match = re.match(r"\s+([^\W\d_]+)", text[token.end:token.end + 30])
    return match is not None and match.group(1).lower() in words("person_verbs")


_NOUN_RIGHT_BEFORE_RE = re.compile(rf"(?<![\w-])(?:{PERSON_NOUNS})\s*[:,]?\s*$", re.IGNORECASE)


def cue_right_before(text: str, token: Token) -> bool:
    """A person noun directly before *token* ('mijn cliënt oksana', 'zijn broer hylke')."""
    return _NOUN_RIGHT_BEFORE_RE.search(text[max(0, token.start - 30):token.start]) is not None


def _is_candidate(text: str, tokens: list[Token], i: int) -> bool:
    token = tokens[i]
    if not token.is_capitalised or token.is_initial or token.is_single_letter or len(token.text) < 2:
        return False
    lower = token.lower
    if token.is_acronym or nw.blocked(lower) or nw.tussenvoegsel(lower) or not name_shaped(text, token):
        return False
    if _ADJECTIVE_RE.search(lower) and not nw.first_name(lower) and not nw.surname(lower):
        return False
    if nw.noun_like(lower):
        return False
    previous = tokens[i - 1] if i > 0 and adjacent(text, tokens[i - 1], token) else None
    if previous is not None:
        if previous.lower in _ARTICLES or nw.organisation_prefix(previous.lower):
            return False
        if previous.is_capitalised and not nw.common(previous.lower) and not nw.tussenvoegsel(previous.lower):
            # Inside a longer proper noun; the walk from its first word decides.
            return False
        if previous.lower in _LOCATIVE and (nw.place(lower) or not nw.first_name(lower)):
            return False
    if nw.place(lower) and not (nw.first_name(lower) or lower in nw.own_surnames()):
        return False
    if is_sentence_start(text, token):
        # At the start of a sentence only with an age, a relation or 'senior' right after it.
        return _PERSON_AFTER_RE.match(text, token.end) is not None or _person_verb_right_after(text, token)
    return True


def finite_verb_after(text: str, token: Token) -> bool:
    """A finite verb right after *token* ('nour wil', 'AW heeft'): it is the subject."""
    return _FINITE_VERB_AFTER_RE.match(text, token.end) is not None


def _initials_in_person_context(text: str, token: Token) -> bool:
    """'update ytg: hij woont ...', 'AW heeft gedreigd': initials with a person pronoun nearby or a
    finite verb right after them."""
    if _FINITE_VERB_AFTER_RE.match(text, token.end) or near_person_verb(text, token):
        return True
    if _case_word_before_re().search(text[max(0, token.start - 30):token.start]):
        # 'casus kd', 'dossier mk', 'update rr:'
        return True
    window = text[max(0, token.start - _WINDOW_BEFORE):token.end + _WINDOW_AFTER]
    return _PRONOUN_RE.search(window) is not None or near_cue(text, token)


def cue_names(text: str, tokens: list[Token]) -> list[tuple[int, int]]:
    found = []
    has_cue = _CUE_RE.search(text) is not None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if _compact_initials(token):
            found.append((token.start, token.end))
        elif _initials_like(token):
            if _initials_in_person_context(text, token):
                found.append((token.start, token.end))
        elif _is_candidate(text, tokens, i) and (
            (has_cue and near_cue(text, token))
            or _PERSON_AFTER_RE.match(text, token.end) is not None
            or near_person_verb(text, token)
        ):
            last = walk_name(text, tokens, i, allow_lower=False)
            found.append((token.start, tokens[last].end))
            i = last
        i += 1
    return found


_HYPHEN_NUMBER_RE = re.compile(r"-\s?[0-9]")
# 'Top X-aanpak', 'Koning Willem I-school': a compound that ends in a lower-case noun.
_COMPOUND_TERM_RE = re.compile(r"-[a-zà-ÿ]{3,}$")
_ORGANISATION_LOOKAHEAD = 2


def _bare(word: str) -> str:
    return word.lower().replace(".", "").replace("'", "").replace("’", "")


def _phrase_covers(tokens: list[Token], index: int, last: int) -> bool:
    """A place or organisation of several words ('Anna Paulowna', 'Ter Apel', 'Dijk en Waard',
    'Reinier van Arkel') covers tokens[index:last+1]."""
    for begin in range(max(0, index - 4), index + 1):
        for phrase in nw.phrases_starting_with(_bare(tokens[begin].text)):
            end = begin + len(phrase) - 1
            if end >= last and end < len(tokens) and all(
                _bare(tokens[begin + k].text) == word for k, word in enumerate(phrase)
            ):
                return True
    return False


def organisation_context(
    text: str, tokens: list[Token], start: int, end: int, by_start: dict[int, int] | None = None,
    by_end: dict[int, int] | None = None,
) -> bool:
    """True when the name text[start:end] is part of an organisation, place, building, prize or
    instrument: 'Pieter Baan Centrum', 'Leo Kannerhuis', 'Stichting Anne Frank', 'Koning Willem I
    College', 'Anna Paulowna', 'VERA-2R' (an instrument with a number)."""
    if _HYPHEN_NUMBER_RE.match(text, end):
        return True
    by_start = by_start if by_start is not None else {t.start: k for k, t in enumerate(tokens)}
    by_end = by_end if by_end is not None else {t.end: k for k, t in enumerate(tokens)}
    index, last = by_start.get(start), by_end.get(end)
    if index is None or last is None or last < index:
        return False
    if last > index and (nw.organisation_prefix(tokens[index].lower) or nw.organisation_word(tokens[last].lower)):
        return True
    if index > 0 and adjacent(text, tokens[index - 1], tokens[index]):
        previous = tokens[index - 1]
        if previous.is_capitalised and nw.organisation_prefix(previous.lower):
            return True
        if previous.lower in _ARTICLES:
            # 'het Leo Kannerhuis', 'een Top X': a person's name takes no article.
            return True
    k = last
    while k + 1 < len(tokens) and k - last < _ORGANISATION_LOOKAHEAD and adjacent(text, tokens[k], tokens[k + 1]):
        following = tokens[k + 1]
        if not following.is_capitalised:
            break
        if nw.organisation_head(following.lower) or _COMPOUND_TERM_RE.search(following.text):
            return True
        k += 1
    return _phrase_covers(tokens, index, last)
