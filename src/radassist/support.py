"""Does the knowledge base answer this question? Evidence per sentence, and a fitted support model.

    evidence = gather(analyse(question), retrieval, index)      # the top passages' sentences, scored
    p = SupportModel.load().probability(support_features(...))  # 0..1: how likely the sources answer

Why a fitted model over these features (evals/README.md, "Refusal calibration"):

- similarities are read against the corpus' own level of "no answer" (scale.py: off-topic probe
  questions searched in the corpus at index time). A ZVH that loads its own documents gets its own
  scale without labelling anything;
- coverage is measured on the answer sentence, not the whole passage: a near miss shares the
  passage's topic and most of its words, but no sentence states the asked fact;
- a question that asks for a figure, a duration, a frequency or a date ("hoeveel", "hoe lang",
  "wanneer") needs a sentence that states one about its subject (question.states_asked_fact);
- the rarest focus word missing from the best passages is a sign of a question about something else.

The weights are fitted by `radassist calibrate` on the blind tune split of the sample corpus
(logistic regression) and shipped in data/support_model.json; the same weights hold for realdocs.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from radassist.scale import corpus_scale
from radassist.question import Question, answers_kind, defines, states_asked_fact
from radassist.text import content_terms, normalize
from radassist.types import Passage
from radassist.wordforms import match_keys

DATA = Path(__file__).parent / "data"
MODEL_FILE = DATA / "support_model.json"
PASSAGES = 6  # sentences of this many top passages are candidates
MAX_SENTENCE_WORDS = 80


# ----------------------------------------------------------------------------- sentence evidence

@dataclass
class Sentence:
    """A candidate answer sentence of a retrieved passage, with what it tells about the question."""

    passage: Passage
    start: int
    end: int
    text: str
    terms: set[str]
    cos: float = 0.0  # e5 cosine to the question
    rel: float = 0.0  # cos against the corpus scale (standard deviations above 'no answer')
    cover: float = 0.0  # IDF share of the question's focus words in the sentence
    context_cover: float = 0.0  # ... in the sentence, the one before it and the passage's headings
    fact: bool = False  # states the asked figure, duration, frequency or date (question.states_asked_fact)
    kind: bool = False  # holds the kind of fact the question asks for (question.answers_kind)
    defines: bool = False  # says what the asked term is
    cos_rank: int = 0  # 0 = the most similar sentence of all candidates
    score: float = 0.0  # the sentence model's score (answer.py picks by it)


_BULLET = re.compile(r"[-*•]\s+|\d+[.)]\s+")


def _is_heading_like(text: str, section: str) -> bool:
    words = text.split()
    leaf = section.rsplit(" > ", 1)[-1].strip()
    if leaf and text.strip() == leaf:
        return True
    return len(words) < 15 and not text.rstrip().endswith((".", "!", ":", ";"))


def gather(q: Question, retrieval, index, limit_passages: int = PASSAGES) -> list[Sentence]:
    """Every answer-worthy sentence of the top passages, with similarity, coverage and fact checks."""
    from radassist.sentences import chunk_sentences

    forms = index.lexical.word_forms()
    idf = {t: index.lexical.idf(t) for t in q.focus}
    total = sum(idf.values()) or 1.0
    qvec = np.asarray(retrieval.query_vector, dtype=np.float32)
    qvec = qvec / (np.linalg.norm(qvec) or 1.0)
    table = index.sentences
    seen: set[str] = set()
    out: list[Sentence] = []
    missing_vectors: list[Sentence] = []
    for passage in retrieval.passages[:limit_passages]:
        chunk = passage.chunk
        row = index.row_of.get(chunk.id)
        if table is not None and row is not None:
            spans = table.cosines(qvec, row)
        else:
            spans = [((a, b), float("nan")) for a, b in chunk_sentences(chunk.text)]
        head = {k for t in content_terms(chunk.title + " " + chunk.section) for k in match_keys(t)}
        previous: set[str] = set()
        for (a, b), cos in spans:
            text = chunk.text[a:b].strip()
            terms = set(content_terms(text))
            context = previous | terms
            previous = terms
            key = normalize(text)
            if not key or key in seen or len(text.split()) > MAX_SENTENCE_WORDS:
                continue
            # Headings and the documents' own questions are not answers.
            if _is_heading_like(text, chunk.section) or text.rstrip().endswith("?"):
                continue
            seen.add(key)
            s = Sentence(passage, a, b, text, terms, cos=cos)
            s.cover = _cover(q.focus, terms, idf, total, forms)
            context_keys = head | {k for t in context for k in match_keys(t)}
            s.context_cover = _cover(q.focus, context, idf, total, forms, context_keys)
            s.fact = states_asked_fact(q, text, forms)
            s.kind = answers_kind(q, text)
            s.defines = defines(q, text)
            out.append(s)
            if math.isnan(cos):
                missing_vectors.append(s)
    if missing_vectors:  # an index without sentence vectors: embed these few now
        from radassist.embed import get_embedder

        vecs = get_embedder(index.settings.embedding.model).embed_passages([s.text for s in missing_vectors])
        vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        for s, v in zip(missing_vectors, vecs @ qvec):
            s.cos = float(v)
    scale = corpus_scale(index)
    for rank, s in enumerate(sorted(out, key=lambda s: -s.cos)):
        s.cos_rank = rank
        s.rel = scale.sentence(s.cos)
    return out


def _cover(focus, terms, idf, total, forms, keys=None) -> float:
    if not focus:
        return 0.0
    keys = keys if keys is not None else {k for t in terms for k in match_keys(t)}
    found = 0.0
    for t in focus:
        if t in terms or any(k in keys for k in match_keys(t)) or any(e in terms for e in forms.expand(t)):
            found += idf[t]
    return found / total


def follow_up_focus(q: Question, own: str | None) -> Question:
    """The question the support model judges for a follow-up: its own focus words, when it has any.

    A follow-up is searched as "<the topic so far> <its own words>" (conversation.py), but what it
    asks now is in its own words: "en wie betaalt dat?" is answered when a passage says who pays, not
    because the earlier turn's words are found again, and the earlier turn's words need not recur in
    the passages about the new point. Without focus words of its own ("waarom dan?") the whole
    standalone question is judged. Measured in evals/experiments.md ("Follow-ups").
    """
    if not own:
        return q
    from dataclasses import replace

    from radassist.question import analyse

    mine = [t for t in analyse(own).focus if t in q.focus]
    return replace(q, focus=mine) if mine else q


# ----------------------------------------------------------------------------- features and model

def _clip(x: float, lo: float = -3.0, hi: float = 8.0) -> float:
    return min(hi, max(lo, x))


def sentence_features(s: Sentence, n_passages: int) -> dict[str, float]:
    n_words = len(s.text.split())
    return {
        "similarity": _clip(s.rel) / 4,
        "cover": s.cover,
        "context_cover": s.context_cover,
        "fact": float(s.fact),
        "kind": float(s.kind),
        "defines": float(s.defines),
        "passage_rank": 1 - (s.passage.rank - 1) / max(1, n_passages),
        "similarity_rank": 1 / (1 + s.cos_rank),
        "short": float(n_words < 8),
        "length": min(1.0, n_words / 40),
    }


def support_features(q: Question, sentences: list[Sentence], retrieval, index) -> dict[str, float]:
    """Question-level features of the support model (see the module docstring)."""
    scale = corpus_scale(index)
    top = retrieval.passages[:3]
    cosines = sorted((s.cos for s in sentences), reverse=True)
    qvec = np.asarray(retrieval.query_vector, dtype=np.float32)
    qvec = qvec / (np.linalg.norm(qvec) or 1.0)
    chunk_cos = 0.0
    if index.vectors is not None and top:
        rows = [index.row_of[p.chunk.id] for p in top]
        chunk_cos = float(np.max(np.asarray(index.vectors[rows], dtype=np.float32) @ qvec))
    elif top:
        chunk_cos = max(1 + math.log(retrieval.dense.get(p.chunk.id, math.exp(-1))) for p in top)
    forms = index.lexical.word_forms()
    present: set[str] = set()
    for p in top:
        present |= set(content_terms(p.chunk.title + " " + p.chunk.section + " " + p.chunk.text))
    keys = {k for t in present for k in match_keys(t)}
    missing = [index.lexical.idf(t) for t in q.focus
               if not (t in present or any(k in keys for k in match_keys(t)) or any(e in present for e in forms.expand(t)))]
    n_chunks = max(2, len(index.chunks))
    fact_context = max((s.context_cover for s in sentences if s.fact), default=0.0)
    return {
        "similarity": _clip(scale.sentence(cosines[0])) / 4 if cosines else -0.75,
        "passage_similarity": _clip(scale.chunk(chunk_cos)) / 4 if top else -0.75,
        "cover": max((s.cover for s in sentences), default=0.0),
        "missing": (max(missing) / math.log(1 + n_chunks)) if missing else 0.0,
        "asked_fact_gap": float(q.specific) * (1.0 - fact_context),
        "asked_fact_missing": float(q.specific and not any(s.fact and s.cover >= 0.3 for s in sentences)),
        "peak": ((cosines[0] - cosines[min(9, len(cosines) - 1)]) * 20) if cosines else 0.0,
    }


@dataclass
class Logistic:
    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0

    def margin(self, features: dict[str, float]) -> float:
        return self.bias + sum(w * features.get(name, 0.0) for name, w in self.weights.items())

    def probability(self, features: dict[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, self.margin(features)))))


@dataclass
class SupportModel:
    """The fitted support model and sentence model, with the thresholds chosen on the tune split."""

    support: Logistic
    sentence: Logistic
    refusal_threshold: float
    caution_threshold: float
    fitted_on: str = ""
    metrics: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> "SupportModel":
        return _load(str(path or MODEL_FILE))

    def to_json(self) -> dict:
        return {
            "fitted_on": self.fitted_on,
            "refusal_threshold": self.refusal_threshold,
            "caution_threshold": self.caution_threshold,
            "support": {"weights": self.support.weights, "bias": self.support.bias},
            "sentence": {"weights": self.sentence.weights, "bias": self.sentence.bias},
            "metrics": self.metrics,
        }


@lru_cache(maxsize=4)
def _load(path: str) -> SupportModel:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return SupportModel(
        support=Logistic(dict(data["support"]["weights"]), float(data["support"]["bias"])),
        sentence=Logistic(dict(data["sentence"]["weights"]), float(data["sentence"]["bias"])),
        refusal_threshold=float(data["refusal_threshold"]),
        caution_threshold=float(data["caution_threshold"]),
        fitted_on=data.get("fitted_on", ""),
        metrics=data.get("metrics", {}),
    )


def fit_logistic(X: np.ndarray, y: np.ndarray, names: list[str], l2: float = 1.0, balanced: bool = True) -> Logistic:
    """L2-regularised logistic regression by Newton's method (few features, a few thousand rows)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    if balanced and 0 < y.sum() < n:
        sample = np.where(y > 0, n / (2 * y.sum()), n / (2 * (n - y.sum())))
    else:
        sample = np.ones(n)
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0  # no penalty on the bias
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(A @ w, -30, 30)))
        grad = A.T @ (sample * (p - y)) + reg * w
        hess = (A * (sample * p * (1 - p))[:, None]).T @ A + np.diag(reg)
        step = np.linalg.solve(hess + 1e-9 * np.eye(d + 1), grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return Logistic({name: round(float(v), 6) for name, v in zip(names, w[:-1])}, round(float(w[-1]), 6))
