"""An index generation opened for reading: `LoadedIndex` (chunks, BM25, Chroma, vectors, filter masks)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from radassist.generation import VECTORS_FILE, _collection_name, _document_from_record, read_current
from radassist.lexical import LexicalIndex
from radassist.sentences import SentenceTable
from radassist.settings import Settings
from radassist.store import VectorStore, chroma_client
from radassist.text import normalize
from radassist.types import Chunk, ConfigError, Document, RadassistError


class NoIndexError(RadassistError):
    pass


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
