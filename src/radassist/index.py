"""Building and opening the index.

Layout of `index_dir`:

    CURRENT                    which generation readers use (replaced atomically, last step of a build)
    generations/<gen>/         one complete index: manifest.json, chunks.jsonl, documents.jsonl,
                               vectors.npy (unit vectors, row i = chunk i), sentences*.npy (sentences.py),
                               scale.json (scale.py), bm25/, chroma/ (embedded mode)
    cache/embeddings.sqlite    vectors keyed by (model, sha256 of text): unchanged text is never re-embedded
    .lock                      one indexer at a time

A build writes a new generation beside the live one and swaps CURRENT at the end, so a run that
is killed at any moment leaves the previous index fully usable; the next run removes the debris.
Documents whose file and catalog entry did not change reuse their chunks from the previous
generation; settings that change chunks or vectors (`Settings.index_fingerprint`) rebuild all.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
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
from radassist.lexical import LexicalIndex
from radassist.scale import measure_scale, write_scale
from radassist.sentences import SentenceTable, embed_sentences
from radassist.settings import Settings
from radassist.store import VectorStore, chroma_client, delete_collection
from radassist.text import normalize
from radassist.types import Chunk, ConfigError, Document, RadassistError, Skipped

VECTORS_FILE = "vectors.npy"

Progress = Callable[[str, int, int], None]  # (stage, done, total)
KEEP_OLD_GENERATIONS = 2


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


class NoIndexError(RadassistError):
    pass


# ----------------------------------------------------------------------------- small file helpers

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


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """float32 rows scaled to length 1 (cosine similarity becomes a dot product)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


# ----------------------------------------------------------------------------- reading an index

class LoadedIndex:
    """One generation opened for reading: chunks in memory, BM25, the Chroma collection, documents on demand."""

    def __init__(self, settings: Settings, generation: str) -> None:
        self.settings = settings
        self.generation = generation
        self.folder = settings.index_dir / "generations" / generation
        self.manifest = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
        self.chunks: list[Chunk] = []
        with (self.folder / "chunks.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                self.chunks.append(Chunk.from_dict(json.loads(line)))
        self.row_of = {c.id: i for i, c in enumerate(self.chunks)}
        self.lexical = LexicalIndex.load(self.folder / "bm25")
        built_with = self.manifest.get("settings", {}).get("chroma_url")
        if bool(built_with) != bool(settings.chroma_url):
            # Otherwise Chroma only says the collection does not exist.
            raise ConfigError(
                f"index {generation} is gebouwd met "
                f"{'Chroma-server ' + built_with if built_with else 'ingebedde Chroma'}, maar deze instellingen "
                f"gebruiken {'Chroma-server ' + settings.chroma_url if settings.chroma_url else 'ingebedde Chroma'}; "
                "zet RADASSIST_CHROMA_URL gelijk voor indexeerder en app"
            )
        self.store = (
            VectorStore(chroma_client(settings.chroma_url, self.folder), _collection_name(generation))
            if self.chunks
            else None
        )
        self.vectors = self._open_vectors()
        # Sentence vectors (small-to-big scoring, answer sentences); None for generations without them.
        self.sentences = (
            SentenceTable.load(self.folder, len(self.chunks), self.vectors.shape[1] if self.vectors is not None else None)
            if self.chunks else None
        )
        self._documents: dict[str, Document] | None = None
        self._columns: dict[str, np.ndarray] = {}
        self._values: dict[str, set[str]] = {}
        self._masks: dict[tuple, np.ndarray] = {}
        self._shingles: dict[int, frozenset] = {}
        self._headings: dict[int, frozenset] = {}
        self._word_counts: np.ndarray | None = None

    def _open_vectors(self) -> np.ndarray | None:
        """The generation's unit vectors, memory-mapped: exact scores for selective filters (retrieve.py).

        None when the file is missing or does not match the chunks (a generation written by an older
        version); retrieval then lets Chroma apply those filters instead.
        """
        path = self.folder / VECTORS_FILE
        if not self.chunks or not path.is_file():
            return None
        try:
            vectors = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError):
            return None
        return vectors if vectors.ndim == 2 and vectors.shape[0] == len(self.chunks) else None

    @classmethod
    def open(cls, settings: Settings) -> "LoadedIndex":
        generation = read_current(settings.index_dir)
        if not generation:
            raise NoIndexError(
                f"geen index gevonden in {settings.index_dir}; maak er een met 'radassist index' (no index yet)"
            )
        return cls(settings, generation)

    def is_stale(self) -> bool:
        """True when another process swapped in a newer generation (a cheap file read)."""
        return read_current(self.settings.index_dir) not in (None, self.generation)

    def column(self, name: str) -> np.ndarray:
        """A scalar metadata column (type, region, doc_id, confidentiality) as a numpy array."""
        if name not in self._columns:
            self._columns[name] = np.array([getattr(c, name) for c in self.chunks], dtype=object)
        return self._columns[name]

    def values(self, name: str) -> set[str]:
        """The distinct values of a metadata column (for themes: every theme used)."""
        if name not in self._values:
            if name == "themes":
                self._values[name] = {t for c in self.chunks for t in c.themes}
            else:
                self._values[name] = set(self.column(name).tolist())
        return self._values[name]

    def mask(self, name: str, values: tuple[str, ...]) -> np.ndarray:
        """Rows whose `name` is one of `values` (themes: that have one of them), as a read-only bool array.

        Cached: a generation never changes, and the same few filters (the user's role, a sidebar
        choice) come back on every question. At 100k chunks a theme mask takes tens of ms to build.
        """
        key = (name, tuple(sorted(set(values))))
        mask = self._masks.get(key)
        if mask is None:
            if name == "themes":
                wanted = set(key[1])
                mask = np.fromiter((not wanted.isdisjoint(c.themes) for c in self.chunks), dtype=bool, count=len(self.chunks))
            else:
                mask = np.isin(self.column(name), list(key[1]))
            mask.setflags(write=False)
            if len(self._masks) >= 256:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def heading_keys(self, row: int) -> frozenset:
        """Match keys (wordforms.match_keys) of the stems of a chunk's document title and section path (cached)."""
        keys = self._headings.get(row)
        if keys is None:
            from radassist.text import content_terms
            from radassist.wordforms import match_keys

            c = self.chunks[row]
            keys = frozenset(k for t in content_terms(c.title + " " + c.section) for k in match_keys(t))
            self._headings[row] = keys
        return keys

    def word_count(self, row: int) -> int:
        counts = self._word_counts
        if counts is None:
            counts = self._word_counts = np.fromiter((len(c.text.split()) for c in self.chunks), dtype=np.int32,
                                                     count=len(self.chunks))
        return int(counts[row])

    def shingles(self, row: int) -> frozenset:
        """Word 4-grams of a chunk's normalised text, for collapsing near-duplicate passages (cached)."""
        sh = self._shingles.get(row)
        if sh is None:
            words = normalize(self.chunks[row].text).split()
            sh = frozenset(tuple(words[i:i + 4]) for i in range(max(1, len(words) - 3)))
            self._shingles[row] = sh
        return sh

    def documents(self) -> dict[str, Document]:
        if self._documents is None:
            docs = {}
            with (self.folder / "documents.jsonl").open(encoding="utf-8") as fh:
                for line in fh:
                    doc = _document_from_record(json.loads(line))
                    docs[doc.meta.id] = doc
            self._documents = docs
        return self._documents

    def document(self, doc_id: str) -> Document | None:
        return self.documents().get(doc_id)

    def source_file(self, doc_id: str) -> Path | None:
        """The original file of a document, if it is still in the corpus folder."""
        doc = self.document(doc_id)
        if doc is None:
            return None
        for corpus in (Path(self.manifest.get("corpus_dir", "")), self.settings.corpus_dir):
            if not str(corpus) or not corpus.is_dir():
                continue  # the index may have moved: fall back to the configured corpus folder
            path = (corpus / doc.path).resolve()
            if path.is_file() and corpus.resolve() in path.parents:
                return path
        return None
