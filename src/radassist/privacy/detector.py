"""Runs every detector over a question, keeps non-overlapping spans, and redacts."""

from __future__ import annotations

import re
from typing import Iterable

from .addresses import find_addresses
from .cues import PERSON_CUE_RE
from .dates import find_birth_dates
from .names import find_names
from .spans import LABELS_NL, PLACEHOLDERS, PRIORITY, Mask, PiiSpan
from .structured import find_bsn, find_emails, find_ibans, find_phones
from .tokens import tokenize
from .wordlists import words

__all__ = ["detect", "has_personal_data", "redact", "warning_nl"]


def _candidates(text: str) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []
    finders: Iterable[tuple[str, Iterable[tuple[int, int]]]] = (
        ("email", find_emails(text)),
        ("iban", find_ibans(text)),
        ("bsn", find_bsn(text)),
        ("telefoon", find_phones(text)),
        ("adres", find_addresses(text)),
    )
    for kind, spans in finders:
        found.extend((kind, start, end) for start, end in spans)
    names = find_names(text)
    found.extend(("naam", start, end) for start, end in names)
    person_context = bool(names) or PERSON_CUE_RE.search(text) is not None
    found.extend(("geboortedatum", start, end) for start, end in find_birth_dates(text, person_context))
    return found


def _choose(candidates: list[tuple[str, int, int]], length: int) -> list[tuple[str, int, int]]:
    """Keep non-overlapping candidates: higher-priority kinds first, then longer, then earlier."""
    ranked = sorted(candidates, key=lambda c: (PRIORITY[c[0]], -(c[2] - c[1]), c[1]))
    taken = Mask(length)
    chosen: list[tuple[str, int, int]] = []
    for kind, start, end in ranked:
        if end > start and taken.is_free(start, end):
            taken.cover(start, end)
            chosen.append((kind, start, end))
    return chosen


def _name_needles(name: str) -> set[str]:
    """Ways a name may be mentioned again: whole, its surname with tussenvoegsels, single words."""
    needles = {name}
    parts = tokenize(name)
    for part in parts[1:]:
        if part.lower in words("tussenvoegsels"):
            surname = name[part.start:]
            needles.update({surname, surname[0].upper() + surname[1:]})
            break
    for part in parts:
        if len(part.text) >= 3 and part.lower not in words("tussenvoegsels") | words("ambiguous_first_names"):
            needles.add(part.text)
    return needles


def _repeated_mentions(text: str, chosen: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Other places where a detected value occurs again ('Meneer Yilmaz ... Yilmaz zegt').

    A later mention without a trigger word would otherwise leak through.
    """
    needles: dict[str, str] = {}
    for kind, start, end in chosen:
        value = text[start:end]
        if kind == "naam":
            needles.update(dict.fromkeys(_name_needles(value), kind))
        else:
            # Also short values: a birth year seen again elsewhere still tells the year.
            needles.setdefault(value, kind)
    if not needles:
        return []
    taken = Mask(len(text))
    for kind, start, end in chosen:
        if kind != "naam":
            taken.cover(start, end)
    # One alternation, longest first, so 'El Amrani' wins over 'Amrani'; a longer mention may
    # also replace a shorter name found by the rules ('El Amrani' over 'Amrani').
    alternation = "|".join(re.escape(value) for value in sorted(needles, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w@.-])(?:{alternation})(?![\w@-])")
    return [
        (needles[match.group()], match.start(), match.end())
        for match in pattern.finditer(text)
        if taken.is_free(*match.span())
    ]


def detect(text: str) -> list[PiiSpan]:
    """Find personal data in *text*; spans are sorted and never overlap."""
    if not text:
        return []
    chosen = _choose(_candidates(text), len(text))
    chosen = _choose(chosen + _repeated_mentions(text, chosen), len(text))
    chosen.sort(key=lambda c: c[1])
    return [PiiSpan(kind, start, end, text[start:end]) for kind, start, end in chosen]


def redact(text: str, spans: list[PiiSpan] | None = None) -> str:
    """Replace every span with a Dutch placeholder such as [NAAM] or [BSN]."""
    if spans is None:
        spans = detect(text)
    pieces: list[str] = []
    position = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < position:
            continue
        pieces.append(text[position:span.start])
        pieces.append(PLACEHOLDERS.get(span.kind, "[PERSOONSGEGEVEN]"))
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def has_personal_data(text: str) -> bool:
    """True when *text* seems to contain personal data."""
    return bool(detect(text))


def warning_nl(spans: list[PiiSpan]) -> str:
    """Dutch message for the user naming the kinds found; empty when there are none."""
    if not spans:
        return ""
    labels: list[str] = []
    for span in spans:
        label = LABELS_NL.get(span.kind, span.kind)
        if label not in labels:
            labels.append(label)
    return (
        f"Uw vraag lijkt persoonsgegevens te bevatten ({', '.join(labels)}). "
        "Stel de vraag liever zonder gegevens die een persoon herkenbaar maken; "
        "u kunt de vraag ook geanonimiseerd versturen."
    )
