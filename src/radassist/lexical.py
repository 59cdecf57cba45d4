"""Dutch BM25 over the chunks (bm25s with our Dutch analyzer: normalisation, stopwords, snowball stemmer).

We drive bm25s directly rather than llama-index's BM25Retriever because metadata filters must apply
per query inside the candidate set (a weight mask), and the retriever fixes its filters at construction.
The analyzer is ours, so it is the same after loading from disk (no stemmer to re-set).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from radassist.text import content_terms


class LexicalIndex:
    def __init__(self, model) -> None:
        self.model = model
        self.vocab: dict[str, int] = model.vocab_dict

    @classmethod
    def build(cls, texts: Sequence[str]) -> "LexicalIndex":
        import bm25s

        model = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
        tokens = [content_terms(t) or ["_leeg_"] for t in texts]
        model.index(tokens, show_progress=False)
        return cls(model)

    def save(self, folder: Path) -> None:
        self.model.save(str(folder))

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=False))

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        terms = [t for t in content_terms(query) if t in self.vocab]
        n = int(self.model.scores["num_docs"])
        if not terms:
            return np.zeros(n, dtype=np.float32)
        return self.model.get_scores(terms, weight_mask=mask)

    def idf(self, term: str) -> float:
        """IDF of a stemmed term over the indexed chunks (BM25's own document frequencies)."""
        df = getattr(self, "_df", None)
        if df is None:
            indptr = np.asarray(self.model.scores["indptr"])
            df = self._df = np.diff(indptr)
        n = max(1, int(self.model.scores["num_docs"]))
        idx = self.vocab.get(term)
        count = int(df[idx]) if idx is not None and idx < len(df) else 0
        return float(np.log(1 + (n - count + 0.5) / (count + 0.5)))

    def word_forms(self):
        """The corpus' word forms (wordforms.WordForms), built on first use from this vocabulary."""
        forms = getattr(self, "_forms", None)
        if forms is None:
            from radassist.wordforms import WordForms

            forms = self._forms = WordForms(self.vocab)
        return forms

    def scores_with_forms(self, query: str, mask: np.ndarray | None = None, other_forms: float = 0.7) -> np.ndarray:
        """BM25 where each question word also matches its other forms in the corpus (wordforms.py).

        Per question word, a row scores its best-matching form: the same form (or a folded spelling) at
        full weight, a compound part, derivation or typo neighbour at `other_forms`. Taking the best
        form rather than the sum keeps a word with many forms from counting several times.
        """
        n = int(self.model.scores["num_docs"])
        total = np.zeros(n, dtype=np.float32)
        forms = self.word_forms()
        for term in dict.fromkeys(content_terms(query)):
            same = [t for t in forms.exact(term) if t in self.vocab]
            other = [t for t in forms.expand(term) if t in self.vocab and t not in same]
            best = None
            for t, weight in [(t, 1.0) for t in same] + [(t, other_forms) for t in other]:
                part = self.model.get_scores([t], weight_mask=mask)
                part = part * weight if weight != 1.0 else part
                best = part if best is None else np.maximum(best, part)
            if best is not None:
                total += best
        return total

    def top(self, query: str, k: int, mask: np.ndarray | None = None, forms: bool = False) -> list[tuple[int, float]]:
        """(row, score) best first; rows with score 0 are not returned."""
        scores = self.scores_with_forms(query, mask) if forms else self.scores(query, mask)
        if k <= 0 or not len(scores):
            return []
        k = min(k, len(scores))
        idx = np.argpartition(-scores, k - 1)[:k]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        return [(int(i), float(scores[i])) for i in idx if scores[i] > 0]
