"""Addresses: street and house number, postcode with or without a house number."""

from __future__ import annotations

import re
from typing import Iterator

from .namewords import place
from .wordlists import words

__all__ = ["find_addresses"]

_POSTCODE = r"[1-9][0-9]{3}(?: ?[A-Z]{2}|[a-z]{2})(?![\w])"
_HOUSE_NUMBER = (
    r"[1-9][0-9]{0,4}(?:-(?:III|II|IV|I|hs|bis|[1-9]?hg|bg|zw)(?![\w])|-?[A-Za-z](?![\w])|[-/][0-9]{1,4}(?![\w]))?"
    r"(?![\w])"
)
_NUMBER_WORD = r"(?:(?:huis)?(?:nummer|nr\.?)|no\.?)\s*"
# Not 'ring' or 'erf': too many ordinary nouns end in them ('verklaring 2').
_STREET_SUFFIXES = (
    "straat|straatweg|laan|weg|plein|gracht|burgwal|kade|singel|dijk|dreef|steeg|plantsoen|hof"
    "|hoven|park|markt|wal|pad|boulevard|allee|haven"
    # Frisian street words
    "|strjitte|wei|leane|loane|dyk|paad|hiem"
)
_NOT_POSTCODE_LETTERS = frozenset({"OM", "EU", "VS", "IS", "NL", "UN", "EN", "OF", "IN", "OP", "AI"})

_POSTCODE_WITH_NUMBER_RE = re.compile(rf"(?<![\w])(?P<pc>{_POSTCODE})[ ,]*(?:{_NUMBER_WORD})?{_HOUSE_NUMBER}")
_STREET_RE = re.compile(
    rf"(?<![\w-])(?P<street>[^\W\d_][^\W\d_'’-]*(?:{_STREET_SUFFIXES}))\s+(?:{_NUMBER_WORD})?{_HOUSE_NUMBER}"
    rf"(?:,?\s*(?P<pc>{_POSTCODE}))?",
    re.IGNORECASE,
)
# Streets whose name starts with the street word: 'Laan van Meerdervoort 230'.
_STREET_WORD_FIRST_RE = re.compile(
    r"(?<![\w-])(?:Laan|Plein|Kade|Singel|Dreef|Weg|Hof|Park|Straat|Burgwal)\s+"
    r"(?:(?:van|de|der|den|het|op|ter|te)\s+)+"
    rf"[A-Z][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*(?: [A-Z][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*)?\s+{_HOUSE_NUMBER}"
    rf"(?:,?\s*{_POSTCODE})?"
)
# Any capitalised street name when a house number and a postcode follow: 'Buorren 21, 9251 MH'.
_STREET_WITH_POSTCODE_RE = re.compile(
    rf"(?<![\w-])(?P<street>[A-Z][^\W\d_'’-]+(?:-[^\W\d_]+)*)\s+{_HOUSE_NUMBER},?\s*(?P<pc>{_POSTCODE})"
)
_POSTCODE_AFTER_WORD_RE = re.compile(rf"\bpostcode\s*:?\s*(?P<pc>{_POSTCODE})", re.IGNORECASE)
_POSTCODE_ALONE_RE = re.compile(rf"(?<![\w])(?P<pc>{_POSTCODE})\s+(?P<place>[A-Z][\w'-]+)")


def _postcode_letters_ok(postcode: str) -> bool:
    return postcode[-2:].upper() not in _NOT_POSTCODE_LETTERS


_STREET_PREFIX_WINDOW = 80
# Prepositions before a street ('op de Kerkstraat', 'bij Samira op Marconistraat'), never part of it.
_NOT_IN_STREET_NAME = frozenset({"op", "in", "aan", "bij", "uit", "te"})


def _street_prefix_start(text: str, street_start: int) -> int:
    """Extend a street name to the left ('Van Boetzelaerlaan', 'Burgemeester de Withstraat')."""
    offset = max(0, street_start - _STREET_PREFIX_WINDOW)
    before = text[offset:street_start]
    start = len(before)
    for word in reversed(list(re.finditer(r"[^\W\d_][^\W\d_'’.-]*|['’]t", before))):
        if before[word.end():start] != " ":
            break
        token = word.group()
        lower = token.lower()
        capitalised = token[0].isupper() and lower not in words("common_words")
        if not (capitalised or (lower in words("tussenvoegsels") and lower not in _NOT_IN_STREET_NAME)):
            break
        start = word.start()
    # A street name never starts with a lower-case 'de' or 'op' ('op de Kerkstraat').
    while start < len(before) and not before[start].isupper():
        start = before.index(" ", start) + 1
    return offset + start


def find_addresses(text: str) -> Iterator[tuple[int, int]]:
    for match in _STREET_RE.finditer(text):
        if match["street"].lower() in _STREET_SUFFIXES.split("|"):
            continue
        yield _street_prefix_start(text, match.start()), match.end()
    for match in _STREET_WORD_FIRST_RE.finditer(text):
        yield match.span()
    for match in _POSTCODE_WITH_NUMBER_RE.finditer(text):
        if _postcode_letters_ok(match["pc"]):
            yield match.span()
    for match in _POSTCODE_AFTER_WORD_RE.finditer(text):
        yield match.span("pc")
    for match in _STREET_WITH_POSTCODE_RE.finditer(text):
        if _postcode_letters_ok(match["pc"]) and match["street"].lower() not in words("common_words"):
            yield _street_prefix_start(text, match.start()), match.end()
    for match in _POSTCODE_ALONE_RE.finditer(text):
        if place(match["place"].lower()) and _postcode_letters_ok(match["pc"]):
            yield match.span("pc")
