"""Does a sentence say what its source sentence says? Checks beyond similarity, each with a Dutch reason.

    contradictions("De casus blijft drie maanden in monitoring.", source_sentence)
    -> ["de termijn 'drie maanden' wijkt af van de bron ('zes maanden')"]

The checks compare a claim with the sentence (or two adjacent sentences) that supports it:

- numbers, durations, rates, fractions, dates: every one the claim states must be stated by the
  source, with number words read as numbers ("zes" = 6, "drie weken" = 21 days = "21 dagen",
  "de helft" = 50%, "maandelijks" = "een keer per maand");
- polarity: per clause (split at punctuation and conjunctions), the claim clause is aligned with the
  source clause it shares most content words with; their negation (niet, geen, nooit, zonder, ...)
  and modality (mag / moet / mag niet / hoeft niet / kan) must agree;
- scope: frequency (altijd / vaak / soms / nooit), quantity (alle / sommige), bounds (ten minste /
  hoogstens / binnen) and exclusivity (alleen / ook) in the claim must match the source;
- conditions: a claim must not drop the source's "tenzij / mits / alleen als ..." clause;
- antonyms by prefix: "onvoldoende" against "voldoende".

Named terms (roles, organisations, laws, regions) are checked by `radassist.named_terms` and
`verify.py`, because they need the whole cited passage. Everything here is rules over tokens:
a few microseconds per sentence, no model.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from radassist.text import DUTCH_STOPWORDS, _stemmer

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|%|[^\W\d_]+(?:['’-][^\W\d_]+)*|[,;:()–—]", re.UNICODE)
_CLAUSE_PUNCT = {",", ";", ":", "(", ")", "–", "—"}
_CLAUSE_WORDS = {"maar", "omdat", "terwijl", "want", "zodat", "doordat", "hoewel", "nadat", "voordat", "zodra",
                 "tenzij", "dus", "waardoor", "waarna", "en"}

# ------------------------------------------------------------------ numbers
_UNITS = {"nul": 0, "één": 1, "eén": 1, "éen": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
          "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14,
          "vijftien": 15, "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19}
_TENS = {"twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70, "tachtig": 80,
         "negentig": 90}
_ORDINALS = {"eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "zesde": 6, "zevende": 7,
             "achtste": 8, "negende": 9, "tiende": 10, "elfde": 11, "twaalfde": 12}
_DAYS = {"dag": 1, "dagen": 1, "werkdag": 1, "werkdagen": 1, "week": 7, "weken": 7, "maand": 30.44,
         "maanden": 30.44, "kwartaal": 91.3, "kwartalen": 91.3, "jaar": 365.25, "jaren": 365.25, "uur": 1 / 24,
         "uren": 1 / 24, "minuten": 1 / 1440, "minuut": 1 / 1440, "halfjaar": 182.6}
_RATE_WORDS = {"dagelijks": 1, "wekelijks": 7, "maandelijks": 30.44, "jaarlijks": 365.25,
               "halfjaarlijks": 182.6, "kwartaal": 91.3}
_MONTHS = ("januari februari maart april mei juni juli augustus september oktober november december").split()
_FRACTION_WORDS = {"helft": 0.5, "kwart": 0.25, "driekwart": 0.75, "tweederde": 2 / 3}


@dataclass(frozen=True)
class Quantity:
    kind: str  # n (a bare number, ordinal or year), dur (days), rate (per day), frac, month
    value: float
    count: float | None  # the number a duration or rate was written with
    text: str


def _word_number(w: str) -> float | None:
    if w in _UNITS:
        return _UNITS[w]
    if w in _TENS:
        return _TENS[w]
    if w in _ORDINALS:
        return _ORDINALS[w]
    m = re.fullmatch(r"(\w+?)[eë]n(twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig)", w)
    if m and (m.group(1) in _UNITS or m.group(1) == "een"):
        return _UNITS.get(m.group(1), 1) + _TENS[m.group(2)]
    for word, factor in (("duizend", 1000), ("honderd", 100)):
        if word in w:
            head, tail = w.split(word, 1)
            h = 1 if head in ("", "een") else _word_number(head)
            t = 0 if tail == "" else _word_number(tail.removeprefix("en"))
            if h is not None and t is not None:
                return h * factor + t
    return None


def _digits(t: str) -> float | None:
    if not t[0].isdigit():
        return None
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", t):
        return float(t.replace(".", ""))
    try:
        return float(t.replace(",", "."))
    except ValueError:
        return None


def quantities(text: str) -> list[Quantity]:
    toks = tokens(text)
    out: list[Quantity] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        value = _digits(t)
        if value is None and t not in ("een",):
            value = _word_number(t)
        if t == "een" and (nxt in _DAYS or nxt in ("keer", "maal", "half", "halve")):
            value = 1.0
        if t in ("anderhalf", "anderhalve"):
            value = 1.5
        if t == "een" and nxt in ("half", "halve"):
            i += 1
            continue
        if t in ("half", "halve") and nxt in _DAYS:
            out.append(Quantity("dur", 0.5 * _DAYS[nxt], 0.5, f"{t} {nxt}"))
            i += 2
            continue
        if t in _MONTHS:
            out.append(Quantity("month", float(_MONTHS.index(t)), None, t))
        elif t in _FRACTION_WORDS:
            out.append(Quantity("frac", _FRACTION_WORDS[t], None, t))
        elif m := re.fullmatch(r"(\w*?)(dagelijks|wekelijks|maandelijks|jaarlijks)", t):
            n = 1.0 if not m.group(1) else (0.5 if m.group(1) == "half" else _word_number(m.group(1)))
            if n:
                out.append(Quantity("rate", 1 / (n * _RATE_WORDS[m.group(2)]), n, t))
        if value is None or (t in _ORDINALS and i > 0 and toks[i - 1] == "ten"):  # "ten eerste": not a number
            i += 1
            continue
        if t in ("derde", "vierde", "vijfde") and i > 0 and toks[i - 1] in ("een", "twee", "drie") and nxt in ("van", "deel"):
            out.append(Quantity("frac", (_word_number(toks[i - 1]) or 1) / _ORDINALS[t], None, f"{toks[i - 1]} {t}"))
            i += 1
            continue
        j = i + 1
        unit = toks[j] if j < len(toks) else ""
        if unit in ("procent", "%"):
            out.append(Quantity("frac", value / 100, value, f"{t} {unit}"))
            i = j + 1
            continue
        if unit in _DAYS:
            days = value * _DAYS[unit]
            if j + 2 < len(toks) and toks[j + 1] == "per" and toks[j + 2] in _DAYS:  # "twee uur per week": a rate
                out.append(Quantity("rate", days / _DAYS[toks[j + 2]], value, " ".join(toks[i:j + 3])))
                i = j + 3
                continue
            before = toks[i - 1] if i else ""
            if before in ("elke", "iedere", "ieder", "elk") or (before == "de" and i > 1 and toks[i - 2] == "om"):
                out.append(Quantity("rate", 1 / days, value, f"{before} {t} {unit}"))
            else:
                out.append(Quantity("dur", days, value, f"{t} {unit}"))
            i = j + 1
            continue
        per = None
        for k in range(i + 1, min(i + 4, len(toks) - 1)):
            if toks[k] == "per" and toks[k + 1] in _DAYS:
                per = k
                break
            if toks[k] not in ("keer", "maal") and (_is_number(toks[k]) or not toks[k][0].isalpha()):
                break
        if per is not None:
            out.append(Quantity("rate", value / _DAYS[toks[per + 1]], value, " ".join(toks[i:per + 2])))
            if toks[i + 1] not in ("keer", "maal"):
                out.append(Quantity("n", value, value, t))
            i = per + 2
            continue
        if t not in ("een",):
            out.append(Quantity("n", value, value, t))
        i += 1
    # "elke week", "per maand", "eens per jaar": a rate of one
    for k, t in enumerate(toks[:-1]):
        if t in ("elke", "iedere", "ieder", "elk", "per", "eens") and toks[k + 1] in _DAYS and not (k and _is_number(toks[k - 1])):
            if not any(q.kind == "rate" and toks[k + 1] in q.text for q in out):
                out.append(Quantity("rate", 1 / _DAYS[toks[k + 1]], 1.0, f"{t} {toks[k + 1]}"))
    return out


def _is_number(t: str) -> bool:
    return _digits(t) is not None or _word_number(t) is not None or t in ("keer", "maal")


def _close(a: float, b: float, tol: float = 0.1) -> bool:
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-9)


def number_findings(claim: str, source: str) -> list[str]:
    src = quantities(source)
    reasons = []
    for q in quantities(claim):
        if _stated(q, src):
            continue
        same_count = [s for s in src if s.kind == q.kind and s.count is not None and s.count == q.count]
        what = {"dur": "de termijn", "rate": "de frequentie"}.get(q.kind, "het getal")
        if q.kind in ("dur", "rate") and same_count:
            reasons.append(f"{what} '{q.text}' wijkt af van de bron ('{same_count[0].text}')")
        elif q.kind == "month":
            reasons.append(f"de datum '{q.text}' staat niet in de bron")
        else:
            reasons.append(f"{what} '{q.text}' staat niet in de bron")
    return reasons


def _stated(q: Quantity, src: list[Quantity]) -> bool:
    for s in src:
        if q.kind == "n" and s.kind != "month" and (s.count == q.value or (s.kind == "n" and s.value == q.value)):
            return True
        if q.kind == s.kind and q.kind in ("dur", "rate") and _close(q.value, s.value):
            return True
        if q.kind == s.kind == "frac" and abs(q.value - s.value) <= 0.02:
            return True
        if q.kind == s.kind == "month" and q.value == s.value:
            return True
    return False


# ------------------------------------------------------------------ clauses, polarity, modality, scope
_NEG = {"niet", "geen", "nooit", "niets", "niemand", "nergens", "noch", "geenszins", "zonder"}
_MAY = {"mag", "mogen", "mocht", "mochten", "toegestaan", "kan", "kunnen", "kon", "konden", "kunt", "bevoegd"}
_MUST = {"moet", "moeten", "moest", "moesten", "dient", "dienen", "diende", "dienden", "verplicht", "verplichten",
         "verplichting", "noodzakelijk", "vereist"}
_NEED = {"hoeft", "hoeven", "hoefde", "hoefden", "hoef"}
_FORBID = {"verboden", "verbiedt", "verbieden", "verbod"}
_PHRASES = [  # multiword cues, longest first; replaced by one pseudo-token before anything else
    ("niet alleen", "@ook"), ("niet meer dan", "@le"), ("niet langer dan", "@le"), ("niet later dan", "@le"),
    ("niet minder dan", "@ge"), ("niet korter dan", "@ge"), ("niet eerder dan", "@ge"), ("ten minste", "@ge"),
    ("op zijn minst", "@ge"), ("ten hoogste", "@le"), ("op zijn hoogst", "@le"), ("af en toe", "soms"),
    ("de meeste", "@meeste"), ("een aantal", "sommige"), ("een deel", "sommige"), ("in alle", "alle"),
    ("op voorwaarde", "@cond"), ("alleen als", "@cond"), ("alleen wanneer", "@cond"), ("pas als", "@cond"),
    ("pas wanneer", "@cond"), ("pas na", "@ge"), ("geen enkele", "geen"), ("geen enkel", "geen"),
]
_SCOPE = {
    "freq": {"altijd": 4, "steeds": 4, "telkens": 4, "voortdurend": 4, "meestal": 3, "doorgaans": 3, "vaak": 3,
             "regelmatig": 3, "geregeld": 3, "dikwijls": 3, "soms": 2, "incidenteel": 2, "zelden": 1},
    "quant": {"alle": 4, "allemaal": 4, "iedere": 4, "ieder": 4, "elke": 4, "elk": 4, "iedereen": 4, "alles": 4,
              "@meeste": 3, "merendeel": 3, "meerderheid": 3, "veel": 3, "vele": 3, "sommige": 2, "sommigen": 2,
              "enkele": 2, "bepaalde": 2, "minderheid": 1, "weinig": 1, "weinigen": 1},
    "bound": {"@ge": "ge", "minstens": "ge", "minimaal": "ge", "hoogstens": "le", "maximaal": "le", "hooguit": "le",
              "@le": "le", "uiterlijk": "le", "binnen": "le", "precies": "eq", "exact": "eq", "ongeveer": "ca",
              "circa": "ca", "ca": "ca", "zo'n": "ca", "ruim": "ca", "bijna": "ca", "rond": "ca"},
    "excl": {"alleen": "only", "uitsluitend": "only", "enkel": "only", "slechts": "only", "louter": "only",
             "pas": "only", "ook": "also", "@ook": "also", "eveneens": "also", "tevens": "also"},
}
_STRONG = {"freq": {4}, "quant": {4}, "bound": {"ge", "le", "eq"}, "excl": {"only"}}
_COND = {"tenzij", "mits", "indien", "@cond", "behalve", "uitgezonderd", "zolang"}


def tokens(text: str) -> list[str]:
    text = " ".join(text.lower().replace("’", "'").split())
    for phrase, token in _PHRASES:
        if phrase in text:
            text = re.sub(rf"\b{re.escape(phrase)}\b", token, text)
    return re.findall(r"@\w+|" + _TOKEN.pattern, text)


def _fold(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


@dataclass
class Clause:
    words: list[str]
    stems: set[str] = field(default_factory=set)
    value: str = "POS"  # POS, NEG, MAY, MUST, MAYNOT, NEEDNOT
    cue: str = ""  # the words that set the value, for the reason
    scope: dict[str, tuple] = field(default_factory=dict)  # dimension -> (value, word)
    condition: bool = False


def clauses(text: str) -> list[Clause]:
    out, current = [], []
    for t in tokens(text) + [","]:
        if t in _CLAUSE_PUNCT or (t in _CLAUSE_WORDS and current):
            if current:
                out.append(_clause(current))
            current = [t] if t in _CLAUSE_WORDS else []
        else:
            current.append(t)
    return [c for c in out if c.stems or c.value != "POS" or c.scope]


def _clause(words: list[str]) -> Clause:
    content = [_fold(w) for w in words if w[0].isalpha() and w not in DUTCH_STOPWORDS and w not in _NEG
               and w not in _MAY | _MUST | _NEED and len(w) > 1 and w not in _SCOPE["freq"]]
    c = Clause(words, set(_stemmer().stemWords(content)))
    negs = [w for w in words if w in _NEG]
    forbid = [w for w in words if w in _FORBID]
    must = [w for w in words if w in _MUST or w in _NEED]
    may = [w for w in words if w in _MAY]
    negative = (len(negs) + len(forbid)) % 2 == 1
    if must:
        kind = "NEEDNOT" if must[0] in _NEED or must[0] == "verplicht" else "MAYNOT"
        c.value, c.cue = (kind if negative else "MUST"), " ".join(must[:1] + negs[:1])
    elif may or forbid:
        c.value, c.cue = ("MAYNOT" if negative else "MAY"), " ".join((may or forbid)[:1] + negs[:1])
    elif negative:
        c.value, c.cue = "NEG", negs[0]
    for dim, table in _SCOPE.items():
        for w in words:
            if w in table:
                c.scope[dim] = (table[w], w.lstrip("@"))
                break
    c.condition = any(w in _COND for w in words)
    return c


_NEGATIVE = {"NEG", "MAYNOT", "NEEDNOT"}
_MODAL_CLASS = {"MAY": "may", "MAYNOT": "maynot", "MUST": "must", "NEEDNOT": "neednot"}
_SAY = {"@ge": "ten minste", "@le": "hoogstens", "@ook": "niet alleen", "@meeste": "de meeste", "@cond": "alleen als"}


def _say(word: str) -> str:
    return _SAY.get("@" + word, _SAY.get(word, word))


def _align(claim: Clause, source: list[Clause]) -> Clause | None:
    best, best_overlap = None, 0
    for s in source:
        overlap = len(claim.stems & s.stems)
        if overlap > best_overlap:
            best, best_overlap = s, overlap
    return best


def polarity_findings(claim: str, source: str) -> list[tuple[str, str]]:
    """(check, reason) for negation and modality that disagree between aligned clauses."""
    found = []
    src = clauses(source)
    for cc in clauses(claim):
        sc = _align(cc, src)
        if sc is None or cc.value == sc.value:
            continue
        neg_c, neg_s = cc.value in _NEGATIVE, sc.value in _NEGATIVE
        mc, ms = _MODAL_CLASS.get(cc.value), _MODAL_CLASS.get(sc.value)
        if mc and ms:
            found.append(("modality", f"de zin zegt '{cc.cue}', de bron '{sc.cue}'"))
        elif neg_c != neg_s:
            if neg_c:
                found.append(("negation", f"de zin ontkent ('{cc.cue}') wat de bron bevestigt"))
            else:
                found.append(("negation", f"de bron zegt '{sc.cue}', de zin niet"))
        elif mc == "must" and not ms:
            found.append(("modality", f"de zin zegt '{cc.cue}', de bron stelt geen verplichting"))
    return found


def scope_findings(claim: str, source: str) -> list[str]:
    found = []
    src = clauses(source)
    src_all: dict[str, set] = {}
    for s in src:
        for dim, (v, _w) in s.scope.items():
            src_all.setdefault(dim, set()).add(v)
    for cc in clauses(claim):
        sc = _align(cc, src)
        if sc is None:
            continue
        for dim, (v, word) in cc.scope.items():
            if dim in sc.scope:
                sv, sword = sc.scope[dim]
                if v != sv and not _compatible(dim, v, sv):
                    found.append(f"de zin zegt '{_say(word)}', de bron '{_say(sword)}'")
            elif v in _STRONG[dim] and v not in src_all.get(dim, set()):
                found.append(f"de zin zegt '{_say(word)}', de bron niet")
        for dim, (sv, sword) in sc.scope.items():
            if dim not in cc.scope and sv in ({2, 1} if dim in ("freq", "quant") else {"only"} if dim == "excl" else {"ge", "le"}):
                found.append(f"de bron beperkt dit ('{_say(sword)}'), de zin niet")
    return found


def _compatible(dim: str, a, b) -> bool:
    return dim == "bound" and "ca" in (a, b)


def condition_findings(claim: str, source: str) -> list[str]:
    src = clauses(source)
    claim_clauses = clauses(claim)
    if any(c.condition for c in claim_clauses):
        return []
    claim_stems = set().union(*(c.stems for c in claim_clauses)) if claim_clauses else set()
    for i, s in enumerate(src):
        if s.condition and s.stems and len(claim_stems & s.stems) < 0.5 * len(s.stems):
            main = set().union(*(x.stems for j, x in enumerate(src) if j != i)) if len(src) > 1 else set()
            if main and len(claim_stems & main) >= 2:
                cue = next(_say(w.lstrip("@")) if w.startswith("@") else w for w in s.words if w in _COND)
                return [f"de voorwaarde uit de bron ('{cue} ...') ontbreekt"]
    return []


def antonym_findings(claim: str, source: str) -> list[str]:
    c_words = {_fold(w) for w in tokens(claim) if w[0].isalpha()}
    s_words = {_fold(w) for w in tokens(source) if w[0].isalpha()}
    for a, b, text in ((c_words, s_words, "de zin zegt '{}', de bron '{}'"),):
        for w in a - b:
            for prefix in ("on", "niet-"):
                if w.startswith(prefix) and len(w) - len(prefix) >= 5 and w[len(prefix):] in b:
                    return [text.format(w, w[len(prefix):])]
                if prefix + w in b:
                    return [text.format(w, prefix + w)]
    return []


def findings(claim: str, source: str) -> list[tuple[str, str]]:
    """Every disagreement between a claim and its source sentence(s), as (check, Dutch reason)."""
    out = [("number", r) for r in number_findings(claim, source)]
    out += polarity_findings(claim, source)
    out += [("negation", r) for r in antonym_findings(claim, source)]
    out += [("scope", r) for r in scope_findings(claim, source)]
    out += [("condition", r) for r in condition_findings(claim, source)]
    return out


def contradictions(claim: str, source_sentence: str) -> list[str]:
    """Dutch reasons why `claim` does not say what `source_sentence` says; empty when consistent.

    For the extractive answerer: a clause trimmed out of a passage sentence must keep its numbers,
    negation, modality, scope and conditions.
    """
    return list(dict.fromkeys(r for _check, r in findings(claim, source_sentence)))
