"""Citation verification for LLM answers: each sentence must be supported by the passage it cites.

For every answer sentence with a valid marker:

1. **Support window.** The cited passage is split into sentences; the window that supports the
   claim is one passage sentence or two adjacent ones (or, with two markers, one sentence of each
   cited passage). Support = the mean of the share of the claim's content words found in the window
   and the USE similarity of claim and window. Below `min_support` the sentence is dropped.
2. **Claim checks** against that window (`radassist.claims`): numbers, durations and dates;
   negation and modality; scope words; dropped conditions.
3. **Named terms** (`radassist.named_terms`): roles, organisations, laws, regions and documents the claim
   names must occur in the cited passage (text, title, section or region).
4. **Coverage**: content words of the claim that neither the window nor its neighbours contain
   (an invented detail) drop the sentence when they are too many for a paraphrase.

Markers that point nowhere ([7] of 5) are removed; sentences without a valid marker are dropped.
Every sentence gets a `SentenceVerdict` with a one-line Dutch reason when it is dropped.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np

from radassist import claims
from radassist.quantities import IDENTIFIERS, quantities, stated, word_number
from radassist.embed import get_embedder
from radassist.named_terms import Vocabulary, base_vocabulary, stems, words
from radassist.text import DUTCH_STOPWORDS, split_sentences
from radassist.types import Citation, Passage, SentenceVerdict

_MARKER = re.compile(r"\[(\d{1,3})\]")
SHORTLIST_SINGLE, SHORTLIST_PAIR = 3, 2  # windows per sentence (by word overlap) that get the USE similarity
PAIR_GAIN = 2  # two sentences support a claim instead of one when they hold this many more of its words
RARE_MIN_LEN = 8  # a new word this long that no document of the corpus uses may be an invented detail ...
ABLATION_GAIN = 0.04  # ... when leaving it out brings the sentence this much closer to its source (USE)
MAX_ABLATIONS = 3
REASON_SUPPORT = "onvoldoende steun in de bron"
REASON_NO_MARKER = "geen bronverwijzing"
REASON_BAD_MARKER = "verwijst naar een niet-bestaande bron"


@dataclass
class Verified:
    text: str
    citations: list[Citation]
    verdicts: list[SentenceVerdict]
    kept_share: float


@dataclass
class _Window:
    rank: int
    first: int  # index of its first sentence in the passage
    text: str
    parts: tuple[str, ...]
    stems: frozenset[str]
    context: frozenset[str]  # stems of the window and its neighbouring sentences
    around: str = ""  # the neighbouring sentences
    lexical: float = 0.0
    semantic: float = 0.0
    covered: int = 0  # claim words found in the window

    @property
    def support(self) -> float:
        return 0.5 * self.lexical + 0.5 * max(0.0, self.semantic)


class _VectorCache:
    """USE vectors of passage sentences, by text: passages come back across questions."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.data: OrderedDict[str, np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def embed(self, texts: list[str]) -> dict[str, np.ndarray]:
        with self.lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self.data]
        if missing:
            vecs = get_embedder("use").embed_passages(missing)
            with self.lock:
                for t, v in zip(missing, vecs):
                    self.data[t] = v
                while len(self.data) > self.size:
                    self.data.popitem(last=False)
        with self.lock:
            return {t: self.data[t] for t in texts}

    def clear(self) -> None:
        with self.lock:
            self.data.clear()


VECTORS = _VectorCache()


def clear_caches() -> None:
    """Forget cached sentence vectors and parsed clauses (benchmarks measure a cold start)."""
    VECTORS.clear()
    claims.clear_cache()


_PARTICLE_TE = re.compile(r"\b(af|op|aan|in|uit|mee|door|terug|vast|voor|na|over|toe|bij|weg|samen|bekend|plaats)\s+te\s+(\w+)")


def _word_stems(text: str) -> list[str]:
    """Stems of a text's words, separable verbs joined ("af te sluiten" -> "afsluiten")."""
    return stems(words(_PARTICLE_TE.sub(r"\1\2", text.lower())))


def claim_stems(text: str) -> list[str]:
    """Stemmed content words that coverage is measured on (numbers are the number check's job)."""
    toks = [w for w in words(_PARTICLE_TE.sub(r"\1\2", text.lower()))
            if w not in DUTCH_STOPWORDS and len(w) > 2 and word_number(w) is None]
    return list(dict.fromkeys(stems(toks)))


def _found(term: str, pool: frozenset[str]) -> bool:
    if term in pool:
        return True
    if len(term) < 5:
        return False
    return any(len(s) >= 5 and (s.startswith(term) or term.startswith(s) or s.endswith(term) or term.endswith(s))
               for s in pool)


def _lexical(terms: list[str], pool: frozenset[str], weight: dict[str, float]) -> float:
    total = sum(weight.get(t, 1.0) for t in terms)
    return sum(weight.get(t, 1.0) for t in terms if _found(t, pool)) / total if total else 0.0


def _weights(windows: dict[int, list["_Window"]]) -> dict[str, float]:
    """IDF of stems over the sentences of the retrieved passages: "casus" matters less than "kwartaal"."""
    singles = [w.stems for ws in windows.values() for w in ws if len(w.parts) == 1]
    df: dict[str, int] = {}
    for st in singles:
        for s in st:
            df[s] = df.get(s, 0) + 1
    n = max(1, len(singles))
    return {s: math.log(1 + n / (1 + d)) for s, d in df.items()}


def _windows(passage: Passage) -> list[_Window]:
    text = passage.chunk.text
    sents = [text[a:b] for a, b in split_sentences(text)] or [text]
    sent_stems = [frozenset(_word_stems(s)) for s in sents]
    out = []
    for i in range(len(sents)):
        for n in (1, 2):
            if i + n > len(sents):
                continue
            lo, hi = max(0, i - 1), min(len(sents), i + n + 1)
            out.append(_Window(passage.rank, i, " ".join(sents[i:i + n]), tuple(sents[i:i + n]),
                               frozenset().union(*sent_stems[i:i + n]), frozenset().union(*sent_stems[lo:hi]),
                               " ".join(sents[lo:i] + sents[i + n:hi])))
    return out


def _meta_stems(passage: Passage) -> list[str]:
    c = passage.chunk
    return _word_stems(" ".join((c.text, c.title, c.section, c.region, c.type, c.doc_id.replace("-", " "))))


def verify(answer: str, passages: list[Passage], min_support: float, vocab: Vocabulary | None = None) -> Verified:
    vocab = vocab or base_vocabulary()
    by_rank = {p.rank: p for p in passages}
    # "Zin. [1] Volgende zin" -> "Zin [1]. Volgende zin": keep each marker with its own sentence.
    answer = re.sub(r"([.!?])\s*((?:\[\d{1,3}\]\s*)+)", lambda m: " " + m.group(2).strip() + m.group(1) + " ", answer)
    sentences = [answer[a:b] for a, b in split_sentences(answer)]
    windows = {p.rank: _windows(p) for p in passages}
    weight = _weights(windows)
    meta = {p.rank: _meta_stems(p) for p in passages}

    jobs = []  # (bare sentence, markers, valid markers, shortlist of windows)
    for sentence in sentences:
        markers = [int(m) for m in _MARKER.findall(sentence)]
        valid = [m for m in dict.fromkeys(markers) if m in by_rank]
        bare = re.sub(r"\s+([.!?:;,])", r"\1", " ".join(_MARKER.sub("", sentence).split()))
        if not bare:
            continue
        terms = claim_stems(bare)
        # Copies: the same passage window is scored for every sentence that cites it.
        cands = [replace(w, lexical=_lexical(terms, w.stems, weight), covered=sum(_found(t, w.stems) for t in terms))
                 for m in valid for w in windows[m]]
        ranked = sorted(cands, key=lambda w: -w.lexical)
        cands = ([w for w in ranked if len(w.parts) == 1][:SHORTLIST_SINGLE] +
                 [w for w in ranked if len(w.parts) > 1][:SHORTLIST_PAIR])
        if len(valid) > 1:
            cands += _cross_windows(valid, windows, terms, weight)
        jobs.append((bare, markers, valid, terms, cands))

    texts = [j[0] for j in jobs] + [part for j in jobs for w in j[4] for part in w.parts]
    vecs = VECTORS.embed(texts) if texts else {}

    verdicts: list[SentenceVerdict] = []
    kept_parts: list[str] = []
    citations: list[Citation] = []
    for bare, markers, valid, terms, cands in jobs:
        if not valid:
            reason = REASON_BAD_MARKER if markers else REASON_NO_MARKER
            verdicts.append(SentenceVerdict(bare, markers, 0.0, False, reason, check="marker"))
            continue
        claim_vec = vecs[bare]
        for w in cands:
            v = sum(vecs[p] for p in w.parts)
            w.semantic = float(v @ claim_vec / max(np.linalg.norm(v), 1e-9))
        best = _best(cands)
        window_vec = None
        if best is not None:
            window_vec = sum(vecs[p] for p in best.parts)
            window_vec = window_vec / max(np.linalg.norm(window_vec), 1e-9)
        verdict = _judge(bare, valid, terms, best, by_rank, meta, vocab, min_support, window_vec)
        verdicts.append(verdict)
        if verdict.kept:
            end = bare[-1] if bare[-1] in ".!?:;" else "."
            body = bare[:-1].rstrip() if bare[-1] in ".!?:;" else bare
            kept_parts.append(f"{body} {''.join(f'[{m}]' for m in valid)}{end}")
            citations.append(Citation(marker=best.rank, passage=by_rank[best.rank], quote=best.parts[0].strip()))
    total = len(verdicts)
    kept_share = (sum(v.kept for v in verdicts) / total) if total else 0.0
    return Verified(" ".join(kept_parts), citations, verdicts, kept_share)


def _best(cands: list[_Window]) -> _Window | None:
    """The supporting window: one sentence, unless two adjacent ones cover more of the claim's words."""
    if not cands:
        return None
    singles = [w for w in cands if len(w.parts) == 1]
    pairs = [w for w in cands if len(w.parts) > 1]
    one = max(singles, key=lambda w: w.support) if singles else None
    two = max(pairs, key=lambda w: w.support) if pairs else None
    if one is None or (two is not None and two.covered >= one.covered + PAIR_GAIN):
        return two
    return one


def _cross_windows(valid: list[int], windows: dict[int, list[_Window]], terms: list[str],
                   weight: dict[str, float]) -> list[_Window]:
    """With [1][2] a claim may merge one sentence of each cited passage."""
    singles = []
    for m in valid[:3]:
        ones = [w for w in windows[m] if len(w.parts) == 1]
        if ones:
            singles.append(max(ones, key=lambda w: w.lexical))
    out = []
    for i in range(len(singles)):
        for j in range(i + 1, len(singles)):
            a, b = singles[i], singles[j]
            w = _Window(a.rank, a.first, f"{a.text} {b.text}", a.parts + b.parts, a.stems | b.stems, a.context | b.context,
                        f"{a.around} {b.around}")
            w.lexical = _lexical(terms, w.stems, weight)
            w.covered = sum(_found(t, w.stems) for t in terms)
            out.append(w)
    return out


def _judge(bare: str, valid: list[int], terms: list[str], best: _Window | None, by_rank: dict[int, Passage],
           meta: dict[int, list[str]], vocab: Vocabulary, min_support: float,
           window_vec: np.ndarray | None = None) -> SentenceVerdict:
    if best is None:
        return SentenceVerdict(bare, valid, 0.0, False, REASON_SUPPORT, check="support")
    support = round(best.support, 4)

    def verdict(reason: str = "", check: str = "") -> SentenceVerdict:
        return SentenceVerdict(bare, valid, support, not reason, reason, quote=best.text, check=check)

    if best.support < min_support:
        return verdict(REASON_SUPPORT, "support")
    cited = [by_rank[m] for m in valid]
    context = " ".join([best.around] + [f"{p.chunk.title}. {p.chunk.section}." for p in cited])
    found = claims.findings(bare, best.text, context)
    if found:
        return verdict(found[0][1], found[0][0])
    cited_meta = [s for m in valid for s in meta[m]]
    near = _word_stems(" ".join([best.text, best.around] + [f"{p.chunk.title} {p.chunk.section} {p.chunk.region}" for p in cited]))
    for term, key in vocab.find(bare):
        if not vocab.occurs(key, cited_meta):
            return verdict(f"de bron noemt '{term.surface}' niet", "term")
        if not vocab.occurs(key, near):
            return verdict(f"de bron noemt '{term.surface}' niet bij deze bewering", "term")
    bound = _clause_findings(bare, best.text, vocab)
    if bound:
        return verdict(bound[1], bound[0])
    pool = frozenset(cited_meta)
    new = [t for t in terms if not _found(t, pool) and not vocab.occurs((t,), cited_meta)]
    rare = [t for t in new if vocab.chunks and vocab.df.get(t, 0) == 0 and len(t) >= RARE_MIN_LEN]
    if rare and window_vec is not None:
        invented = _invented(bare, _surface(bare, rare)[:MAX_ABLATIONS], window_vec, best.semantic)
        if invented:
            shown = ", ".join(f"'{w}'" for w in invented[:3])
            return verdict(f"bevat iets wat niet in de bron staat: {shown}", "coverage")
    return verdict()


def _invented(bare: str, new_words: list[str], window_vec: np.ndarray, similarity: float) -> list[str]:
    """New words (not in the passage) whose removal makes the sentence closer to its source.

    A synonym ("voornaamste" for "belangrijkste") carries meaning the source has: without it the
    sentence moves away from the source. An invented detail ("... en tekenen een
    geheimhoudingsverklaring") is meaning the source lacks: without it the sentence moves closer.
    """
    ablated = [" ".join(re.sub(rf"(?i)\b{re.escape(w)}\b", " ", bare).split()) for w in new_words]
    vecs = get_embedder("use").embed_passages(ablated)
    return [w for w, v in zip(new_words, vecs) if float(v @ window_vec) - similarity >= ABLATION_GAIN]


def _clause_findings(bare: str, window: str, vocab: Vocabulary) -> tuple[str, str] | None:
    """Who does what, and how much, per clause: the claim clause against the source clause it matches.

    A role or organisation the claim names must be the one the matching source clause names ("Het
    OM voert de procesregie" against "Het ZVH voert de procesregie"); a number must be the one of the
    matching clause or its neighbours, not one stated elsewhere in the window.
    """
    src = claims.clauses(window)
    sentences = [window[a:b] for a, b in split_sentences(window)] or [window]
    sentence_stems = [_word_stems(s) for s in sentences]
    claim_stems = _word_stems(bare)
    for cc in claims.clauses(bare):
        matched = claims.aligned(cc, src)
        terms = vocab.find(cc.text)
        plain = cc.stems - {s for _t, key in terms for s in key}
        if not matched or claims.overlap(cc.stems, matched[0].stems) < min(2, max(1, len(plain))):
            continue
        here = " ".join(s.text for s in matched)
        here_stems, cc_stems = _word_stems(here), _word_stems(cc.text)
        home = next((st for st in sentence_stems if set(matched[0].stems) <= set(st)), sentence_stems[0])
        for term, key in terms if not cc.negations else []:  # "niet X maar Y" names X on purpose
            if vocab.occurs(key, here_stems):
                continue
            others = [(t, k) for t, k in vocab.find(here) if not vocab.occurs(k, cc_stems)]
            # X is not in the source sentence at all, or X and Y swapped places ("A doet P, B doet Q")
            swapped = [t for t, k in others if vocab.occurs(k, claim_stems)] and vocab.occurs(key, home)
            if others and (not vocab.occurs(key, home) or swapped):
                return "term", f"de bron noemt hier '{others[0][0].surface}', niet '{term.surface}'"
        for q in quantities(cc.words):
            if q.kind not in ("n", "dur", "rate", "unit") or _identifier(q, cc.words):
                continue
            i = src.index(matched[0])
            for scope in (matched, src[max(0, i - 1):i + 2]):
                found = [s for s in quantities([w for s in scope for w in s.words + ["."]]) if _sort(s) == _sort(q)]
                if found:
                    if not stated(q, found):
                        return "number", f"'{q.text}' staat in de bron niet bij deze bewering (daar: '{found[0].text}')"
                    break
    return None


def _identifier(q, words: list[str]) -> bool:
    """"Module 1", "artikel 8": a name, not an amount."""
    return q.kind == "n" and any(words[k - 1] in IDENTIFIERS for k, w in enumerate(words) if k and w == q.text)


def _sort(q) -> str:
    return "year" if q.kind == "n" and 1900 <= q.value <= 2100 else q.kind


def _surface(text: str, stem_list: list[str]) -> list[str]:
    wanted = set(stem_list)
    toks = words(_PARTICLE_TE.sub(r"\1\2", text.lower()))
    return list(dict.fromkeys(w for w, s in zip(toks, stems(toks)) if s in wanted))


def contradictions(claim: str, source_sentence: str) -> list[str]:
    """Dutch reasons why a claim does not say what its source sentence says (see `radassist.claims`)."""
    return claims.contradictions(claim, source_sentence)
