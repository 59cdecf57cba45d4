"""Hybrid retrieval: dense (Chroma) + Dutch BM25, fused, filtered inside both, near-duplicates collapsed.

Filters (type, theme, region, document, and the confidentiality levels the user may see) become one
mask over the index's rows. BM25 only scores allowed rows; dense search scores only allowed rows too
(selective filters) or checks every hit of an over-fetched unfiltered query against the same mask
(broad ones). So a passage outside the filter is never even a candidate: access control cannot leak
through ranking.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from radassist.embed import get_embedder
from radassist.loaded import LoadedIndex
from radassist.settings import RetrievalSettings
from radassist.store import THEME_KEY, similarity
from radassist.types import Passage


# How dense search honours a filter, cheapest first (measured at 100k chunks, docs/performance.md):
# - few allowed rows: score them exactly from the generation's memory-mapped unit vectors
#   (a gather and one matrix-vector product: ~1-2 ms for a few thousand rows);
# - many allowed rows: one unfiltered HNSW query over-fetching enough results that k allowed ones are
#   among them, then the mask (a few ms; 2000 results ~14 ms);
# - Chroma's own `where` clause only for generations without vectors.npy: it first collects the
#   matching ids from its metadata store, ~90 ms even for 12 matching chunks, ~300 ms for all of them.
SHORT_PASSAGE_WORDS = 30  # below this a passage is a title block or a heading, not an answer
EXACT_ROWS = 4000
OVERFETCH_LIMIT = 2000
OVERFETCH_FACTOR = 1.5


@dataclass
class Filters:
    types: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    confidentiality: list[str] | None = None  # levels the user may see; None = no restriction

    @classmethod
    def from_json(cls, data: dict | None) -> "Filters":
        data = data or {}
        def as_list(key: str) -> list[str]:
            value = data.get(key) or []
            return [value] if isinstance(value, str) else list(value)
        return cls(
            types=as_list("type") or as_list("types"),
            themes=as_list("themes") or as_list("theme"),
            regions=as_list("region") or as_list("regions"),
            doc_ids=as_list("doc_ids"),
        )

    def narrowed(self, index: LoadedIndex) -> "Filters":
        """The same filter without a confidentiality condition that every chunk of `index` passes.

        The default role may see every level, so this is the common case; such a condition filters
        nothing and would only send the search down the slower filtered paths.
        """
        levels = self.confidentiality
        if levels is not None and index.values("confidentiality") <= set(levels):
            levels = None
        return Filters(self.types, self.themes, self.regions, self.doc_ids, levels)

    def where(self) -> dict | None:
        """The filter as a Chroma `where` clause (None when nothing is filtered)."""
        parts: list[dict] = []
        for key, values in (("type", self.types), ("region", self.regions), ("doc_id", self.doc_ids)):
            if values:
                parts.append({key: {"$in": list(values)}})
        if self.confidentiality is not None:
            parts.append({"confidentiality": {"$in": list(self.confidentiality) or ["-"]}})
        if self.themes:
            themes = [{THEME_KEY + t: {"$eq": 1}} for t in self.themes]
            parts.append(themes[0] if len(themes) == 1 else {"$or": themes})
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"$and": parts}

    def mask(self, index: LoadedIndex) -> np.ndarray | None:
        """Boolean array over the index's rows (True = allowed), or None when nothing is filtered."""
        conditions = [
            (column, tuple(values))
            for column, values in (
                ("type", self.types),
                ("region", self.regions),
                ("doc_id", self.doc_ids),
                ("themes", self.themes),
            )
            if values
        ]
        if self.confidentiality is not None:
            conditions.append(("confidentiality", tuple(self.confidentiality)))
        if not conditions:
            return None
        mask = index.mask(*conditions[0])
        for column, values in conditions[1:]:
            mask = mask & index.mask(column, values)
        return mask


@dataclass
class Retrieval:
    query: str
    passages: list[Passage]
    dense: dict[str, float]  # chunk id -> store.similarity of its vector (candidates only)
    lexical: dict[str, float]  # chunk id -> BM25 score (candidates only)
    query_vector: np.ndarray
    timings_ms: dict[str, float]
    sentence: dict[str, float] = field(default_factory=dict)  # chunk id -> cosine of its best sentence


class Retriever:
    def __init__(self, index: LoadedIndex, settings: RetrievalSettings, embedding_model: str) -> None:
        self.index = index
        self.settings = settings
        self.embedder = get_embedder(embedding_model)

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> Retrieval:
        s = self.settings
        k = k or s.k
        filters = (filters or Filters()).narrowed(self.index)
        t0 = time.perf_counter()
        qvec = self.embedder.embed_query(query)
        t1 = time.perf_counter()
        allowed = filters.mask(self.index)
        dense = self._dense(qvec, s.candidates, filters, allowed) if s.fusion != "bm25" else []
        t2 = time.perf_counter()
        lexical = (
            [
                (self.index.chunks[row].id, score)
                for row, score in self.index.lexical.top(
                    query, s.candidates, None if allowed is None else allowed.astype(np.float32), forms=s.word_forms
                )
            ]
            if s.fusion != "dense"
            else []
        )
        t3 = time.perf_counter()
        sentence: dict[str, float] = {}
        dense_ranking = dense
        if s.sentence_weight > 0 and s.fusion != "bm25":
            dense, dense_ranking, sentence = self._small_to_big(qvec, dense, lexical)
        rankings = [(dense_ranking, s.dense_weight), (lexical, s.bm25_weight)]
        if s.second_dense and s.fusion != "bm25":
            rankings.append((self._use_ranking(query, dense, lexical), s.dense_weight))
        fused = fuse(rankings, s.fusion, s.rrf_k)
        if s.fusion == "weighted" and (s.heading_weight or s.short_penalty):
            fused = self._adjust(query, fused)
        fused = self._collapse_duplicates(fused, max(k, s.rerank_top) if s.reranker_path else k)
        if s.reranker_path:
            fused = rerank(str(s.reranker_path), query, fused[: s.rerank_top], self.index) + fused[s.rerank_top:]
        t4 = time.perf_counter()
        passages = [
            Passage(rank=i + 1, chunk=self.index.chunks[self.index.row_of[cid]], score=score)
            for i, (cid, score) in enumerate(fused[:k])
        ]
        return Retrieval(
            query=query,
            passages=passages,
            dense=dict(dense),
            lexical=dict(lexical),
            query_vector=qvec,
            sentence=sentence,
            timings_ms={
                "embed": (t1 - t0) * 1000,
                "dense": (t2 - t1) * 1000,
                "bm25": (t3 - t2) * 1000,
                "fuse": (t4 - t3) * 1000,
            },
        )

    def _dense(
        self, qvec: np.ndarray, k: int, filters: Filters, allowed: np.ndarray | None
    ) -> list[tuple[str, float]]:
        """Top-k (chunk id, `store.similarity`) among the allowed rows, best first.

        Up to EXACT_ROWS chunks every query is scored exactly against the index's vector matrix.
        Otherwise all three ways give the true top-k (up to HNSW's approximation): exact scoring sees every
        allowed row; after over-fetching, an allowed chunk more similar than the k-th kept one would
        rank above it in the unfiltered list too, and when too few allowed ones come back the exact
        or Chroma path runs instead. Every hit is checked against the mask, so a chunk the user may
        not see never becomes a candidate.
        """
        index = self.index
        if index.store is None:
            return []
        if allowed is None:
            if index.vectors is not None and len(index.chunks) <= EXACT_ROWS:
                # Exact and the same in every process; HNSW's approximate top-k varied between runs
                # at the candidate cut-off.
                return self._exact(qvec, k, np.ones(len(index.chunks), dtype=bool))
            return [(cid, sim) for cid, sim in index.store.query(qvec, k) if cid in index.row_of]
        n_allowed = int(np.count_nonzero(allowed))
        if n_allowed == 0:
            return []
        want = min(k, n_allowed)
        fetch = int(np.ceil(want * len(allowed) / n_allowed * OVERFETCH_FACTOR)) + 10
        if fetch <= OVERFETCH_LIMIT and (n_allowed > EXACT_ROWS or index.vectors is None):
            kept = _allowed_hits(index.store.query(qvec, fetch), index.row_of, allowed)
            if len(kept) >= want:
                return kept[:k]
        if index.vectors is not None:
            return self._exact(qvec, k, allowed)
        return _allowed_hits(index.store.query(qvec, k, filters.where()), index.row_of, allowed)[:k]

    def _adjust(self, query: str, fused: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """Two corrections measured on the blind tune set (evals/experiments.md):

        - a passage whose document title or section heading names the question's subject gets up to
          `heading_weight` (IDF-weighted share of the question's focus words found there): users ask
          about "de casussimulatie" or "de officier uit Limburg", and the heading says which passage
          is about that;
        - a passage of a few words (a document's title block, a bare heading) loses `short_penalty`:
          it matches short questions well and answers nothing.
        """
        from radassist.question import analyse
        from radassist.wordforms import match_keys

        index = self.index
        focus = analyse(query).focus
        idf = {t: index.lexical.idf(t) for t in focus}
        total = sum(idf.values()) or 1.0
        out = []
        for cid, score in fused:
            row = index.row_of[cid]
            heading = index.heading_keys(row)
            share = sum(w for t, w in idf.items() if any(k in heading for k in match_keys(t))) / total
            score += self.settings.heading_weight * share
            if index.word_count(row) < SHORT_PASSAGE_WORDS:
                score -= self.settings.short_penalty
            out.append((cid, score))
        out.sort(key=lambda item: (-item[1], item[0]))
        return out

    def _small_to_big(self, qvec: np.ndarray, dense, lexical):
        """Score every candidate by its whole text and by its best sentence (index-time sentence vectors).

        Candidates are the union of the dense and BM25 lists, so a passage BM25 found gets a dense
        score too. Returns (chunk similarities for all candidates, the combined ranking, best-sentence
        cosines). Without sentence vectors (an older generation) or unit vectors, nothing changes.
        """
        index = self.index
        if index.sentences is None or index.vectors is None:
            return dense, dense, {}
        ids = list(dict.fromkeys([cid for cid, _ in dense] + [cid for cid, _ in lexical]))
        if not ids:
            return dense, dense, {}
        rows = [index.row_of[cid] for cid in ids]
        q = np.asarray(qvec, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        cosines = np.asarray(index.vectors[rows], dtype=np.float32) @ q
        best = index.sentences.best(q, rows)
        w = self.settings.sentence_weight
        combined, sims, sentence = [], [], {}
        for cid, row, cos in zip(ids, rows, cosines):
            s1 = best[row][0]
            s1 = float(cos) if np.isnan(s1) else s1
            sentence[cid] = s1
            sims.append((cid, float(similarity(1.0 - cos))))
            combined.append((cid, (1 - w) * float(cos) + w * s1))
        combined.sort(key=lambda item: -item[1])
        return sims, combined, sentence

    def _exact(self, qvec: np.ndarray, k: int, allowed: np.ndarray) -> list[tuple[str, float]]:
        rows = np.flatnonzero(allowed)
        q = np.asarray(qvec, dtype=np.float32)
        cosines = np.asarray(self.index.vectors[rows], dtype=np.float32) @ (q / (np.linalg.norm(q) or 1.0))
        k = min(k, len(rows))
        top = np.argpartition(-cosines, k - 1)[:k]
        top = top[np.argsort(-cosines[top], kind="stable")]
        return [(self.index.chunks[rows[i]].id, float(similarity(1.0 - cosines[i]))) for i in top]

    def _use_ranking(self, query: str, dense, lexical) -> list[tuple[str, float]]:
        ids = list(dict.fromkeys([cid for cid, _ in dense] + [cid for cid, _ in lexical]))
        if not ids:
            return []
        use = get_embedder("use")
        texts = [self.index.chunks[self.index.row_of[cid]].text for cid in ids]
        sims = use.embed_passages(texts) @ use.embed_query(query)
        order = np.argsort(-sims)
        return [(ids[i], float(sims[i])) for i in order]

    def _collapse_duplicates(self, fused: list[tuple[str, float]], keep: int) -> list[tuple[str, float]]:
        """The first `keep` candidates that are not near-duplicates of a better one (only those are used)."""
        kept: list[tuple[str, float]] = []
        shingles: list[frozenset] = []
        limit = self.settings.dedupe_jaccard
        for cid, score in fused:
            sh = self.index.shingles(self.index.row_of[cid])
            if any(_more_similar_than(sh, other, limit) for other in shingles):
                continue
            kept.append((cid, score))
            shingles.append(sh)
            if len(kept) >= keep:
                break
        return kept


def merge_rankings(primary: Retrieval, secondary: Retrieval, k: int, weight: float = 0.5, rrf_k: int = 60) -> Retrieval:
    """Reciprocal-rank fusion of two retrievals of one question; `primary` keeps its query vector."""
    scores: dict[str, float] = {}
    chunks = {}
    for retrieval, w in ((primary, 1.0), (secondary, weight)):
        for p in retrieval.passages:
            scores[p.chunk.id] = scores.get(p.chunk.id, 0.0) + w / (rrf_k + p.rank)
            chunks[p.chunk.id] = p.chunk
    order = sorted(scores, key=lambda cid: (-scores[cid], cid))[:k]
    return Retrieval(
        query=primary.query,
        passages=[Passage(rank=i + 1, chunk=chunks[cid], score=scores[cid]) for i, cid in enumerate(order)],
        dense={**secondary.dense, **primary.dense},
        lexical={**secondary.lexical, **primary.lexical},
        query_vector=primary.query_vector,
        timings_ms={key: primary.timings_ms.get(key, 0.0) + secondary.timings_ms.get(key, 0.0)
                    for key in primary.timings_ms},
        sentence={**secondary.sentence, **primary.sentence},
    )


def _allowed_hits(hits: list[tuple[str, float]], row_of: dict[str, int], allowed: np.ndarray) -> list[tuple[str, float]]:
    return [(cid, sim) for cid, sim in hits if (row := row_of.get(cid)) is not None and allowed[row]]


def fuse(rankings: list[tuple[list[tuple[str, float]], float]], method: str, rrf_k: int = 60) -> list[tuple[str, float]]:
    """Combine ranked lists of (id, score) into one ranking, best first."""
    scores: dict[str, float] = {}
    if method in ("rrf", "dense", "bm25"):
        for ranking, weight in rankings:
            for rank, (cid, _score) in enumerate(ranking, start=1):
                scores[cid] = scores.get(cid, 0.0) + weight / (rrf_k + rank)
    else:  # weighted: min-max normalised scores
        for ranking, weight in rankings:
            if not ranking:
                continue
            values = np.array([s for _, s in ranking], dtype=np.float64)
            lo, hi = values.min(), values.max()
            span = hi - lo if hi > lo else 1.0
            for cid, s in ranking:
                scores[cid] = scores.get(cid, 0.0) + weight * (s - lo) / span
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _more_similar_than(a: frozenset, b: frozenset, limit: float) -> bool:
    """Jaccard(a, b) > limit, skipping the intersection when the sizes alone rule it out."""
    small, large = sorted((len(a), len(b)))
    if small == 0 or small <= limit * large:  # Jaccard <= small / large
        return False
    common = len(a & b)
    return common > limit * (len(a) + len(b) - common)


@lru_cache(maxsize=2)
def _cross_encoder(path: str):
    from sentence_transformers import CrossEncoder

    return CrossEncoder(path, device="cpu", local_files_only=True)


def rerank(path: str, query: str, fused: list[tuple[str, float]], index: LoadedIndex) -> list[tuple[str, float]]:
    """Reorder candidates with a local cross-encoder model."""
    if not fused:
        return fused
    model = _cross_encoder(path)
    pairs = [(query, index.chunks[index.row_of[cid]].text) for cid, _ in fused]
    scores = np.asarray(model.predict(pairs, show_progress_bar=False), dtype=np.float64).reshape(len(pairs), -1)[:, -1]
    order = np.argsort(-scores, kind="stable")
    return [(fused[i][0], float(scores[i])) for i in order]
