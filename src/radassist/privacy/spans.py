"""The kinds of personal data, their placeholders and the span type every detector returns."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("bsn", "telefoon", "email", "iban", "adres", "geboortedatum", "naam")

PLACEHOLDERS = {
    "bsn": "[BSN]",
    "telefoon": "[TELEFOONNUMMER]",
    "email": "[E-MAILADRES]",
    "iban": "[IBAN]",
    "adres": "[ADRES]",
    "geboortedatum": "[GEBOORTEDATUM]",
    "naam": "[NAAM]",
}

LABELS_NL = {
    "bsn": "BSN",
    "telefoon": "telefoonnummer",
    "email": "e-mailadres",
    "iban": "IBAN",
    "adres": "adres",
    "geboortedatum": "geboortedatum",
    "naam": "naam",
}

# Earlier wins when two detectors claim overlapping text: an e-mail address
# may contain a name, an IBAN contains digits that look like a phone number.
PRIORITY_ORDER = ("email", "iban", "bsn", "telefoon", "adres", "geboortedatum", "naam")
PRIORITY = {kind: rank for rank, kind in enumerate(PRIORITY_ORDER)}


@dataclass(frozen=True)
class PiiSpan:
    """One piece of personal data: its kind and where it sits in the text."""

    kind: str
    start: int
    end: int
    text: str


class Mask:
    """Which characters of the text are already taken; keeps long texts linear."""

    def __init__(self, length: int) -> None:
        self._taken = bytearray(length)

    def is_free(self, start: int, end: int) -> bool:
        return self._taken.find(1, start, end) == -1

    def cover(self, start: int, end: int) -> None:
        self._taken[start:end] = b"\x01" * (end - start)
