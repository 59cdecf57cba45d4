"""Sentence vectors: every sentence of every chunk embedded at index time (small-to-big retrieval).

A passage is found by its best sentence as well as by its whole text: a question in everyday words
often matches one sentence of a passage closely while the passage as a whole is about more. The
same vectors let the answerer score every candidate sentence with e5 without embedding anything at
question time.

Stored per generation beside vectors.npy:

    sentences.npy        unit float32 rows, one per sentence
    sentence_rows.npy    int32: the chunk row each sentence belongs to (ascending)
    sentence_spans.npy   int32 (n, 2): start and end offset of the sentence in its chunk's text
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from radassist.embed import get_embedder
from radassist.text import split_sentences

SENTENCES_FILE = "sentences.npy"
ROWS_FILE = "sentence_rows.npy"
SPANS_FILE = "sentence_spans.npy"
MIN_WORDS = 3
_BULLET = re.compile(r"[-*•]\s+|\d+[.)]\s+")


def chunk_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a chunk worth embedding: list bullets stripped, at least 3 words."""
    spans = []
    for a, b in split_sentences(text):
        bullet = _BULLET.match(text, a, b)
        if bullet:
            a = bullet.end()
        if len(text[a:b].split()) >= MIN_WORDS:
            spans.append((a, b))
    return spans


def sentence_key(text: str) -> str:
    """Embedding cache key of a sentence (distinct from chunk keys, which hash the embedded chunk text)."""
    return hashlib.sha256(("sentence\x00" + " ".join(text.split())).encode()).hexdigest()


@dataclass
class SentenceTable:
    vectors: np.ndarray  # (n, dim) unit rows
    rows: np.ndarray  # (n,) chunk row of each sentence, ascending
    spans: np.ndarray  # (n, 2) offsets in the chunk text
    starts: np.ndarray  # (n_chunks + 1,) sentences of chunk r are starts[r]:starts[r+1]

    @classmethod
    def build(cls, rows: list[int], spans: list[tuple[int, int]], vectors: np.ndarray, n_chunks: int) -> "SentenceTable":
        rows_a = np.asarray(rows, dtype=np.int32)
        spans_a = np.asarray(spans, dtype=np.int32).reshape(-1, 2)
        return cls(np.asarray(vectors, dtype=np.float32), rows_a, spans_a, _starts(rows_a, n_chunks))

    def save(self, folder: Path) -> None:
        np.save(folder / SENTENCES_FILE, self.vectors)
        np.save(folder / ROWS_FILE, self.rows)
        np.save(folder / SPANS_FILE, self.spans)

    @classmethod
    def load(cls, folder: Path, n_chunks: int, dim: int | None) -> "SentenceTable | None":
        """The generation's table, or None when it is missing or does not fit the chunks (older generation)."""
        try:
            vectors = np.load(folder / SENTENCES_FILE, mmap_mode="r", allow_pickle=False)
            rows = np.load(folder / ROWS_FILE, allow_pickle=False)
            spans = np.load(folder / SPANS_FILE, allow_pickle=False)
        except (OSError, ValueError):
            return None
        if (
            vectors.ndim != 2 or rows.shape != (vectors.shape[0],) or spans.shape != (vectors.shape[0], 2)
            or (dim is not None and vectors.shape[1] != dim)
            or (len(rows) and (rows.min() < 0 or rows.max() >= n_chunks or np.any(np.diff(rows) < 0)))
        ):
            return None
        return cls(vectors, rows.astype(np.int32), spans.astype(np.int32), _starts(rows, n_chunks))

    def of_chunk(self, row: int) -> range:
        return range(int(self.starts[row]), int(self.starts[row + 1]))

    def best(self, qvec: np.ndarray, chunk_rows: list[int]) -> dict[int, tuple[float, float]]:
        """For each chunk row: (best, second best) cosine of its sentences to the query (nan if none)."""
        index = [(r, j) for r in chunk_rows for j in self.of_chunk(r)]
        out = {r: (float("nan"), float("nan")) for r in chunk_rows}
        if not index:
            return out
        sims = np.asarray(self.vectors[[j for _r, j in index]], dtype=np.float32) @ np.asarray(qvec, dtype=np.float32)
        per: dict[int, list[float]] = {}
        for (r, _j), s in zip(index, sims):
            per.setdefault(r, []).append(float(s))
        for r, values in per.items():
            values.sort(reverse=True)
            out[r] = (values[0], values[1] if len(values) > 1 else values[0])
        return out

    def cosines(self, qvec: np.ndarray, chunk_row: int) -> list[tuple[tuple[int, int], float]]:
        """(span, cosine) of every sentence of one chunk."""
        rng = self.of_chunk(chunk_row)
        if not len(rng):
            return []
        sims = np.asarray(self.vectors[rng.start:rng.stop], dtype=np.float32) @ np.asarray(qvec, dtype=np.float32)
        return [((int(a), int(b)), float(s)) for (a, b), s in zip(self.spans[rng.start:rng.stop], sims)]


def _starts(rows: np.ndarray, n_chunks: int) -> np.ndarray:
    return np.searchsorted(rows, np.arange(n_chunks + 1), side="left").astype(np.int64)


def embed_sentences(
    chunks: list, cache, model: str, dim: int, batch_size: int, progress: Callable[[str, int, int], None]
) -> tuple[SentenceTable, int]:
    """Embed every sentence of every chunk (cached by text), returning the table and how many were new."""
    rows: list[int] = []
    spans: list[tuple[int, int]] = []
    keys: list[str] = []
    texts: dict[str, str] = {}
    for r, chunk in enumerate(chunks):
        for a, b in chunk_sentences(chunk.text):
            key = sentence_key(chunk.text[a:b])
            rows.append(r)
            spans.append((a, b))
            keys.append(key)
            texts.setdefault(key, " ".join(chunk.text[a:b].split()))
    found = cache.get_many(model, keys)
    missing = [(k, t) for k, t in texts.items() if k not in found]
    embedder = get_embedder(model) if missing else None
    batch = max(1, batch_size * 2)  # sentences are short: bigger batches cost the same per token
    for i in range(0, len(missing), batch):
        part = missing[i:i + batch]
        progress("zinnen", i, len(missing))
        vecs = embedder.embed_passages([t for _k, t in part])
        new = {k: v for (k, _t), v in zip(part, vecs)}
        cache.put_many(model, new)
        found.update(new)
    if missing:
        progress("zinnen", len(missing), len(missing))
    matrix = np.stack([found[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, dim), np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = matrix / np.where(norms > 0, norms, 1.0)
    return SentenceTable.build(rows, spans, matrix, len(chunks)), len(missing)
