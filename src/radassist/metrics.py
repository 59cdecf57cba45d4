"""Deterministic evaluation metrics (no LLM judge): retrieval, answers, citations, latency.

Each function takes plain values so the tests can check it on small hand-made cases.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np

from radassist.text import content_terms, normalize, split_sentences, squash_ws

_MARKER = re.compile(r"\[(\d{1,3})\]")


def norm_ws(text: str) -> str:
    return squash_ws(text).lower()


def holds_evidence(passage_text: str, evidence: Sequence[str]) -> bool:
    """A passage holds the answer when it contains one evidence string (whitespace-normalised, any case)."""
    text = norm_ws(passage_text)
    return any(norm_ws(e) in text for e in evidence if e.strip())


def hit_at(relevant: Sequence[bool], k: int) -> float:
    return 1.0 if any(relevant[:k]) else 0.0


def mrr_at(relevant: Sequence[bool], k: int = 10) -> float:
    for i, rel in enumerate(relevant[:k], start=1):
        if rel:
            return 1.0 / i
    return 0.0


def ndcg_at(relevant: Sequence[bool], n_relevant_total: int, k: int = 10) -> float:
    """Binary nDCG; the ideal ranking puts all relevant passages of the whole index first."""
    dcg = sum(1.0 / math.log2(i + 1) for i, rel in enumerate(relevant[:k], start=1) if rel)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(n_relevant_total, k) + 1))
    return dcg / ideal if ideal > 0 else 0.0


def fact_recall(answer: str, facts: Sequence[str]) -> float | None:
    """Share of key facts found in the answer: a fact counts when at least half of its content words
    (stemmed Dutch) occur in the answer; a fact without content words must occur as a whole phrase."""
    if not facts:
        return None
    answer_terms = set(content_terms(answer))
    text = f" {normalize(answer)} "
    found = 0
    for fact in facts:
        terms = set(content_terms(fact))
        if terms:
            found += len(terms & answer_terms) / len(terms) >= 0.5
        else:
            found += f" {normalize(fact)} " in text
    return found / len(facts)


def fact_recall_exact(answer: str, facts: Sequence[str]) -> float | None:
    """Share of key facts present verbatim in the answer after Dutch normalisation (accents, case, punctuation)."""
    if not facts:
        return None
    text = f" {normalize(answer)} "
    return sum(1 for f in facts if f" {normalize(f)} " in text) / len(facts)


def answer_sentences(answer: str) -> list[str]:
    return [answer[a:b] for a, b in split_sentences(answer) if _MARKER.sub("", answer[a:b]).strip(" .")]


def citation_coverage(answer: str) -> float | None:
    sentences = answer_sentences(answer)
    if not sentences:
        return None
    return sum(1 for s in sentences if _MARKER.search(s)) / len(sentences)


def citation_validity(citations: Sequence[dict], passages_by_rank: dict[int, str]) -> float | None:
    """Share of citations whose marker resolves to a returned passage that contains the quote."""
    if not citations:
        return None
    ok = 0
    for c in citations:
        text = passages_by_rank.get(c["marker"])
        if text is not None and norm_ws(c["quote"]) in norm_ws(text):
            ok += 1
    return ok / len(citations)


def citation_support(citations: Sequence[dict], passages_by_rank: dict[int, str],
                     evidence: Sequence[str], facts: Sequence[str]) -> float | None:
    """Share of citations whose passage holds an evidence string or one of the answer facts."""
    if not citations or (not evidence and not facts):
        return None
    ok = 0
    for c in citations:
        text = passages_by_rank.get(c["marker"], "")
        normalized = f" {normalize(text)} "
        if holds_evidence(text, evidence) or any(f" {normalize(f)} " in normalized for f in facts):
            ok += 1
    return ok / len(citations)


def refusal_scores(answerable: Sequence[bool], refused: Sequence[bool]) -> dict[str, float | None]:
    """Precision/recall of refusing, where the positive class is 'unanswerable'."""
    tp = sum(1 for a, r in zip(answerable, refused) if not a and r)
    fp = sum(1 for a, r in zip(answerable, refused) if a and r)
    fn = sum(1 for a, r in zip(answerable, refused) if not a and not r)
    n_answerable = sum(1 for a in answerable if a)
    return {
        "refusal_precision": tp / (tp + fp) if tp + fp else None,
        "refusal_recall": tp / (tp + fn) if tp + fn else None,
        "false_refusal_rate": fp / n_answerable if n_answerable else None,
    }


def auroc(scores_pos: Sequence[float], scores_neg: Sequence[float]) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half)."""
    if not scores_pos or not scores_neg:
        return None
    pos = np.asarray(scores_pos)[:, None]
    neg = np.asarray(scores_neg)[None, :]
    return float(((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))


def best_threshold(scores: Sequence[float], answerable: Sequence[bool]) -> tuple[float, float]:
    """Threshold on a support score maximising balanced accuracy of answer-vs-refuse; (threshold, accuracy)."""
    pairs = sorted(zip(scores, answerable))
    candidates = sorted({round(s, 4) for s, _ in pairs})
    best = (0.0, 0.0)
    n_pos = sum(1 for _, a in pairs if a) or 1
    n_neg = sum(1 for _, a in pairs if not a) or 1
    for i, t in enumerate(candidates):
        cut = (t + candidates[i - 1]) / 2 if i else t - 1e-4
        tpr = sum(1 for s, a in pairs if a and s >= cut) / n_pos
        tnr = sum(1 for s, a in pairs if not a and s < cut) / n_neg
        acc = (tpr + tnr) / 2
        if acc > best[1]:
            best = (round(cut, 4), acc)
    return best


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None}
    arr = np.asarray(values, dtype=float)
    return {"p50": float(np.percentile(arr, 50)), "p95": float(np.percentile(arr, 95))}


def mean(values: Sequence[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return float(sum(vals) / len(vals)) if vals else None
