"""Vector store: a Chroma collection per index generation, embedded or on a Chroma server.

Each index generation gets its own collection (embedded mode: in its own folder too), so a
re-index writes beside the live one and readers switch only when the new one is complete.
We always pass our own embeddings; Chroma's default embedding function is never used.

The collection is used directly rather than through llama-index's ChromaVectorStore: the chunk
text already lives in chunks.jsonl, so Chroma only needs ids, vectors and the filterable metadata.
Measured on this machine (docs/performance.md): a query asking for distances only is about 3x
faster than one that rebuilds llama-index nodes, adding without documents takes half the time, and
not importing llama-index saves about a second of every `radassist ask` start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence
from urllib.parse import urlparse

import numpy as np

from radassist.types import Chunk, ConfigError

THEME_KEY = "theme_"


def similarity(cosine_distance):
    """radassist's dense score: exp(-cosine distance) = exp(cos - 1), in (0.37, 1], monotonic in cosine.

    This is what llama-index's Chroma store reports, and the fusion weights were tuned on it; the
    support model (support.py) sees it only relative to the corpus scale (scale.py). Works on floats
    and numpy arrays.
    """
    return np.exp(-cosine_distance)


def chroma_client(chroma_url: str | None, gen_dir: Path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        parsed = urlparse(chroma_url)
        if not parsed.hostname:
            raise ConfigError(f"chroma_url '{chroma_url}' is geen geldige URL")
        return chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=chroma_settings,
        )
    return chromadb.PersistentClient(path=str(gen_dir / "chroma"), settings=chroma_settings)


def node_metadata(chunk: Chunk) -> dict:
    """Flat metadata Chroma can filter on: scalars only, one integer key per theme."""
    meta = {
        "doc_id": chunk.doc_id,
        "type": chunk.type,
        "region": chunk.region,
        "confidentiality": chunk.confidentiality,
    }
    for theme in chunk.themes:
        meta[THEME_KEY + theme] = 1
    return meta


class VectorStore:
    """One generation's collection: ids, vectors (cosine space) and filterable metadata."""

    def __init__(self, client, collection_name: str, create: bool = False) -> None:
        if create:
            try:
                client.delete_collection(collection_name)
            except Exception:
                pass
            collection = client.create_collection(
                collection_name, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        else:
            collection = client.get_collection(collection_name, embedding_function=None)
        self.collection = collection
        self._count: int | None = None

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray, batch: int = 4000) -> None:
        for i in range(0, len(chunks), batch):
            part = chunks[i:i + batch]
            self.collection.add(
                ids=[c.id for c in part],
                embeddings=np.asarray(vectors[i:i + len(part)], dtype=np.float32),
                metadatas=[node_metadata(c) for c in part],
            )
        self._count = None

    def query(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[tuple[str, float]]:
        """(chunk id, `similarity`) best first; `where` is a Chroma metadata filter."""
        k = min(k, self.count())
        if k <= 0:
            return []
        result = self.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=where or None,
            include=["distances"],
        )
        ids = result["ids"][0] if result["ids"] else []
        distances = result["distances"][0] if result.get("distances") else [1.0] * len(ids)
        return [(cid, float(similarity(d))) for cid, d in zip(ids, distances)]

    def count(self) -> int:
        # A generation's collection never changes after it is written, so one count per reader is enough.
        if self._count is None:
            self._count = self.collection.count()
        return self._count


def delete_collection(chroma_url: str | None, gen_dir: Path, name: str) -> None:
    """Drop a server-side collection of an old generation (embedded ones go with their folder)."""
    if not chroma_url:
        return
    try:
        chroma_client(chroma_url, gen_dir).delete_collection(name)
    except Exception:
        pass
