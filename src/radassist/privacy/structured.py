"""Structured kinds: BSN (11-proof), phone numbers, e-mail addresses and IBAN (mod-97)."""

from __future__ import annotations

import re
from typing import Callable, Iterator

__all__ = ["find_bsn", "find_emails", "find_ibans", "find_phones", "is_valid_bsn", "is_valid_iban"]

def is_valid_bsn(number: str) -> bool:
    """True when the nine digits in *number* pass the elfproef (11-proof)."""
    digits = [int(ch) for ch in number if ch.isdigit()]
    if len(digits) != 9:
        return False
    weighted = sum(digit * weight for digit, weight in zip(digits[:8], range(9, 1, -1)))
    total = weighted - digits[8]
    return total != 0 and total % 11 == 0


_BSN_RE = re.compile(
    r"(?<![\w.,/-])"
    r"(?:[0-9]{9}|[0-9]{3}([. -])[0-9]{3}\1[0-9]{3}|[0-9]{4}([. ])[0-9]{2}\2[0-9]{3})"
    r"(?![\w]|[.,/-][0-9])"
)


def find_bsn(text: str) -> Iterator[tuple[int, int]]:
    for match in _BSN_RE.finditer(text):
        if is_valid_bsn(match.group()):
            yield match.span()


# --------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------

_PHONE_CANDIDATE_RE = re.compile(r"(?<![\w.,/+-])(?:\+|\()?[0-9][0-9 ()./-]{6,24}[0-9]")
_NATIONAL_NUMBER_RE = re.compile(r"0[1-9][0-9]{8}")


def _is_valid_phone(raw: str) -> bool:
    compact = raw.replace("(0)", "")
    digits = re.sub(r"[^0-9]", "", compact)
    if compact.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    else:
        return _NATIONAL_NUMBER_RE.fullmatch(digits) is not None
    if international.startswith("31"):
        return re.fullmatch(r"[1-9][0-9]{8}", international[2:]) is not None
    return 9 <= len(international) <= 13 and not international.startswith("0")


def _piece_bounds(candidate: str) -> tuple[list[int], list[int]]:
    """Offsets inside *candidate* where a space-separated group starts and where one ends.

    Cutting only at spaces keeps '12-03-2024' whole, so its digits are never
    read as part of a phone number.
    """
    starts = [m.start() for m in re.finditer(r"(?:(?<=\s)|^)[+(0-9]", candidate)]
    ends = [m.end() for m in re.finditer(r"[0-9](?=\s|$)", candidate)]
    return starts, ends


def _best_piece(candidate: str, is_valid: Callable[[str], bool]) -> tuple[int, int] | None:
    """Leftmost, longest run of whole digit groups that *is_valid* accepts.

    A greedy pattern may glue a phone number to a neighbouring number
    ('06 12345678 12 keer'), so the valid part is searched for inside it.
    """
    starts, ends = _piece_bounds(candidate)
    for start in starts:
        for end in reversed(ends):
            if end > start and is_valid(candidate[start:end]):
                return start, end
    return None


_BANK_CODE_BEFORE_RE = re.compile(r"[A-Za-z]{2}[0-9]{2} ?[A-Za-z]{4} ?$")


def find_phones(text: str) -> Iterator[tuple[int, int]]:
    for match in _PHONE_CANDIDATE_RE.finditer(text):
        if _BANK_CODE_BEFORE_RE.search(text[max(0, match.start() - 12):match.start()]):
            # The digits of an (invalid) IBAN, not a phone number.
            continue
        candidate = match.group()
        offset = match.start()
        while candidate:
            piece = _best_piece(candidate, _is_valid_phone)
            if piece is None:
                break
            start, end = piece
            if candidate[start] == "(" and ")" not in candidate[start:end]:
                start += 1
            yield offset + start, offset + end
            offset += piece[1]
            candidate = candidate[piece[1]:]


# --------------------------------------------------------------------------
# E-mail
# --------------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)


def find_emails(text: str) -> Iterator[tuple[int, int]]:
    for match in _EMAIL_RE.finditer(text):
        yield match.span()


# --------------------------------------------------------------------------
# IBAN
# --------------------------------------------------------------------------

_IBAN_LENGTHS = {
    "NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "ES": 24, "IT": 27, "PL": 28, "TR": 26,
    "LU": 20, "AT": 20, "CH": 21, "DK": 18, "SE": 24, "NO": 15, "FI": 18, "PT": 25, "IE": 22,
}
_IBAN_CANDIDATE_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){10,30}")


def is_valid_iban(iban: str) -> bool:
    """True when *iban* (spaces allowed) has a plausible length and a valid mod-97 check."""
    compact = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", compact):
        return False
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    rearranged = compact[4:] + compact[:4]
    as_number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(as_number) % 97 == 1


def find_ibans(text: str) -> Iterator[tuple[int, int]]:
    for match in _IBAN_CANDIDATE_RE.finditer(text):
        candidate = match.group()
        # The pattern may run into the next word ('... 00 is'); try shorter
        # endings that stop at a word boundary.
        for end in range(len(candidate), 0, -1):
            boundary = end == len(candidate) or not candidate[end].isalnum()
            if boundary and candidate[end - 1].isalnum() and is_valid_iban(candidate[:end]):
                yield match.start(), match.start() + end
                break
