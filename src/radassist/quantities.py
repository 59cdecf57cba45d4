"""Numbers, durations, frequencies, fractions and dates in Dutch text, read as values.

    quantities("binnen twee weken, vier keer per jaar, de helft, een kwartier, maart 2020")
    -> dur 14 days, rate 4/365 per day, frac 0.5, dur 15 minutes, month 3, n 2020

`number_findings(claim, source)` says which of the claim's quantities the source does not state:
"zes" = "6", "drie weken" = "21 dagen", "de helft" = "50%", "maandelijks" = "een keer per maand",
"drie kwartier" = "45 minuten", "zeventienjarige" = "17-jarige". A bare unit ("weken tot jaren")
must match the units the source uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"nul": 0, "één": 1, "eén": 1, "éen": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
          "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14,
          "vijftien": 15, "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19}
_TENS = {"twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70, "tachtig": 80,
         "negentig": 90}
ORDINALS = {"eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "zesde": 6, "zevende": 7,
            "achtste": 8, "negende": 9, "tiende": 10, "elfde": 11, "twaalfde": 12}
_MIN = 1 / 1440
DAYS = {"dag": 1, "dagen": 1, "werkdag": 1, "werkdagen": 1, "dagdeel": 0.5, "dagdelen": 0.5, "week": 7, "weken": 7,
        "maand": 30.44, "maanden": 30.44, "kwartaal": 91.3, "kwartalen": 91.3, "jaar": 365.25, "jaren": 365.25,
        "uur": 60 * _MIN, "uren": 60 * _MIN, "kwartier": 15 * _MIN, "minuten": _MIN, "minuut": _MIN,
        "halfjaar": 182.6}
_FAMILY = {"dagen": "dag", "werkdag": "dag", "werkdagen": "dag", "dagdelen": "dagdeel", "weken": "week",
           "maanden": "maand", "kwartalen": "kwartaal", "jaren": "jaar", "uren": "uur", "minuut": "minuten"}
_RATE_WORDS = {"dagelijks": 1, "wekelijks": 7, "maandelijks": 30.44, "jaarlijks": 365.25}
_MONTHS = "januari februari maart april mei juni juli augustus september oktober november december".split()
_FRACTION_WORDS = {"helft": 0.5, "kwart": 0.25, "driekwart": 0.75, "tweederde": 2 / 3}
_ADJECTIVES = {"hele", "volledige", "volle", "ruime", "korte", "lange", "extra", "aaneengesloten"}
_EVERY = {"elke", "iedere", "ieder", "elk"}
_BARE_UNITS = {"dagen", "weken", "maanden", "jaren", "uren", "minuten", "kwartalen"}


@dataclass(frozen=True)
class Quantity:
    kind: str  # n (a bare number, ordinal or year), dur (days), rate (per day), frac, month, unit (a bare unit)
    value: float
    count: float | None  # the number a duration or rate was written with
    text: str
    unit: str = ""  # unit family of a duration or rate


def word_number(w: str) -> float | None:
    """The value of a Dutch number word ("zes", "eenentwintig", "driehonderd", "derde"), else None."""
    if w in _UNITS:
        return _UNITS[w]
    if w in _TENS:
        return _TENS[w]
    if w in ORDINALS:
        return ORDINALS[w]
    m = re.fullmatch(r"(\w+?)[eë]n(twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig)", w)
    if m and (m.group(1) in _UNITS or m.group(1) == "een"):
        return _UNITS.get(m.group(1), 1) + _TENS[m.group(2)]
    for word, factor in (("duizend", 1000), ("honderd", 100)):
        if word in w:
            head, tail = w.split(word, 1)
            h = 1 if head in ("", "een") else word_number(head)
            t = 0 if tail == "" else word_number(tail.removeprefix("en"))
            if h is not None and t is not None:
                return h * factor + t
    return None


def _digits(t: str) -> float | None:
    if not t[:1].isdigit():
        return None
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", t):
        return float(t.replace(".", ""))
    try:
        return float(t.replace(",", "."))
    except ValueError:
        return None


def _family(unit: str) -> str:
    return _FAMILY.get(unit, unit)


def is_number(t: str) -> bool:
    return _digits(t) is not None or word_number(t) is not None


def quantities(toks: list[str]) -> list[Quantity]:
    """Quantities in a lowercased token list (see `radassist.claims.tokens`)."""
    out: list[Quantity] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        prev = toks[i - 1] if i else ""
        if t == "een" and nxt in ("half", "halve"):
            i += 1
            continue
        if t in ("half", "halve") and nxt in DAYS:
            out.append(Quantity("dur", 0.5 * DAYS[nxt], 0.5, f"{t} {nxt}", _family(nxt)))
            i += 2
            continue
        if t in _MONTHS:
            out.append(Quantity("month", float(_MONTHS.index(t)), None, t))
        elif t in _FRACTION_WORDS:
            out.append(Quantity("frac", _FRACTION_WORDS[t], None, t))
        elif m := re.fullmatch(r"(\w*?)(dagelijks|wekelijks|maandelijks|jaarlijks)", t):
            n = 1.0 if not m.group(1) else (0.5 if m.group(1) == "half" else word_number(m.group(1)))
            if n:
                unit = {"dagelijks": "dag", "wekelijks": "week", "maandelijks": "maand", "jaarlijks": "jaar"}[m.group(2)]
                out.append(Quantity("rate", 1 / (n * _RATE_WORDS[m.group(2)]), n, t, unit))
        elif m := re.fullmatch(r"(\w+?)(jarige|jarigen|jarig)", t):  # "zeventienjarige" = "17-jarige"
            n = word_number(m.group(1))
            if n:
                out.append(Quantity("n", n, n, t))
        elif t in _BARE_UNITS and not (prev and (is_number(prev) or prev in _ADJECTIVES or prev in ("een", "half"))):
            out.append(Quantity("unit", 0.0, None, t, _family(t)))
        value = _digits(t)
        if value is None and t != "een":
            value = word_number(t)
        if t == "een" and (nxt in DAYS or nxt in ("keer", "maal") or (nxt in _ADJECTIVES and toks[i + 2:i + 3] and toks[i + 2] in DAYS)):
            value = 1.0
        if t in ("anderhalf", "anderhalve"):
            value = 1.5
        if value is None or (t in ORDINALS and prev == "ten"):  # "ten eerste" is no number
            i += 1
            continue
        if t in ("derde", "vierde", "vijfde") and prev in ("een", "twee", "drie") and nxt in ("van", "deel"):
            out.append(Quantity("frac", (word_number(prev) or 1) / ORDINALS[t], None, f"{prev} {t}"))
            i += 1
            continue
        j = i + 1
        while j < len(toks) and toks[j] in _ADJECTIVES:
            j += 1
        unit = toks[j] if j < len(toks) else ""
        if unit in ("procent", "%"):
            out.append(Quantity("frac", value / 100, value, f"{t} {unit}"))
            i = j + 1
            continue
        if unit in DAYS:
            days = value * DAYS[unit]
            if j + 2 < len(toks) and toks[j + 1] == "per" and toks[j + 2] in DAYS:  # "twee uur per week": a rate
                out.append(Quantity("rate", days / DAYS[toks[j + 2]], value, " ".join(toks[i:j + 3]), _family(toks[j + 2])))
                i = j + 3
                continue
            if prev in _EVERY or (prev == "de" and i > 1 and toks[i - 2] == "om"):
                out.append(Quantity("rate", 1 / days, value, f"{prev} {t} {unit}", _family(unit)))
            else:
                out.append(Quantity("dur", days, value, " ".join(toks[i:j + 1]), _family(unit)))
            i = j + 1
            continue
        per = None
        for k in range(i + 1, min(i + 4, len(toks) - 1)):
            if toks[k] == "per" and toks[k + 1] in DAYS:
                per = k
                break
            if toks[k] not in ("keer", "maal") and (is_number(toks[k]) or not toks[k][:1].isalpha()):
                break
        if per is not None:
            out.append(Quantity("rate", value / DAYS[toks[per + 1]], value, " ".join(toks[i:per + 2]), _family(toks[per + 1])))
            if toks[i + 1] not in ("keer", "maal"):
                out.append(Quantity("n", value, value, t))
            i = per + 2
            continue
        if t != "een":
            out.append(Quantity("n", value, value, t))
        i += 1
    # "elke week", "per maand", "eens per jaar": a rate of one
    for k, t in enumerate(toks[:-1]):
        unit = toks[k + 1]
        if t in _EVERY | {"per", "eens"} and unit in DAYS and not (k and (is_number(toks[k - 1]) or toks[k - 1] in ("keer", "maal"))):
            if not any(q.kind == "rate" and unit in q.text for q in out):
                out.append(Quantity("rate", 1 / DAYS[unit], 1.0, f"{t} {unit}", _family(unit)))
    return out


def _close(a: float, b: float, tol: float = 0.1) -> bool:
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-9)


def stated(q: Quantity, src: list[Quantity]) -> bool:
    for s in src:
        if q.kind == "n" and s.kind not in ("month", "unit") and (s.count == q.value or (s.kind == "n" and s.value == q.value)):
            return True
        if q.kind == s.kind and q.kind in ("dur", "rate"):
            # "46 minuten" is not "45 minuten"; "een maand" is "vier weken"
            if (q.unit == s.unit and q.count == s.count) or (q.unit != s.unit and _close(q.value, s.value)):
                return True
        if q.kind == s.kind == "frac" and abs(q.value - s.value) <= 0.02:
            return True
        if q.kind == s.kind == "month" and q.value == s.value:
            return True
        if q.kind == "unit" and s.unit == q.unit:
            return True
    return False


IDENTIFIERS = {"module", "fase", "aanbeveling", "artikel", "hoofdstuk", "bijlage", "stap", "lid", "ronde", "niveau",
               "paragraaf", "versie", "factsheet"}


def identified(toks: list[str]) -> dict[str, set[float]]:
    """"Module 3", "aanbeveling 7": identifier word -> the numbers it is written with."""
    out: dict[str, set[float]] = {}
    for k in range(len(toks) - 1):
        if toks[k] in IDENTIFIERS:
            value = _digits(toks[k + 1]) if _digits(toks[k + 1]) is not None else word_number(toks[k + 1])
            if value is not None:
                out.setdefault(toks[k], set()).add(value)
    return out


def number_findings(claim: list[str], source: list[str], context: list[str] = ()) -> list[str]:
    """Dutch reasons for the claim's quantities the source (or, for plain numbers, the context) does not state.

    `claim`, `source`, `context`: token lists. The context (neighbouring sentences, the section
    heading) may state a plain number the claim resolved from a reference ("die module" -> "Module 3").
    """
    src = quantities(source)
    ctx = quantities(list(context)) if context else []
    reasons = []
    claim_ids, source_ids = identified(claim), identified(source)
    for word, values in claim_ids.items():  # "Aanbeveling 8" where the source sentence says "Aanbeveling 7"
        if word in source_ids and values - source_ids[word]:
            shown = ", ".join(f"{word} {v:g}" for v in sorted(values - source_ids[word]))
            reasons.append(f"'{shown}' staat niet in de bron (daar: {word} "
                           f"{', '.join(f'{v:g}' for v in sorted(source_ids[word]))})")
    if reasons:
        return reasons
    for q in quantities(claim):
        if stated(q, src) or (q.kind == "n" and stated(q, ctx)):
            continue
        what = {"dur": "de termijn", "rate": "de frequentie", "unit": "de termijn", "month": "de datum"}.get(q.kind, "het getal")
        same_count = [s for s in src if s.kind == q.kind and s.count is not None and s.count == q.count]
        if q.kind in ("dur", "rate") and same_count:
            reasons.append(f"{what} '{q.text}' wijkt af van de bron ('{same_count[0].text}')")
        else:
            reasons.append(f"{what} '{q.text}' staat niet in de bron")
    return reasons
