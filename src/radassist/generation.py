"""The on-disk layout of an index and the small file operations on its generations.

Layout of `index_dir`:

    CURRENT                    which generation readers use (replaced atomically, last step of a build)
    generations/<gen>/         one complete index: manifest.json, chunks.jsonl, documents.jsonl,
                               vectors.npy (unit vectors, row i = chunk i), sentences*.npy (sentences.py),
                               scale.json (scale.py), bm25/, chroma/ (embedded mode)
    cache/embeddings.sqlite    vectors keyed by (model, sha256 of text): unchanged text is never re-embedded
    .lock                      one indexer at a time

Shared by the build side (index.py) and the read side (loaded.py): atomic writes, CURRENT and
manifest reads, generation names, removing debris and old generations, the Chroma collection name
of a generation, document records in documents.jsonl, and unit vector rows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np

from radassist.settings import Settings
from radassist.store import delete_collection
from radassist.types import Document

VECTORS_FILE = "vectors.npy"
KEEP_OLD_GENERATIONS = 2


def _write_atomic(path: Path, data: str) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(str(folder), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_current(index_dir: Path) -> str | None:
    try:
        data = json.loads((index_dir / "CURRENT").read_text(encoding="utf-8"))
        gen = data.get("generation")
    except (OSError, ValueError, AttributeError):
        return None
    if gen and (index_dir / "generations" / gen / "manifest.json").is_file():
        return gen
    return None


def read_manifest(index_dir: Path, generation: str | None = None) -> dict | None:
    gen = generation or read_current(index_dir)
    if not gen:
        return None
    try:
        return json.loads((index_dir / "generations" / gen / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _new_generation_name() -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    return f"g{stamp}-{os.getpid()}"


def _remove_debris(settings: Settings) -> None:
    """Generations without a manifest are leftovers of a killed run; in server mode so is their collection."""
    index_dir = settings.index_dir
    gens = index_dir / "generations"
    if not gens.is_dir():
        return
    for folder in gens.iterdir():
        if folder.is_dir() and not (folder / "manifest.json").is_file():
            delete_collection(settings.chroma_url, folder, _collection_name(folder.name))
            shutil.rmtree(folder, ignore_errors=True)
    for tmp in index_dir.glob("CURRENT.tmp*"):
        tmp.unlink(missing_ok=True)


def _prune_generations(settings: Settings, keep: set[str | None]) -> None:
    gens = settings.index_dir / "generations"
    complete = sorted(
        (f for f in gens.iterdir() if f.is_dir() and (f / "manifest.json").is_file()), key=lambda f: f.name
    )
    # Keep the newest few so a reader that still has an older one open can finish its query.
    survivors = {f.name for f in complete[-KEEP_OLD_GENERATIONS:]} | {k for k in keep if k}
    for folder in complete:
        if folder.name not in survivors:
            delete_collection(settings.chroma_url, folder, _collection_name(folder.name))
            shutil.rmtree(folder, ignore_errors=True)


def _collection_name(generation: str) -> str:
    return f"radassist-{generation}"


def _document_record(doc: Document) -> dict:
    return {
        "meta": asdict(doc.meta),
        "path": doc.path,
        "sha256": doc.sha256,
        "text": doc.text,
        "sections": doc.sections,
        "pages": doc.pages,
    }


def _document_from_record(record: dict) -> Document:
    from radassist.types import DocMeta

    return Document(
        meta=DocMeta(**record["meta"]),
        path=record["path"],
        text=record["text"],
        sha256=record["sha256"],
        sections=[tuple(s) for s in record["sections"]],
        pages=[tuple(p) for p in record["pages"]],
    )


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """float32 rows scaled to length 1 (cosine similarity becomes a dot product)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)
