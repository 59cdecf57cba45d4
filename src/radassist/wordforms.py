"""Matching a question's words to the corpus' words when the forms differ.

Users write "casussen", "gedeeld", "goedpraat", "radicaliseringsaanpak"; the documents say "casus",
"delen", "goedpraten", "aanpak van radicalisering". The snowball stemmer catches inflection but not
plurals in -sen, past participles, spelling of doubled vowels, or compounds. Two mechanisms, both
built from the corpus' own vocabulary (the BM25 vocabulary of stems), so they work for any corpus:

- a match key that folds the remaining forms together (ge-...-d participles, doubled vowels, a final
  s or z), compared on both sides;
- compound splitting against that vocabulary: a term that is not in the corpus but consists of two
  corpus words ("radicaliseringsaanpak" -> "radicaliser" + "aanpak", with a linking s or e) stands for
  its parts; a corpus compound whose head is the question's word ("casusoverleg" for "overleg") counts too.

`WordForms.expand(term)` gives the corpus stems a question stem stands for, best first.
"""

from __future__ import annotations

import re
from functools import lru_cache

_DOUBLE_VOWEL = re.compile(r"(aa|ee|oo|uu)")
MIN_PART = 4  # shortest compound part we trust ("zorg", "plan", "wijk")
MIN_HEAD = 5  # shortest head that may match inside a longer corpus compound
PREFIX = 7  # derivations must share at least this many letters
TYPO_MIN = 8  # only long words get typo matching (short ones have too many neighbours)


@lru_cache(maxsize=65536)
def match_key(stem: str) -> str:
    """Fold spellings the stemmer leaves apart: casuss ~ casus, veiligheidshuiz ~ veiligheidshuis, modul ~ module."""
    k = _DOUBLE_VOWEL.sub(lambda m: m.group(1)[0], stem)
    if len(k) >= 6 and k[-1] in "sz":
        k = k[:-1]
    if len(k) >= 6 and k[-1] == "e":
        k = k[:-1]
    return k


@lru_cache(maxsize=65536)
def match_keys(stem: str) -> tuple[str, ...]:
    """The folded form, plus the form without ge-...-d/t when the word may be a participle (gedeeld ~ del).

    Both are kept because 'gemeent' is no participle: a word matches another when any keys agree.
    """
    keys = [match_key(stem)]
    if len(stem) >= 7 and stem.startswith("ge") and stem[-1] in "dt":
        keys.append(match_key(stem[2:-1]))
    return tuple(keys)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    from radassist.text import _stemmer

    return _stemmer().stemWord(word)


class WordForms:
    """Maps question stems to the corpus stems they stand for (built from a vocabulary of stems)."""

    def __init__(self, vocab: dict[str, int] | list[str], df: dict[str, int] | None = None) -> None:
        terms = list(vocab)
        self.vocab = set(terms)
        self.df = df or {}
        self.by_key: dict[str, list[str]] = {}
        for t in terms:
            for key in match_keys(t):
                self.by_key.setdefault(key, []).append(t)
        # Corpus compounds by their head (last part), for "overleg" -> "casusoverleg".
        self.by_head: dict[str, list[str]] = {}
        keys = set(self.by_key)
        for t in terms:
            if len(t) < MIN_PART + MIN_HEAD:
                continue
            parts = self._split(t, keys)
            if parts:
                self.by_head.setdefault(match_key(parts[-1]), []).append(t)
        # Derivations share a long beginning (terugkeer ~ terugkeerder, jeugdbeschermer ~ jeugdbescherm).
        self.by_prefix: dict[str, list[str]] = {}
        for key, forms in self.by_key.items():
            if len(key) >= PREFIX:
                self.by_prefix.setdefault(key[:PREFIX], []).extend(forms)
        self._deletions: dict[str, list[str]] | None = None  # typo neighbourhood, built on first need
        self._cache: dict[str, tuple[str, ...]] = {}

    def expand(self, stem: str) -> tuple[str, ...]:
        """Corpus stems for one question stem: same form first, then compound parts or compounds with this head."""
        hit = self._cache.get(stem)
        if hit is not None:
            return hit
        out: list[str] = []
        if stem in self.vocab:
            out.append(stem)
        for key in match_keys(stem):
            out.extend(t for t in self.by_key.get(key, ()) if t not in out)
        if not out and len(stem) >= MIN_PART * 2:
            parts = self._split(stem, set(self.by_key))
            if parts:
                for part in parts:
                    out.extend(t for t in self.by_key.get(match_key(part), ()) if t not in out)
        if len(stem) >= MIN_HEAD:
            out.extend(t for t in self.by_head.get(match_key(stem), ()) if t not in out)
        key = match_key(stem)
        if len(key) >= PREFIX:
            for t in self.by_prefix.get(key[:PREFIX], ()):
                tk = match_key(t)
                short, long_ = sorted((key, tk), key=len)
                if t not in out and long_.startswith(short) and len(long_) - len(short) <= 3:
                    out.append(t)
        if not out and len(key) >= TYPO_MIN:
            out.extend(self._typos(key))
        result = tuple(out)
        if len(self._cache) > 50000:
            self._cache.clear()
        self._cache[stem] = result
        return result

    def _typos(self, key: str) -> list[str]:
        """Corpus terms one edit away (a letter missing, extra, changed or swapped): 'procesregiseur'."""
        if self._deletions is None:
            table: dict[str, list[str]] = {}
            for k in self.by_key:
                if len(k) >= TYPO_MIN - 1:
                    for variant in {k, *(k[:i] + k[i + 1:] for i in range(len(k)))}:
                        table.setdefault(variant, []).append(k)
            self._deletions = table
        found: list[str] = []
        for variant in {key, *(key[:i] + key[i + 1:] for i in range(len(key)))}:
            for k in self._deletions.get(variant, ()):
                found.extend(t for t in self.by_key[k] if t not in found)
        return found

    def exact(self, stem: str) -> tuple[str, ...]:
        """The same-form matches only (no compounds)."""
        out = [stem] if stem in self.vocab else []
        for key in match_keys(stem):
            out.extend(t for t in self.by_key.get(key, ()) if t not in out)
        return tuple(out)

    @staticmethod
    def _split(term: str, keys: set[str]) -> tuple[str, str] | None:
        """term = left (+ linking s/e/en) + right, both parts known; the split with the longest head wins."""
        for i in range(MIN_PART, len(term) - MIN_PART + 1):
            left, right = term[:i], term[i:]
            right_key = match_key(right) if match_key(right) in keys else match_key(_stem(right))
            if right_key not in keys:
                continue
            for link in ("", "s", "e", "en"):
                if link and not left.endswith(link):
                    continue
                base = left[: len(left) - len(link)] if link else left
                if len(base) < MIN_PART:
                    continue
                for candidate in (base, _stem(base)):
                    if match_key(candidate) in keys:
                        return candidate, right if match_key(right) in keys else _stem(right)
        return None


def covered(question_terms: list[str], text_terms: set[str], matcher: "WordForms | None") -> list[bool]:
    """For each question stem: does the text contain it, a folded form of it, or a compound built on it?"""
    if matcher is None:
        return [t in text_terms for t in question_terms]
    text_keys = {k for t in text_terms for k in match_keys(t)}
    out = []
    for t in question_terms:
        if t in text_terms or any(k in text_keys for k in match_keys(t)):
            out.append(True)
            continue
        out.append(any(e in text_terms for e in matcher.expand(t)))
    return out
