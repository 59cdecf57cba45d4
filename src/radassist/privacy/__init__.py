"""Detect and redact personal data in questions typed by professionals.

Professionals sometimes paste case details into a question. This package finds
them before anything else touches the text (retrieval, logging, a language
model).

Structured kinds (BSN, phone, e-mail, IBAN) are found with patterns plus the
official checksums (``structured``). Addresses (``addresses``), dates of birth
(``dates``) and names (``names``) are found with rules over word lists kept as
data files in ``data/``; see evals/privacy/results.md for what they reach.
"""

from __future__ import annotations

from .detector import detect, has_personal_data, redact, warning_nl
from .spans import KINDS, PLACEHOLDERS, PiiSpan
from .structured import is_valid_bsn, is_valid_iban

__all__ = [
    "KINDS",
    "PLACEHOLDERS",
    "PiiSpan",
    "detect",
    "has_personal_data",
    "is_valid_bsn",
    "is_valid_iban",
    "redact",
    "warning_nl",
]
