"""The corpus' own level of "no answer": what similarity looks like for questions it cannot answer.

e5 similarities live in a narrow band whose position depends on the documents (legal text, short
factsheets, interviews). At index time fifty off-topic probe questions (data/probe_questions.txt)
are searched in the new corpus; the mean and spread of their best chunk and sentence similarities
turn a raw cosine into "standard deviations above no answer" for the support model (support.py).
No labelled questions are needed, so a ZVH that swaps in its own documents gets its own scale.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PROBES_FILE = Path(__file__).parent / "data" / "probe_questions.txt"
SCALE_FILE = "scale.json"


@dataclass
class Scale:
    """How similar the best passage and sentence are for questions this corpus cannot answer."""

    chunk_mean: float = 0.81
    chunk_sd: float = 0.016
    sentence_mean: float = 0.81
    sentence_sd: float = 0.016
    probes: int = 0

    def chunk(self, cos: float) -> float:
        return (cos - self.chunk_mean) / max(self.chunk_sd, 1e-3)

    def sentence(self, cos: float) -> float:
        return (cos - self.sentence_mean) / max(self.sentence_sd, 1e-3)


def probe_questions() -> list[str]:
    return [line.strip() for line in PROBES_FILE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def measure_scale(vectors: np.ndarray, sentence_vectors: np.ndarray | None, embedder) -> Scale:
    """Search the probe questions in one corpus: the mean and spread of their best similarities."""
    if vectors is None or not len(vectors):
        return Scale()
    probes = probe_questions()
    q = np.stack([embedder.embed_query(p) for p in probes]).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    best_chunk = (np.asarray(vectors, dtype=np.float32) @ q.T).max(axis=0)
    if sentence_vectors is not None and len(sentence_vectors):
        best_sentence = _best_in_batches(sentence_vectors, q)
    else:
        best_sentence = best_chunk
    return Scale(float(best_chunk.mean()), float(best_chunk.std()), float(best_sentence.mean()),
                 float(best_sentence.std()), len(probes))


def _best_in_batches(matrix: np.ndarray, q: np.ndarray, rows: int = 50_000) -> np.ndarray:
    best = np.full(q.shape[0], -1.0, dtype=np.float32)
    for i in range(0, len(matrix), rows):
        part = np.asarray(matrix[i:i + rows], dtype=np.float32) @ q.T
        best = np.maximum(best, part.max(axis=0))
    return best


def write_scale(folder: Path, scale: Scale) -> None:
    tmp = folder / (SCALE_FILE + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(scale.__dict__), encoding="utf-8")
    os.replace(tmp, folder / SCALE_FILE)


def corpus_scale(index) -> Scale:
    """The generation's scale (written at index time; measured now and kept for older generations)."""
    cached = getattr(index, "_scale", None)
    if cached is not None:
        return cached
    path = index.folder / SCALE_FILE
    scale = None
    try:
        scale = Scale(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        from radassist.embed import get_embedder

        sentences = index.sentences.vectors if index.sentences is not None else None
        scale = measure_scale(index.vectors, sentences, get_embedder(index.settings.embedding.model))
        try:
            write_scale(index.folder, scale)
        except OSError:
            pass  # a read-only index still answers; it measures again next time
    index._scale = scale
    return scale


