"""Named terms for citation verification: roles, organisations, laws, regions, methods, documents.

A sentence that names "de politie", "het OM", "Twente" or "de Wet PGA" must find that term in the
passage it cites. Which words count as such terms comes from two places:

- `claim_terms.txt`: generic Dutch public-sector words and word endings (every ...regisseur,
  ...agent, ...wet, ...overleg);
- the index itself (`vocabulary_for(index)`): the knowledge base's abbreviations with the long forms
  it introduces them with ("Openbaar Ministerie (OM)") and the regions in its metadata. A ZVH that
  swaps in its own documents gets its own vocabulary;
- the shape of the sentence: abbreviations and capitalised words that do not start it are names.

Matching works on snowball stems, so plurals and compounds count: "procesregisseurs" names a
...regisseur and "regisseur" is found in a passage that says "procesregisseur".
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable

from radassist.text import DUTCH_STOPWORDS, _stemmer

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_EXPANSION = re.compile(r"((?:[\w-]+\s+){1,6})\(([A-Z]{2,6})\)")
MAX_WORDS = 6
_DIRECTIONS = {"noord", "zuid", "oost", "west", "midden", "holland", "centraal"}


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def stems(tokens: list[str]) -> list[str]:
    return _stemmer().stemWords(tokens)


@dataclass(frozen=True)
class Term:
    surface: str  # as it should be shown, lowercase except abbreviations
    kind: str  # rol, organisatie, wet, regio, methode, document, afkorting, naam


@dataclass
class Vocabulary:
    phrases: dict[tuple[str, ...], Term] = field(default_factory=dict)  # stem sequence -> term
    df: dict[str, int] = field(default_factory=dict)  # stem -> chunks of the corpus that contain it
    chunks: int = 0
    suffixes: list[tuple[str, str]] = field(default_factory=list)  # (stemmed ending, kind)
    aliases: dict[tuple[str, ...], set[tuple[str, ...]]] = field(default_factory=dict)

    def add(self, surface: str, kind: str) -> tuple[str, ...]:
        key = tuple(stems(words(surface)))
        if key and key not in self.phrases:
            self.phrases[key] = Term(surface if surface.isupper() else surface.lower(), kind)
        return key

    def alias(self, a: tuple[str, ...], b: tuple[str, ...]) -> None:
        self.aliases.setdefault(a, set()).add(b)
        self.aliases.setdefault(b, set()).add(a)

    def find(self, text: str) -> list[tuple[Term, tuple[str, ...]]]:
        """The named terms in `text`, longest match first, each once."""
        raw = _WORD.findall(text)
        toks = [w.lower() for w in raw]
        st = stems(toks)
        found: dict[tuple[str, ...], Term] = {}
        i = 0
        while i < len(st):
            hit = None
            for n in range(min(MAX_WORDS, len(st) - i), 0, -1):
                key = tuple(st[i:i + n])
                term = self.phrases.get(key)
                if term is not None and (not term.surface.isupper() or raw[i].isupper()):  # "OM", not "om"
                    hit = (key, term, n)
                    break
            if hit is None and toks[i] not in DUTCH_STOPWORDS:
                term = self._by_suffix(st[i], toks[i]) or _shape(raw, i)
                if term is not None:
                    hit = ((st[i],), term, 1)
            if hit:
                found.setdefault(hit[0], Term(" ".join(raw[i:i + hit[2]]), hit[1].kind))
                i += hit[2]
            else:
                i += 1
        return [(t, k) for k, t in found.items()]

    def _by_suffix(self, stem: str, token: str) -> Term | None:
        for ending, kind in self.suffixes:
            # any ...regisseur; a role word on its own too ("de regisseur"), not "team" or "zorg" on its own
            if stem.endswith(ending) and (len(stem) - len(ending) >= 3 or (kind == "rol" and stem == ending)):
                return Term(token, kind)
        return None

    def occurs(self, key: tuple[str, ...], text_stems: list[str]) -> bool:
        """Whether the term (or one of its aliases) occurs in a text given as stems."""
        keys = [key, *self.aliases.get(key, ())]
        if len(key) == 1 and key[0].endswith("s") and len(key[0]) > 5:  # "Twentse" names Twente
            keys.append((key[0][:-1],))
        return any(_contains(text_stems, k) for k in keys)


def _shape(raw: list[str], i: int) -> Term | None:
    """Abbreviations (OM, ZVH) and capitalised words that do not start the sentence are names."""
    word = raw[i]
    if _ACRONYM.fullmatch(word):
        return Term(word, "afkorting")
    if i > 0 and word[:1].isupper() and not word.isupper() and len(word) > 2:
        return Term(word, "naam")
    return None


def _contains(text_stems: list[str], key: tuple[str, ...]) -> bool:
    n = len(key)
    if n == 1:
        t = key[0]
        if len(t) < 4:
            return t in text_stems
        # "regisseur" is found in "procesregisseur"; "casusoverleg" in a text that says "het overleg"
        return any(s == t or (len(s) > len(t) and (s.endswith(t) or s.startswith(t))) or
                   (len(t) > len(s) >= 6 and t.endswith(s)) for s in text_stems)
    return any(tuple(text_stems[i:i + n]) == key for i in range(len(text_stems) - n + 1))


@lru_cache(maxsize=1)
def base_vocabulary() -> Vocabulary:
    """The generic vocabulary of `claim_terms.txt` (no corpus)."""
    vocab = Vocabulary()
    text = resources.files("radassist").joinpath("claim_terms.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        head, term = (x.strip() for x in line.split(":", 1))
        if head.startswith("suffix "):
            vocab.suffixes.append((stems([term.lower()])[0], head.split(None, 1)[1]))
        else:
            vocab.add(term, head)
    vocab.suffixes.sort(key=lambda s: -len(s[0]))
    return vocab


def build_vocabulary(texts: Iterable[str], regions: Iterable[str] = ()) -> Vocabulary:
    """The base vocabulary plus what a corpus says: abbreviations with long forms, regions, names."""
    base = base_vocabulary()
    vocab = Vocabulary(phrases=dict(base.phrases), suffixes=list(base.suffixes),
                       aliases={k: set(v) for k, v in base.aliases.items()})
    for region in set(regions):
        if region and region.lower() != "landelijk":
            vocab.add(region, "regio")
            for part in re.split(r"[-\s]+", region):
                if len(part) > 4 and part[:1].isupper() and part.lower() not in _DIRECTIONS:
                    vocab.add(part, "regio")
    for text in texts:
        vocab.chunks += 1
        for s in set(stems(words(text))):
            vocab.df[s] = vocab.df.get(s, 0) + 1
        for acronym in set(_ACRONYM.findall(text)):
            vocab.add(acronym, "afkorting")
        for match in _EXPANSION.finditer(text):
            long_form = _long_form(match.group(1).split(), match.group(2))
            if long_form:
                short_key = vocab.add(match.group(2), "afkorting")
                long_key = vocab.add(long_form, vocab.phrases.get(short_key, Term("", "afkorting")).kind)
                vocab.alias(short_key, long_key)
    return vocab


def _long_form(preceding: list[str], acronym: str) -> str:
    """The shortest run of words before "(ABC)" that starts with A and holds A, B, C in order."""
    for n in range(1, len(preceding) + 1):
        run = preceding[-n:]
        if run[0][:1].lower() != acronym[0].lower():
            continue
        letters = "".join(run).lower()
        pos = 0
        for ch in acronym.lower():
            pos = letters.find(ch, pos)
            if pos < 0:
                break
            pos += 1
        else:
            return " ".join(run)
    return ""


_cache: dict[tuple[str, str], Vocabulary] = {}
_cache_lock = threading.Lock()


def vocabulary_for(index) -> Vocabulary:
    """The vocabulary of one index generation (`LoadedIndex`), built once per process."""
    key = (str(getattr(index, "folder", "")), str(getattr(index, "generation", "")))
    with _cache_lock:
        if key not in _cache:
            chunks = index.chunks
            _cache.clear()
            _cache[key] = build_vocabulary([c.text for c in chunks], [c.region for c in chunks])
        return _cache[key]
