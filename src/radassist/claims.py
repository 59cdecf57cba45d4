"""Does a sentence say what its source sentence says? Checks beyond similarity, each with a Dutch reason.

    contradictions("De casus blijft drie maanden in monitoring.", source_sentence)
    -> ["de termijn 'drie maanden' staat niet in de bron"]

The checks compare a claim with the sentence (or two adjacent sentences) that supports it:

- numbers, durations, frequencies, fractions, dates (`radassist.quantities`): every one the claim
  states must be stated by the source, number words read as numbers;
- polarity: the claim's clauses (split at punctuation and conjunctions) are aligned with the source
  clauses they share most content words with; negation (niet, geen, nooit, zonder, voorkomen, ...)
  and modality (mag / moet / mag niet / hoeft niet / kan) must agree. A negation only counts as
  added or dropped when the number of negations differs too, so "voorkomt dat" = "zorgt dat ...
  niet" and a moved "niet" are no contradiction;
- scope: frequency (altijd / vaak / soms / waar mogelijk), quantity (alle / sommige / grotendeels),
  bounds (ten minste / hoogstens / binnen twee weken) and exclusivity (alleen / ook);
- conditions: a claim must not drop the source's "tenzij / mits / alleen als ..." clause;
- opposites: "onvoldoende" against "voldoende", "hoger" against "lager".

Named terms (roles, organisations, laws, regions) need the whole cited passage and are checked in
`verify.py` with `radassist.named_terms`. Everything here is rules over tokens: no model.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from radassist.quantities import is_number, number_findings
from radassist.text import DUTCH_STOPWORDS, _stemmer

_TOKEN = re.compile(r"@\w+|\d+(?:[.,]\d+)*|%|[^\W\d_]+(?:['’-][^\W\d_]+)*|[,;:()–—.!?]", re.UNICODE)
_CLAUSE_PUNCT = {",", ";", ":", "(", ")", "–", "—", ".", "!", "?"}
_CLAUSE_WORDS = {"maar", "omdat", "terwijl", "want", "zodat", "doordat", "hoewel", "nadat", "voordat", "zodra",
                 "tenzij", "dus", "waardoor", "waarna", "en", "als", "wanneer", "indien", "zolang", "waarin", "waarbij",
                 "of"}
_PHRASES = [  # multiword cues, replaced by one pseudo-token before anything else
    ("niet alleen", "@ook"), ("niet meer dan", "@le"), ("niet langer dan", "@le"), ("niet later dan", "@le"),
    ("niet minder dan", "@ge"), ("niet korter dan", "@ge"), ("niet eerder dan", "@ge"), ("ten minste", "@ge"),
    ("op zijn minst", "@ge"), ("ten hoogste", "@le"), ("op zijn hoogst", "@le"), ("af en toe", "soms"),
    ("de meeste", "@meeste"), ("een aantal", "sommige"), ("in sommige gevallen", "@sommigegevallen"),
    ("in alle gevallen", "altijd"), ("waar mogelijk", "@waarmogelijk"), ("waar nodig", "@waarnodig"),
    ("zo nodig", "@zonodig"), ("indien mogelijk", "@waarmogelijk"), ("zo mogelijk", "@waarmogelijk"),
    ("in de regel", "meestal"), ("op voorwaarde", "@cond"), ("alleen als", "@cond"), ("alleen wanneer", "@cond"),
    ("pas als", "@cond"), ("pas wanneer", "@cond"), ("pas na", "@ge"), ("geen enkele", "geen"), ("geen enkel", "geen"),
    ("in de meeste gevallen", "meestal"), ("in elk geval", "altijd"), ("in ieder geval", "altijd"),
    ("elke keer", "altijd"), ("met name", "vooral"), ("in het bijzonder", "vooral"), ("in plaats van", "@insteadof"), ("wel en niet", "@welenniet"), ("wel of niet", "@welenniet"), ("onder meer", "@ondermeer"), ("onder andere", "@ondermeer"),
    ("meer dan", "@gt"), ("minder dan", "@lt"), ("langer dan", "@gt"), ("korter dan", "@lt"),
]
_SAY = {"@ge": "ten minste", "@le": "hoogstens", "@ook": "niet alleen", "@meeste": "de meeste", "@cond": "alleen als",
        "@sommigegevallen": "in sommige gevallen", "@waarmogelijk": "waar mogelijk", "@waarnodig": "waar nodig",
        "@zonodig": "zo nodig", "@insteadof": "in plaats van", "@ondermeer": "onder meer", "@gt": "meer dan",
        "@lt": "minder dan", "@welenniet": "wel en niet"}

_NEG = {"niet", "geen", "nooit", "niets", "niemand", "nergens", "noch", "geenszins", "zonder"}
# Words that negate by meaning: they count as a negation, so "voorkomt dat X" = "zorgt dat niet X".
_IMPLICIT_NEG = {"@insteadof", "voorkomt", "voorkomen", "voorkom", "voorkwam", "vermijdt", "vermijden", "ontbreekt", "ontbreken",
                 "ontbrak", "weigert", "weigeren", "weigerde", "verhindert", "nauwelijks", "amper"}
_MAY = {"mag", "mogen", "mocht", "mochten", "toegestaan", "kan", "kunnen", "kon", "konden", "kunt", "bevoegd",
        "mogelijk", "optioneel", "vrijwillig", "vrijwillige"}
_MUST = {"moet", "moeten", "moest", "moesten", "dient", "dienen", "diende", "dienden", "verplicht",
         "verplichten", "verplichting", "noodzakelijk", "vereist", "verplichtend"}
_NEED = {"hoeft", "hoeven", "hoefde", "hoefden", "hoef"}
_FORBID = {"verboden", "verbiedt", "verbieden", "verbod"}
_SCOPE = {
    "freq": {"altijd": 4, "steeds": 4, "telkens": 4, "voortdurend": 4, "meestal": 3, "doorgaans": 3, "vaak": 3,
             "regelmatig": 3, "geregeld": 3, "dikwijls": 3, "soms": 2, "incidenteel": 2, "@sommigegevallen": 2,
             "@waarmogelijk": 2, "@waarnodig": 2, "@zonodig": 2, "eventueel": 2, "zelden": 1, "nooit": 0},
    "quant": {"alle": 4, "allemaal": 4, "iedere": 4, "ieder": 4, "elke": 4, "elk": 4, "iedereen": 4, "alles": 4,
              "volledig": 4, "volledige": 4, "geheel": 4, "gehele": 4, "hele": 4, "helemaal": 4, "@meeste": 3, "merendeel": 3,
              "meerderheid": 3, "grotendeels": 3, "veel": 3, "vele": 3, "sommige": 2, "sommigen": 2, "enkele": 2,
              "bepaalde": 2, "deels": 2, "gedeeltelijk": 2, "minderheid": 1, "weinig": 1, "weinigen": 1, "overal": 4,
              "vooral": 3, "voornamelijk": 3, "hoofdzakelijk": 3, "merendeels": 3},
    "bound": {"@ge": "ge", "minstens": "ge", "minimaal": "ge", "hoogstens": "le", "maximaal": "le", "hooguit": "le",
              "@le": "le", "uiterlijk": "le", "binnen": "le", "precies": "eq", "exact": "eq", "ongeveer": "ca",
              "circa": "ca", "ca": "ca", "zo'n": "ca", "ruim": "ge", "bijna": "le", "rond": "ca", "@gt": "ge", "@lt": "le"},
    "excl": {"alleen": "only", "uitsluitend": "only", "enkel": "only", "slechts": "only", "louter": "only",
             "@cond": "only", "ook": "also", "@ook": "also", "eveneens": "also", "tevens": "also", "@ondermeer": "also",
             "bijvoorbeeld": "also"},
}
_STRONG = {"freq": {4}, "quant": {4}, "bound": {"ge", "le", "eq"}, "excl": {"only"}}
_LIMITING = {"freq": {1, 2}, "quant": {1, 2}, "bound": {"ge", "le"}, "excl": {"only"}}
_COND = {"tenzij", "mits", "indien", "@cond", "behalve", "uitgezonderd", "zolang"}
_CONDITIONAL = {"als", "wanneer", "indien", "zodra", "@cond"}
_OPPOSITES = [("hoger", "lager"), ("hogere", "lagere"), ("meer", "minder"), ("groter", "kleiner"),
              ("grotere", "kleinere"), ("vaker", "minder vaak"), ("eerder", "later"), ("sneller", "langzamer"),
              ("toename", "afname"), ("toenemen", "afnemen"), ("neemt toe", "neemt af"), ("stijgt", "daalt"),
              ("langer", "korter"), ("sterker", "zwakker"), ("vroeg", "laat"), ("positief", "negatief"),
              ("verhoogd", "verlaagd"), ("uitbreiden", "inperken"), ("vooraf", "achteraf"), ("aanwezig", "afwezig"),
              ("intern", "extern"), ("interne", "externe"), ("lokaal", "landelijk"), ("lokale", "landelijke"),
              ("regionaal", "landelijk"), ("regionale", "landelijke"), ("openbaar", "vertrouwelijk"),
              ("openbare", "vertrouwelijke"), ("zinvol", "zinloos"), ("begin", "eind")]


def raw_tokens(text: str) -> list[str]:
    """Tokens in their original case, multiword cues replaced by one pseudo-token ("ten minste" -> "@ge")."""
    text = " ".join(text.replace("’", "'").split())
    low = text.lower()
    for phrase, token in _PHRASES:
        if phrase in low:
            text = re.sub(rf"\b{re.escape(phrase)}\b", token, text, flags=re.IGNORECASE)
            low = text.lower()
    return _TOKEN.findall(text)


def tokens(text: str) -> list[str]:
    return [t.lower() for t in raw_tokens(text)]


def _fold(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


@dataclass
class Clause:
    words: list[str]
    text: str = ""  # the clause in its original case (pseudo-tokens spelled out)
    stems: set[str] = field(default_factory=set)
    value: str = "POS"  # POS, NEG, MAY, MUST, MAYNOT, NEEDNOT
    cue: str = ""  # the words that set the value, for the reason
    negations: int = 0
    scope: dict[str, tuple] = field(default_factory=dict)  # dimension -> (value, word)
    condition: bool = False
    conditional: bool = False


def clauses(text: str) -> list[Clause]:
    return list(_clauses(text))


def clear_cache() -> None:
    _clauses.cache_clear()


@lru_cache(maxsize=8192)
def _clauses(text: str) -> tuple[Clause, ...]:
    """Clauses split at punctuation and conjunctions. A piece without content words ("maar niet")
    joins the next piece; one with a single content word and no negation ("de politie" in a list, a
    label before a colon) joins the previous piece of its sentence, or the next one at its start."""
    pieces, current = [], []  # (tokens, ends a sentence)
    for t in raw_tokens(text) + ["."]:
        low = t.lower()
        if low in _CLAUSE_PUNCT or (low in _CLAUSE_WORDS and current):
            if current:
                pieces.append((current, low in (".", "!", "?")))
            elif low in (".", "!", "?") and pieces:
                pieces[-1] = (pieces[-1][0], True)
            current = [t] if low in _CLAUSE_WORDS else []
        else:
            current.append(t)
    merged: list[tuple[list[str], bool]] = []
    carry: list[str] = []
    for words, end in pieces:
        words = carry + words
        carry = []
        c = _clause(words)
        if not c.stems and not end:  # "maar niet": its negation belongs to what follows
            carry = words
            continue
        if len(c.stems) == 1 and not c.negations and c.value == "POS":  # a list item, a label
            if merged and not merged[-1][1]:
                merged[-1] = (merged[-1][0] + words, end)
                continue
            if not end:
                carry = words
                continue
        merged.append((words, end))
    if carry:
        merged.append((carry, True))
    out = [_clause(words) for words, _end in merged]
    return tuple(c for c in out if c.stems or c.value != "POS" or c.scope)


_SKIP = _NEG | _MAY | _MUST | _NEED | set(_SCOPE["freq"])


def _clause(raw: list[str]) -> Clause:
    words = [w.lower() for w in raw]
    content = [_fold(w) for w in words if w[0].isalpha() and w not in DUTCH_STOPWORDS and w not in _SKIP and len(w) > 1]
    c = Clause(words, " ".join(_say(w) if w.startswith("@") else w for w in raw), set(_stemmer().stemWords(content)))
    negs = [w for w in words if w in _NEG]
    forbid = [w for w in words if w in _FORBID]
    must = [w for w in words if w in _MUST or w in _NEED]
    may = [w for w in words if w in _MAY]
    implicit = [w for w in words if w in _IMPLICIT_NEG]
    c.negations = len(negs) + len(forbid) + len(implicit)
    if must or may:
        # The negation of a modal stands close to it ("mag geen", "hoeft de gemeente niet", "niet mag");
        # a "niet" further away belongs to another verb ("neemt niet weg van wie moet beslissen").
        k = words.index((must or may)[0])
        near = [w for w in words[max(0, k - 3):k + 7] if w in _NEG]
        negative = (len(near) + len(forbid)) % 2 == 1
        negs = near or negs
    else:
        negative = (len(negs) + len(forbid)) % 2 == 1 if forbid else c.negations % 2 == 1
    negs = negs or implicit
    if must:
        kind = "NEEDNOT" if must[0] in _NEED or must[0].startswith("verplicht") else "MAYNOT"
        c.value, c.cue = (kind if negative else "MUST"), " ".join(must[:1] + negs[:1])
    elif may or forbid:
        c.value, c.cue = ("MAYNOT" if negative else "MAY"), " ".join((may or forbid)[:1] + negs[:1])
    elif negative:
        c.value, c.cue = "NEG", negs[0]
    for dim, table in _SCOPE.items():
        for k, w in enumerate(words):
            if w in table and not (w in ("binnen", "@gt", "@lt") and not _number_follows(words, k)):
                c.scope[dim] = (table[w], w)
                break
    c.condition = any(w in _COND for w in words)
    c.conditional = any(w in _CONDITIONAL for w in words)
    return c


def _number_follows(words: list[str], k: int) -> bool:
    """"binnen twee weken" bounds a term; "komt binnen" and "binnen het team" do not."""
    return any(is_number(w) or w == "een" for w in words[k + 1:k + 3])


_NEGATIVE = {"NEG", "MAYNOT", "NEEDNOT"}
_MODAL_CLASS = {"MAY": "may", "MAYNOT": "maynot", "MUST": "must", "NEEDNOT": "neednot"}


def _say(word: str) -> str:
    return _SAY.get(word, word)


def _same(a: str, b: str) -> bool:
    """Stems that name the same thing: equal, or one a compound part / inflection of the other."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 5 and (long_.startswith(short) or long_.endswith(short) or
                                (len(short) >= 7 and long_[:7] == short[:7]))


def overlap(a: set[str], b: set[str]) -> int:
    return sum(1 for x in a if x in b or any(_same(x, y) for y in b))


def aligned(claim: Clause, source: list[Clause]) -> list[Clause]:
    """The source clauses that share most content words with a claim clause (ties: all of them)."""
    scores = [overlap(claim.stems, s.stems) for s in source]
    best = max(scores, default=0)
    return [s for s, n in zip(source, scores) if best and n == best]


def polarity_findings(claim: str, source: str) -> list[tuple[str, str]]:
    """(check, reason) for negation and modality that disagree between matched clauses.

    Negation is compared by count per matched clause pair. A negation the claim adds is forgiven
    when another negated source clause shares words with the claim (the negation moved: "niet de
    taak van A" for "A doet geen ..."); one the claim drops, when another negated claim clause shares
    words with the source clause.
    """
    found = []
    src, cl = clauses(source), clauses(claim)
    claim_stems = set().union(*(c.stems for c in cl)) if cl else set()
    claim_negs = sum(c.negations for c in cl)
    source_negs = sum(s.negations for s in src if overlap(claim_stems, s.stems))
    for cc in cl:
        matched = aligned(cc, src)
        if not matched or any(s.value == cc.value and s.negations == cc.negations for s in matched):
            continue
        sc = matched[0]
        mc, ms = _MODAL_CLASS.get(cc.value), _MODAL_CLASS.get(sc.value)
        if mc and ms and mc != ms:
            if (mc in ("may", "maynot")) != (ms in ("may", "maynot")) or cc.negations != sc.negations:
                found.append(("modality", f"de zin zegt '{cc.cue}', de bron '{sc.cue}'"))
            continue
        if cc.negations > sc.negations:
            moved = claim_negs <= source_negs and any(
                s.negations and s not in matched and overlap(claim_stems, s.stems) for s in src)
            if not moved:
                found.append(("negation", f"de zin ontkent ('{cc.cue or 'niet'}') wat de bron bevestigt"))
                continue
        elif cc.negations < sc.negations:
            moved = claim_negs >= source_negs and any(
                c.negations and c is not cc and overlap(c.stems, sc.stems) for c in cl)
            if not moved:
                found.append(("negation", f"de bron zegt '{sc.cue}', de zin niet"))
                continue
        if mc == "must" and not ms and sc.value not in _NEGATIVE:
            found.append(("modality", f"de zin zegt '{cc.cue}', de bron stelt geen verplichting"))
    # A negated source clause the claim repeats without its negation ("..., niet om op te sporen").
    if not found and claim_negs < source_negs:
        for s in src:
            if not s.negations or overlap(s.stems, claim_stems) < max(1, 0.6 * len(s.stems)):
                continue
            holders = [c for c in cl if overlap(s.stems, c.stems)]
            if holders and all(c.negations < s.negations for c in holders):
                found.append(("negation", f"de bron zegt '{s.cue or 'niet'}', de zin niet"))
                break
    return found


def scope_findings(claim: str, source: str) -> list[str]:
    found = []
    src, cl = clauses(source), clauses(claim)
    src_all: dict[str, set] = {}
    for s in src:
        for dim, (v, _w) in s.scope.items():
            src_all.setdefault(dim, set()).add(v)
    claim_dims = {dim for c in cl for dim in c.scope}
    claim_stems = set().union(*(c.stems for c in cl)) if cl else set()
    conditional = any(c.conditional for c in cl)
    for cc in cl:
        matched = aligned(cc, src)
        if not matched:
            continue
        sc = matched[0]
        for dim, (v, word) in cc.scope.items():
            sdim = [s.scope[dim] for s in matched if dim in s.scope]
            if not sdim:  # the scope word may sit in a neighbouring clause of the source ("wie ..., leert ook samen")
                sdim = [s.scope[dim] for s in src if dim in s.scope and overlap(cc.stems, s.stems)]
            if sdim:
                if all(v != sv and not _compatible(dim, v, sv) for sv, _sw in sdim):
                    found.append(f"de zin zegt '{_say(word)}', de bron '{_say(sdim[0][1])}'")
            elif v in _STRONG[dim]:
                found.append(f"de zin zegt '{_say(word)}', de bron niet")
        for dim, (sv, sword) in sc.scope.items():
            if dim in claim_dims or sv not in _LIMITING[dim] or (conditional and dim in ("freq", "quant")):
                continue
            if len(sc.stems) >= 2 and len(claim_stems & sc.stems) >= 0.6 * len(sc.stems):
                found.append(f"de bron beperkt dit ('{_say(sword)}'), de zin niet")
    return found


def _compatible(dim: str, a, b) -> bool:
    return dim == "bound" and "ca" in (a, b)


def condition_findings(claim: str, source: str) -> list[str]:
    src, cl = clauses(source), clauses(claim)
    if any(c.condition for c in cl):
        return []
    claim_stems = set().union(*(c.stems for c in cl)) if cl else set()
    for i, s in enumerate(src):
        if s.condition and s.stems and len(claim_stems & s.stems) < 0.5 * len(s.stems):
            main = set().union(*(x.stems for j, x in enumerate(src) if j != i)) if len(src) > 1 else set()
            if main and len(claim_stems & main) >= 2:
                cue = next(_say(w) for w in s.words if w in _COND)
                return [f"de voorwaarde uit de bron ('{cue} ...') ontbreekt"]
    return []


def opposite_findings(claim: str, source: str) -> list[str]:
    c_text, s_text = " " + " ".join(tokens(claim)) + " ", " " + " ".join(tokens(source)) + " "
    for a, b in _OPPOSITES:
        for x, y in ((a, b), (b, a)):
            if f" {x} " in c_text and f" {y} " in s_text and f" {x} " not in s_text and f" {y} " not in c_text:
                return [f"de zin zegt '{x}', de bron '{y}'"]
    c_words = {_fold(w) for w in tokens(claim) if w[0].isalpha()}
    s_words = {_fold(w) for w in tokens(source) if w[0].isalpha()}
    for w in c_words - s_words:
        for prefix in ("on", "niet-", "in"):
            if w.startswith(prefix) and len(w) - len(prefix) >= (6 if prefix == "in" else 5) and w[len(prefix):] in s_words:
                return [f"de zin zegt '{w}', de bron '{w[len(prefix):]}'"]
            if len(w) >= (6 if prefix == "in" else 5) and prefix + w in s_words:
                return [f"de zin zegt '{w}', de bron '{prefix + w}'"]
    return []


def findings(claim: str, source: str, context: str = "") -> list[tuple[str, str]]:
    """Every disagreement between a claim and its source sentence(s), as (check, Dutch reason).

    `context` (neighbouring sentences, the section heading) may state a plain number the claim took
    from a reference ("die module" -> "Module 3"); everything else must be in `source`.
    """
    out = [("number", r) for r in number_findings(tokens(claim), tokens(source), tokens(context) if context else ())]
    out += polarity_findings(claim, source)
    out += [("negation", r) for r in opposite_findings(claim, source)]
    out += [("scope", r) for r in scope_findings(claim, source)]
    out += [("condition", r) for r in condition_findings(claim, source)]
    return out


def contradictions(claim: str, source_sentence: str) -> list[str]:
    """Dutch reasons why `claim` does not say what `source_sentence` says; empty when consistent.

    For the extractive answerer: a clause trimmed out of a passage sentence must keep its numbers,
    negation, modality, scope and conditions.
    """
    return list(dict.fromkeys(r for _check, r in findings(claim, source_sentence)))
