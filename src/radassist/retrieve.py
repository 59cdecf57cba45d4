"""Hybrid retrieval: dense (Chroma) + Dutch BM25, fused, filtered inside both, near-duplicates collapsed.

Filters (type, theme, region, document, and the confidentiality levels the user may see) go into the
Chroma query's `where` clause and into the BM25 weight mask, so a passage outside them is never even
a candidate: access control cannot leak through ranking.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from radassist.embed import get_embedder
from radassist.index import LoadedIndex
from radassist.settings import RetrievalSettings
from radassist.store import THEME_KEY
from radassist.text import normalize
from radassist.types import Passage


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

    def metadata_filters(self):
        from llama_index.core.vector_stores.types import (
            FilterCondition,
            FilterOperator,
            MetadataFilter,
            MetadataFilters,
        )

        parts: list = []
        for key, values in (("type", self.types), ("region", self.regions), ("doc_id", self.doc_ids)):
            if values:
                parts.append(MetadataFilter(key=key, value=list(values), operator=FilterOperator.IN))
        if self.confidentiality is not None:
            parts.append(
                MetadataFilter(key="confidentiality", value=list(self.confidentiality) or ["-"], operator=FilterOperator.IN)
            )
        if self.themes:
            theme_filters = [
                MetadataFilter(key=THEME_KEY + t, value=1, operator=FilterOperator.EQ) for t in self.themes
            ]
            parts.append(
                theme_filters[0]
                if len(theme_filters) == 1
                else MetadataFilters(filters=theme_filters, condition=FilterCondition.OR)
            )
        if not parts:
            return None
        return MetadataFilters(filters=parts, condition=FilterCondition.AND)

    def mask(self, index: LoadedIndex) -> np.ndarray | None:
        n = len(index.chunks)
        mask = np.ones(n, dtype=bool)
        active = False
        for column, values in (("type", self.types), ("region", self.regions), ("doc_id", self.doc_ids)):
            if values:
                mask &= np.isin(index.column(column), values)
                active = True
        if self.confidentiality is not None:
            mask &= np.isin(index.column("confidentiality"), list(self.confidentiality))
            active = True
        if self.themes:
            col = index.column("themes")
            mask &= np.array([any(f"|{t}|" in v for t in self.themes) for v in col], dtype=bool)
            active = True
        return mask.astype(np.float32) if active else None


@dataclass
class Retrieval:
    query: str
    passages: list[Passage]
    dense: dict[str, float]  # chunk id -> cosine similarity (candidates only)
    lexical: dict[str, float]  # chunk id -> BM25 score (candidates only)
    query_vector: np.ndarray
    timings_ms: dict[str, float]


class Retriever:
    def __init__(self, index: LoadedIndex, settings: RetrievalSettings, embedding_model: str) -> None:
        self.index = index
        self.settings = settings
        self.embedder = get_embedder(embedding_model)

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> Retrieval:
        s = self.settings
        k = k or s.k
        filters = filters or Filters()
        t0 = time.perf_counter()
        qvec = self.embedder.embed_query(query)
        t1 = time.perf_counter()
        dense = self._dense(qvec, s.candidates, filters) if s.fusion != "bm25" else []
        t2 = time.perf_counter()
        mask = filters.mask(self.index)
        lexical = (
            [(self.index.chunks[row].id, score) for row, score in self.index.lexical.top(query, s.candidates, mask)]
            if s.fusion != "dense"
            else []
        )
        t3 = time.perf_counter()
        rankings = [(dense, s.dense_weight), (lexical, s.bm25_weight)]
        if s.second_dense and s.fusion != "bm25":
            rankings.append((self._use_ranking(query, dense, lexical), s.dense_weight))
        fused = fuse(rankings, s.fusion, s.rrf_k)
        fused = self._collapse_duplicates(fused)
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
            timings_ms={
                "embed": (t1 - t0) * 1000,
                "dense": (t2 - t1) * 1000,
                "bm25": (t3 - t2) * 1000,
                "fuse": (t4 - t3) * 1000,
            },
        )

    def _dense(self, qvec: np.ndarray, k: int, filters: Filters) -> list[tuple[str, float]]:
        if self.index.store is None:
            return []
        hits = self.index.store.query(qvec, k, filters.metadata_filters())
        return [(cid, sim) for cid, sim in hits if cid in self.index.row_of]

    def _use_ranking(self, query: str, dense, lexical) -> list[tuple[str, float]]:
        ids = list(dict.fromkeys([cid for cid, _ in dense] + [cid for cid, _ in lexical]))
        if not ids:
            return []
        use = get_embedder("use")
        texts = [self.index.chunks[self.index.row_of[cid]].text for cid in ids]
        sims = use.embed_passages(texts) @ use.embed_query(query)
        order = np.argsort(-sims)
        return [(ids[i], float(sims[i])) for i in order]

    def _collapse_duplicates(self, fused: list[tuple[str, float]]) -> list[tuple[str, float]]:
        kept: list[tuple[str, float]] = []
        shingles: list[set] = []
        for cid, score in fused:
            sh = _shingles(self.index.chunks[self.index.row_of[cid]].text)
            if any(_jaccard(sh, other) > self.settings.dedupe_jaccard for other in shingles):
                continue
            kept.append((cid, score))
            shingles.append(sh)
            if len(kept) >= 60:
                break
        return kept


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


def _shingles(text: str, n: int = 4) -> set:
    words = normalize(text).split()
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def _jaccard(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


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
