"""Domain objects passed through the pipeline: reading -> index -> retrieve -> answer -> citations.

The CLI, the web app and the evaluation all render these same objects; a citation is data, never a
string parsed back out of prose.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DOC_TYPES = ("rapport", "factsheet", "interview", "other")
CONFIDENTIALITY = ("openbaar", "intern")


@dataclass(slots=True)
class DocMeta:
    """What the catalog (or front matter, or the file itself) says about a document."""

    id: str
    title: str
    type: str = "other"
    themes: list[str] = field(default_factory=list)
    region: str = ""
    date: str = ""
    confidentiality: str = "openbaar"


@dataclass(slots=True)
class Document:
    """A read document: its full text plus where sections and pages start in that text."""

    meta: DocMeta
    path: str  # relative to the corpus dir, with forward slashes
    text: str
    sha256: str  # of the file bytes
    sections: list[tuple[int, str]] = field(default_factory=list)  # (start offset, section path)
    pages: list[tuple[int, int]] = field(default_factory=list)  # (start offset, page number), PDFs only

    def section_at(self, offset: int) -> str:
        return _last_before(self.sections, offset, "")

    def page_at(self, offset: int) -> int | None:
        return _last_before(self.pages, offset, None)


def _last_before(marks: list[tuple[int, Any]], offset: int, default: Any) -> Any:
    found = default
    for start, value in marks:
        if start > offset:
            break
        found = value
    return found


@dataclass(slots=True)
class Chunk:
    """A passage of a document as stored in the index."""

    id: str  # "<doc_id>#<n>"
    doc_id: str
    text: str
    section: str
    page: int | None
    start: int
    end: int
    hash: str  # sha256 of the embedded text (the embedding cache key)
    title: str = ""
    type: str = "other"
    path: str = ""
    themes: list[str] = field(default_factory=list)
    region: str = ""
    date: str = ""
    confidentiality: str = "openbaar"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Chunk":
        return cls(**data)


@dataclass(slots=True)
class Passage:
    """A retrieved chunk with its rank and score, as shown to users and written to JSON."""

    rank: int
    chunk: Chunk
    score: float

    def to_json(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "rank": self.rank,
            "doc_id": c.doc_id,
            "chunk_id": c.id,
            "title": c.title,
            "type": c.type,
            "path": c.path,
            "section": c.section,
            "page": c.page,
            "score": round(float(self.score), 6),
            "text": c.text,
        }


@dataclass(slots=True)
class Citation:
    """Marker [n] in an answer, pointing at passage n and the exact quote it rests on."""

    marker: int
    passage: Passage
    quote: str

    def to_json(self) -> dict[str, Any]:
        c = self.passage.chunk
        return {
            "marker": self.marker,
            "doc_id": c.doc_id,
            "chunk_id": c.id,
            "title": c.title,
            "path": c.path,
            "section": c.section,
            "page": c.page,
            "quote": self.quote,
        }


@dataclass(slots=True)
class SentenceVerdict:
    """Whether one answer sentence is supported by the passage it cites."""

    text: str
    markers: list[int]
    support: float
    kept: bool
    reason: str = ""  # Dutch, one line, when not kept ("het getal 'drie' staat niet in de bron")
    quote: str = ""  # the passage sentence(s) the check compared the sentence with
    check: str = ""  # which check decided: marker, support, number, negation, modality, scope, condition, term, coverage


@dataclass(slots=True)
class Answer:
    question: str
    answer: str
    refused: bool
    backend: str
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    standalone_question: str = ""
    support: float = 0.0
    verdicts: list[SentenceVerdict] = field(default_factory=list)
    notice: str = ""  # a Dutch remark for the user (fallback, redaction, ...)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "backend": self.backend,
            "citations": [c.to_json() for c in self.citations],
            "passages": [p.to_json() for p in self.passages],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "standalone_question": self.standalone_question,
            "support": round(self.support, 4),
            "verdicts": [asdict(v) for v in self.verdicts],
            "notice": self.notice,
        }


@dataclass(slots=True)
class Skipped:
    """A file that was not indexed, with a one-line reason (Dutch for users)."""

    path: str
    reason: str


class RadassistError(Exception):
    """An error with a clear one-line message for the user."""


class ConfigError(RadassistError):
    """Bad settings, catalog or usage (exit code 2)."""


class ReadError(RadassistError):
    """A file could not be read; the message names the file."""


def rel_path(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
