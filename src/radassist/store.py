"""Vector store: Chroma through llama-index's ChromaVectorStore, embedded or as a server.

Each index generation gets its own collection (embedded mode: in its own folder too), so a
re-index writes beside the live one and readers switch only when the new one is complete.
We always pass our own embeddings; Chroma's default embedding function is never used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence
from urllib.parse import urlparse

import numpy as np

from radassist.types import Chunk, ConfigError

THEME_KEY = "theme_"


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
    """Flat metadata Chroma can filter on: scalars only, one boolean key per theme."""
    meta = {
        "doc_id": chunk.doc_id,
        "type": chunk.type,
        "region": chunk.region,
        "confidentiality": chunk.confidentiality,
    }
    for theme in chunk.themes:
        meta[THEME_KEY + theme] = 1  # ints: llama-index filters take no booleans
    return meta


class VectorStore:
    """One generation's collection."""

    def __init__(self, client, collection_name: str, create: bool = False) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

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
        self.store = ChromaVectorStore(chroma_collection=collection)

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray, batch: int = 4000) -> None:
        from llama_index.core.schema import TextNode

        for i in range(0, len(chunks), batch):
            nodes = [
                TextNode(id_=c.id, text=c.text, metadata=node_metadata(c), embedding=vectors[i + j].tolist())
                for j, c in enumerate(chunks[i:i + batch])
            ]
            self.store.add(nodes)

    def query(self, vector: np.ndarray, k: int, filters=None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) best first; `filters` are llama-index MetadataFilters."""
        from llama_index.core.vector_stores.types import VectorStoreQuery

        if k <= 0:
            return []
        result = self.store.query(
            VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=k, filters=filters)
        )
        ids = result.ids or []
        sims = result.similarities or [0.0] * len(ids)
        return list(zip(ids, (float(s) for s in sims)))

    def count(self) -> int:
        return self.collection.count()


def delete_collection(chroma_url: str | None, gen_dir: Path, name: str) -> None:
    """Drop a server-side collection of an old generation (embedded ones go with their folder)."""
    if not chroma_url:
        return
    try:
        chroma_client(chroma_url, gen_dir).delete_collection(name)
    except Exception:
        pass
