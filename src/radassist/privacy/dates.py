"""Dates: dates of birth, and every date as a shield so that no date is read as a name."""

from __future__ import annotations

import re
from datetime import date
from typing import Iterator

__all__ = ["date_matches", "find_birth_dates"]

_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "april": 4, "apr": 4,
    "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}
_MONTH_ALTERNATION = "|".join(sorted(_MONTHS, key=len, reverse=True))

_NUMERIC_DATE_RE = re.compile(
    r"(?<![0-9])(?P<d>[0-3]?[0-9])(?P<sep>[-/.])(?P<m>[01]?[0-9])(?P=sep)(?P<y>(?:19|20)?[0-9]{2}|'[0-9]{2})(?![0-9])"
)
_ISO_DATE_RE = re.compile(r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2})-(?P<m>[01][0-9])-(?P<d>[0-3][0-9])(?![0-9])")
_TEXT_DATE_RE = re.compile(
    rf"(?<![0-9])(?P<d>[0-3]?[0-9])\s+(?P<m>{_MONTH_ALTERNATION})\.?\s+"
    rf"(?P<y>(?:19|20)[0-9]{{2}}|'[0-9]{{2}})(?![0-9])",
    re.IGNORECASE,
)
_BIRTH_TRIGGER_RE = re.compile(
    r"\b(?:geboren|geb\.?\s*datum|geboortedatum|geboortejaar|geb\.|geb\b|gebdat|d\.o\.b\.?|dob)",
    re.IGNORECASE,
)
_BIRTH_YEAR_RE = re.compile(
    r"\b(?:geboren\s+in|geboren|geboortejaar\s*:?|geb\.)\s*(?P<y>(?:19|20)[0-9]{2})(?![0-9-])",
    re.IGNORECASE,
)
_EVENT_WORD_BEFORE_RE = re.compile(
    r"\b(?:op|sinds|vanaf|per|tot|d\.d\.|van|na|voor|tussen|rond|in|tijdens|sedert)\s*$", re.IGNORECASE
)

# Long enough for 'geboortedatum: 3 maart 2005' and 'op 3-3-2005 geboren',
# short enough not to reach a date in the next clause.
_TRIGGER_BEFORE_WINDOW = 30
_TRIGGER_AFTER_WINDOW = 20
_MIN_AGE_WITHOUT_TRIGGER = 12
_MAX_AGE = 100


def _full_year(raw: str) -> int:
    raw = raw.lstrip("'")
    if len(raw) == 4:
        return int(raw)
    two_digits = int(raw)
    this_century = date.today().year % 100
    return 2000 + two_digits if two_digits <= this_century else 1900 + two_digits


def _month_number(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    return _MONTHS.get(raw.lower(), 0)


def date_matches(text: str) -> Iterator[tuple[int, int, int, bool]]:
    """Yield (start, end, year, has_four_digit_year) for every valid-looking date."""
    for pattern in (_NUMERIC_DATE_RE, _ISO_DATE_RE, _TEXT_DATE_RE):
        for match in pattern.finditer(text):
            day, month = int(match["d"]), _month_number(match["m"])
            if 1 <= day <= 31 and 1 <= month <= 12:
                year_text = match["y"]
                yield match.start(), match.end(), _full_year(year_text), len(year_text) == 4


# 'jongeren die na 1 januari 2008 geboren zijn', 'geboren voor 2006': a cohort, not someone's birth date.
_COHORT_BEFORE_RE = re.compile(r"\b(?:na|voor|vóór|vanaf|tussen|sinds|tot|en|of)\s*$", re.IGNORECASE)
_COHORT_BEFORE_WINDOW = 8


def _near_birth_trigger(text: str, start: int, end: int) -> bool:
    if _COHORT_BEFORE_RE.search(text[max(0, start - _COHORT_BEFORE_WINDOW):start]):
        return False
    before = text[max(0, start - _TRIGGER_BEFORE_WINDOW):start]
    after = text[end:end + _TRIGGER_AFTER_WINDOW]
    return bool(_BIRTH_TRIGGER_RE.search(before)) or re.search(r"\bgeboren\b", after, re.IGNORECASE) is not None


def _plausible_birth_year(year: int, min_age: int) -> bool:
    age = date.today().year - year
    return min_age <= age <= _MAX_AGE


def find_birth_dates(text: str, person_context: bool) -> Iterator[tuple[int, int]]:
    for start, end, year, four_digits in date_matches(text):
        if _near_birth_trigger(text, start, end):
            if _plausible_birth_year(year, 0):
                yield start, end
        elif four_digits and person_context and _plausible_birth_year(year, _MIN_AGE_WITHOUT_TRIGGER):
            # Without a trigger a date after 'op', 'sinds' ... is an event, not a birth.
            if not _EVENT_WORD_BEFORE_RE.search(text[max(0, start - 12):start]):
                yield start, end
    for match in _BIRTH_YEAR_RE.finditer(text):
        if _plausible_birth_year(int(match["y"]), 0):
            yield match.span("y")
