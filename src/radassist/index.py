"""Building and updating the index: `build_index` writes a new generation and swaps CURRENT.

A build writes a new generation beside the live one and swaps CURRENT at the end, so a run that
is killed at any moment leaves the previous index fully usable; the next run removes the debris.
Documents whose file and catalog entry did not change reuse their chunks from the previous
generation; settings that change chunks or vectors (`Settings.index_fingerprint`) rebuild all.
The folder layout and the file helpers are in generation.py; reading a generation is loaded.py.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from radassist.catalog import find_catalog, load_catalog
from radassist.chunking import chunk_document, embed_text
from radassist.documents import FileInfo, read_document, scan_corpus
from radassist.embed import EmbeddingCache, get_embedder
from radassist.generation import (  # noqa: F401  (KEEP_OLD_GENERATIONS: re-exported)
    KEEP_OLD_GENERATIONS,
    VECTORS_FILE,
    _collection_name,
    _document_from_record,
    _document_record,
    _fsync_dir,
    _new_generation_name,
    _prune_generations,
    _remove_debris,
    _write_atomic,
    read_current,
    read_manifest,
    unit_rows,
)
from radassist.lexical import LexicalIndex
from radassist.loaded import LoadedIndex, NoIndexError  # noqa: F401  (re-exported: callers import them from here)
from radassist.scale import measure_scale, write_scale
from radassist.sentences import SentenceTable, embed_sentences
from radassist.settings import Settings
from radassist.store import VectorStore, chroma_client
from radassist.types import Chunk, Document, RadassistError, Skipped

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class IndexReport:
    generation: str = ""
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    nothing_changed: bool = False
    full_rebuild: bool = False

    def to_json(self) -> dict:
        data = asdict(self)
        data["skipped"] = [asdict(s) for s in self.skipped]
        return data


class IndexBusyError(RadassistError):
    pass


@contextmanager
def _index_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    fh = open(index_dir / ".lock", "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusyError("er loopt al een indexering voor deze index (another index run is busy)") from None
        yield
    finally:
        fh.close()


def _catalog_hash(corpus_dir: Path) -> str:
    path = find_catalog(corpus_dir)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path else ""


def corpus_state(settings: Settings) -> tuple[list[FileInfo], list[Skipped], dict[str, str]]:
    files, skipped = scan_corpus(settings.corpus_dir, settings.reading)
    return files, skipped, {f.rel: f.sha256 for f in files}


def corpus_changed(settings: Settings, manifest: dict | None) -> bool:
    """Whether the corpus or index-relevant settings differ from what the manifest recorded."""
    if not manifest:
        return True
    _files, _skipped, hashes = corpus_state(settings)
    recorded = {rel: info["sha256"] for rel, info in manifest.get("files", {}).items()}
    recorded.update(manifest.get("skipped_files", {}))
    return (
        hashes != recorded
        or manifest.get("catalog_sha256") != _catalog_hash(settings.corpus_dir)
        or manifest.get("fingerprint") != settings.index_fingerprint()
    )


# ----------------------------------------------------------------------------- build

def build_index(settings: Settings, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
    """Index `settings.corpus_dir` into `settings.index_dir`; incremental unless `rebuild`."""
    started = time.perf_counter()
    progress = progress or (lambda stage, done, total: None)
    index_dir = settings.index_dir
    with _index_lock(index_dir):
        _remove_debris(settings)
        catalog = load_catalog(settings.corpus_dir)  # ConfigError names the bad entry
        files, skipped, hashes = corpus_state(settings)
        catalog_sha = _catalog_hash(settings.corpus_dir)
        previous_gen = read_current(index_dir)
        previous = read_manifest(index_dir, previous_gen) if previous_gen else None
        fingerprint = settings.index_fingerprint()
        reusable = bool(previous) and not rebuild and previous.get("fingerprint") == fingerprint
        report = IndexReport(full_rebuild=not reusable)

        if reusable and not corpus_changed(settings, previous):
            report.generation = previous_gen
            report.nothing_changed = True
            report.unchanged = sorted(info["doc_id"] for info in previous["files"].values())
            report.skipped = [Skipped(**s) for s in previous.get("skipped", [])]
            report.documents = previous["counts"]["documents"]
            report.chunks = previous["counts"]["chunks"]
            report.seconds = time.perf_counter() - started
            return report

        old_docs = _load_previous(index_dir, previous_gen) if reusable else {}
        old_catalog_entries = previous.get("catalog_entries", {}) if reusable else {}
        documents, chunks, file_records = [], [], {}
        seen_text: dict[str, str] = {}
        seen_ids: set[str] = set()
        for n, info in enumerate(files, start=1):
            progress("lezen", n, len(files))
            entry = catalog.get(info.rel)
            entry_json = entry.model_dump_json() if entry else ""
            old = old_docs.get(info.rel)
            if old and old["document"]["sha256"] == info.sha256 and old_catalog_entries.get(info.rel, "") == entry_json:
                doc = _document_from_record(old["document"])
                doc_chunks = [Chunk.from_dict(c) for c in old["chunks"]]
                status = "unchanged"
            else:
                try:
                    doc, warnings = read_document(info, catalog, settings.reading)
                except RadassistError as exc:
                    skipped.append(Skipped(info.rel, str(exc)))
                    continue
                report.warnings.extend(warnings)
                doc_chunks = chunk_document(doc, settings.chunking)
                status = "changed" if info.rel in (previous or {}).get("files", {}) else "added"
            text_key = hashlib.sha256(doc.text.encode()).hexdigest()
            if text_key in seen_text:
                skipped.append(Skipped(info.rel, f"{info.rel}: dubbel, zelfde inhoud als {seen_text[text_key]} (duplicate)"))
                continue
            if doc.meta.id in seen_ids:
                skipped.append(Skipped(info.rel, f"{info.rel}: document-id '{doc.meta.id}' komt al voor (duplicate id)"))
                continue
            if not doc_chunks:
                skipped.append(Skipped(info.rel, f"{info.rel}: geen tekst om te indexeren (no text)"))
                continue
            seen_text[text_key] = info.rel
            seen_ids.add(doc.meta.id)
            documents.append(doc)
            chunks.extend(doc_chunks)
            file_records[info.rel] = {"sha256": info.sha256, "doc_id": doc.meta.id, "chunks": len(doc_chunks)}
            getattr(report, status).append(doc.meta.id)

        if previous:
            current_rels = set(file_records)
            report.removed = sorted(
                info["doc_id"] for rel, info in previous.get("files", {}).items() if rel not in current_rels
                and rel not in {s.path for s in skipped}
            )

        vectors, report.embedded = _embed_chunks(settings, chunks, progress)
        sentences = _embed_sentences(settings, chunks, int(vectors.shape[1]) if len(vectors) else 0, progress)
        generation = _new_generation_name()
        gen_dir = index_dir / "generations" / generation
        gen_dir.mkdir(parents=True)
        progress("opslaan", 0, 1)
        _write_generation(settings, gen_dir, generation, documents, chunks, vectors, sentences)
        manifest = {
            "generation": generation,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "corpus_dir": str(settings.corpus_dir.resolve()),
            "fingerprint": fingerprint,
            "settings": {
                "chunking": settings.chunking.model_dump(mode="json"),
                "embedding_model": settings.embedding.model,
                "chroma_url": settings.chroma_url,
            },
            "embedding": {"model": settings.embedding.model, "dim": int(vectors.shape[1]) if len(vectors) else 0},
            "catalog_sha256": catalog_sha,
            "catalog_entries": {rel: e.model_dump_json() for rel, e in catalog.items()},
            "files": file_records,
            "skipped_files": {s.path: hashes[s.path] for s in skipped if s.path in hashes},
            "skipped": [asdict(s) for s in skipped],
            "counts": {"documents": len(documents), "chunks": len(chunks), "skipped": len(skipped),
                       "sentences": len(sentences.rows)},
            "build_seconds": round(time.perf_counter() - started, 2),
        }
        _write_atomic(gen_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        _fsync_dir(gen_dir)
        # The switch: readers see the new generation only from here on.
        _write_atomic(index_dir / "CURRENT", json.dumps({"generation": generation}))
        _prune_generations(settings, keep={generation, previous_gen})
        progress("opslaan", 1, 1)

        report.generation = generation
        report.skipped = skipped
        report.documents = len(documents)
        report.chunks = len(chunks)
        report.seconds = time.perf_counter() - started
        return report


def _load_previous(index_dir: Path, generation: str | None) -> dict[str, dict]:
    """Previous generation's documents and chunks keyed by file path."""
    if not generation:
        return {}
    folder = index_dir / "generations" / generation
    docs: dict[str, dict] = {}
    by_id: dict[str, str] = {}
    try:
        with (folder / "documents.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                docs[record["path"]] = {"document": record, "chunks": []}
                by_id[record["meta"]["id"]] = record["path"]
        with (folder / "chunks.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                chunk = json.loads(line)
                path = by_id.get(chunk["doc_id"])
                if path:
                    docs[path]["chunks"].append(chunk)
    except (OSError, ValueError, KeyError):
        return {}
    return docs


def _embed_chunks(settings: Settings, chunks: list[Chunk], progress: Progress) -> tuple[np.ndarray, int]:
    model = settings.embedding.model
    cache = EmbeddingCache(settings.index_dir / "cache" / "embeddings.sqlite")
    try:
        found = cache.get_many(model, [c.hash for c in chunks])
        missing: dict[str, str] = {}
        for c in chunks:
            if c.hash not in found and c.hash not in missing:
                missing[c.hash] = embed_text(c.text, c.title, c.section, settings.chunking.context_header)
        if missing:
            embedder = get_embedder(model)
            items = list(missing.items())
            batch = max(1, settings.embedding.batch_size)
            for i in range(0, len(items), batch):
                part = items[i:i + batch]
                progress("embedden", i, len(items))
                vecs = embedder.embed_passages([text for _h, text in part])
                new = {h: v for (h, _t), v in zip(part, vecs)}
                cache.put_many(model, new)  # committed per batch: a killed run keeps its work
                found.update(new)
            progress("embedden", len(items), len(items))
        dim = len(next(iter(found.values()))) if found else 0
        vectors = np.stack([found[c.hash] for c in chunks]) if chunks else np.zeros((0, dim), np.float32)
        return vectors.astype(np.float32), len(missing)
    finally:
        cache.close()


def _embed_sentences(settings: Settings, chunks: list[Chunk], dim: int, progress: Progress) -> SentenceTable:
    cache = EmbeddingCache(settings.index_dir / "cache" / "embeddings.sqlite")
    try:
        table, _new = embed_sentences(chunks, cache, settings.embedding.model, dim, settings.embedding.batch_size, progress)
        return table
    finally:
        cache.close()


def _write_generation(
    settings: Settings, gen_dir: Path, generation: str, documents: list[Document], chunks: list[Chunk],
    vectors: np.ndarray, sentences: SentenceTable | None = None,
) -> None:
    with (gen_dir / "documents.jsonl").open("w", encoding="utf-8") as fh:
        for doc in documents:
            fh.write(json.dumps(_document_record(doc), ensure_ascii=False) + "\n")
    with (gen_dir / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for c in chunks:
            fh.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
    texts = [embed_text(c.text, c.title, c.section, settings.chunking.context_header) for c in chunks]
    lexical = LexicalIndex.build(texts if texts else [""])
    lexical.save(gen_dir / "bm25")
    if chunks:
        np.save(gen_dir / VECTORS_FILE, unit_rows(vectors))
        if sentences is not None:
            sentences.save(gen_dir)
            # The corpus' own similarity level for unanswerable questions (scale.py, used by the support model).
            write_scale(gen_dir, measure_scale(unit_rows(vectors), sentences.vectors, get_embedder(settings.embedding.model)))
        store = VectorStore(chroma_client(settings.chroma_url, gen_dir), _collection_name(generation), create=True)
        store.add(chunks, vectors)
