"""Dutch text helpers shared by chunking, retrieval, answering and evaluation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Abbreviations after which a period does not end a sentence.
_ABBREV = {
    "bijv", "bv", "o.a", "oa", "i.p.v", "ipv", "m.b.t", "mbt", "t.a.v", "tav", "e.d", "enz", "etc", "art",
    "nr", "nrs", "dhr", "mevr", "mr", "dr", "drs", "ir", "prof", "ca", "z.g.a", "zgn", "d.w.z", "dwz",
    "i.v.m", "ivm", "incl", "excl", "jl", "vlg", "blz", "p", "pag", "resp", "jr", "wo", "tel", "e.a", "m.n",
    "o.m", "t.b.v", "tbv", "n.a.v", "nav", "v.w.b", "vs", "max", "min", "evt", "z.o.z", "cf", "vgl", "lid",
}
_SENT_END = re.compile(r"[.!?]++[\"')\]]*+\s+|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in `text`, whitespace trimmed; never empty spans."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENT_END.finditer(text):
        end = match.end()
        piece = text[start:match.start() + 1]
        if _ends_in_abbreviation(piece) or _next_starts_lowercase(text, end, match):
            continue
        spans.append((start, match.start() + len(match.group().rstrip())))
        start = end
    if start < len(text):
        spans.append((start, len(text)))
    return [s for s in (_trim(text, a, b) for a, b in spans) if s[1] > s[0]]


def _ends_in_abbreviation(piece: str) -> bool:
    match = re.search(r"(\S+)\.$", piece.rstrip())
    if not match:
        return False
    word = match.group(1).lower().lstrip("(\"'")
    if word in _ABBREV:
        return True
    # Single initials ("A.") and list numbers that stand alone at the start of a line ("1.").
    if re.fullmatch(r"[a-z]", word):
        return True
    line = piece.rstrip().rsplit("\n", 1)[-1].strip()
    return bool(re.fullmatch(r"\d+(\.\d+)*\.", line))


def _next_starts_lowercase(text: str, end: int, match: re.Match) -> bool:
    if "\n" in match.group():
        return False
    nxt = text[end:end + 1]
    return bool(nxt) and nxt.islower() and match.group().strip() == "."


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def normalize(text: str) -> str:
    """Lowercase, strip accents and punctuation, collapse whitespace (for matching, never display)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return " ".join(text.split())


def squash_ws(text: str) -> str:
    return " ".join(text.split())


DUTCH_STOPWORDS = frozenset(
    """
    aan al alle alleen als altijd ander andere anders ben bij bijna daar daarna daarom dan dat de deze die
    dit doch doen door dus een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe
    hun iemand iets ik in is ja je jij jou jouw kan kon kunnen maar me meer men met mij mijn moet na naar
    niet niets nog nu of om omdat onder ons ook op over reeds te tegen toch toen tot u uit uw van veel voor
    want waren was wat we wel welk welke werd wie wij wil worden wordt zal ze zelf zich zij zijn zo zonder
    zou zouden waar wanneer hoeveel hoelang hoe waarom waarvoor waarmee welk mag mogen kun kunt moeten
    gaat gaan heb hebt doe doet deed word worden geworden zullen zult wilt willen kan kunnen komt komen
    er erbij ervan hierbij daarbij daarvoor hiervoor eigenlijk precies graag even vaak sommige soms
    elk elke ieder iedere andere zoals ten ter der des
    """.split()
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer (snowball)

    return Stemmer.Stemmer("dutch")


def tokenize(text: str) -> list[str]:
    return re.findall(r"\w+", normalize(text))


def content_terms(text: str) -> list[str]:
    """Stemmed Dutch content words (stopwords and 1-letter tokens dropped)."""
    words = [w for w in tokenize(text) if w not in DUTCH_STOPWORDS and len(w) > 1]
    return _stemmer().stemWords(words)
