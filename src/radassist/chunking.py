"""Structure-aware chunking: split on sections first, then pack whole sentences to a size.

Chunks never cross a section boundary, so every chunk has one section path; within a section,
consecutive chunks share `overlap_sentences` sentences so an answer that straddles a boundary
is still found whole in one of them. Offsets point into `Document.text`, which makes highlighting
a quote in the source viewer exact.
"""

from __future__ import annotations

import hashlib

from radassist.settings import ChunkSettings
from radassist.text import split_sentences
from radassist.types import Chunk, Document


def section_spans(doc: Document) -> list[tuple[int, int, str]]:
    """(start, end, section path) for every section of the document, covering all its text."""
    marks = doc.sections or [(0, "")]
    if marks[0][0] > 0:
        marks = [(0, "")] + marks
    spans = []
    for i, (start, path) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(doc.text)
        if end > start:
            spans.append((start, end, path))
    return spans


def chunk_document(doc: Document, settings: ChunkSettings) -> list[Chunk]:
    pieces: list[tuple[int, int]] = []
    for start, end, _path in section_spans(doc):
        sentences = [(start + a, start + b) for a, b in split_sentences(doc.text[start:end])]
        sentences = _split_long(doc.text, sentences, settings.max_words)
        pieces.extend(_pack(doc.text, sentences, settings))
    return [_make_chunk(doc, n, a, b, settings) for n, (a, b) in enumerate(pieces)]


def _words(text: str) -> int:
    return len(text.split())


def _split_long(text: str, spans: list[tuple[int, int]], max_words: int) -> list[tuple[int, int]]:
    """Cut sentences longer than max_words (or max_words * 20 characters) at clause boundaries
    (';', ',', ':'), else at spaces, else hard: one pass over the text, whatever it holds."""
    max_chars = max_words * 20
    out: list[tuple[int, int]] = []
    for a, b in spans:
        while a < b:
            cut = _cut_point(text, a, b, max_words, max_chars)
            out.append((a, cut))
            a = cut
            while a < b and text[a].isspace():
                a += 1
    return out


def _cut_point(text: str, a: int, b: int, max_words: int, max_chars: int) -> int:
    """End of the first piece of text[a:b]: b when it is short enough, else the best boundary."""
    words_seen = 0
    last_clause = last_space = None
    limit = min(b, a + max_chars)
    for i in range(a, limit):
        if text[i].isspace() and i > a and not text[i - 1].isspace():
            words_seen += 1
            last_space = i
            if text[i - 1] in ";,:":
                last_clause = i
            if words_seen >= max_words:
                break
    else:
        if limit == b:
            return b
        if last_space is None:
            return limit  # a "word" of thousands of characters: cut it hard
    if last_clause is not None and last_clause - a > (last_space - a) // 2:
        return last_clause
    return last_space


def _pack(text: str, sentences: list[tuple[int, int]], s: ChunkSettings) -> list[tuple[int, int]]:
    def words(spans: list[tuple[int, int]]) -> int:
        return sum(_words(text[x:y]) for x, y in spans)

    max_chars = s.max_words * 20  # text without spaces must not make a chunk of megabytes
    chunks: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    fresh: list[tuple[int, int]] = []  # sentences not already in the previous chunk
    for sent in sentences:
        n = _words(text[sent[0]:sent[1]])
        too_long = current and sent[1] - current[0][0] > max_chars
        if fresh and (words(current) + n > s.target_words or too_long):
            chunks.append(current)
            overlap = current[-s.overlap_sentences:] if s.overlap_sentences else []
            # Overlap only helps when it leaves room for new text.
            current = overlap if words(overlap) + n <= s.max_words and sent[1] - overlap[0][0] <= max_chars else []
            fresh = []
        current.append(sent)
        fresh.append(sent)
    if fresh:
        if (chunks and words(fresh) < s.min_words and words(chunks[-1]) + words(fresh) <= s.max_words
                and fresh[-1][1] - chunks[-1][0][0] <= max_chars):
            chunks[-1] = chunks[-1] + fresh
        else:
            chunks.append(current)
    return [(c[0][0], c[-1][1]) for c in chunks]


def embed_text(chunk_text: str, title: str, section: str, with_header: bool) -> str:
    """The text that is embedded and BM25-indexed: the passage with its place in the document."""
    if not with_header:
        return chunk_text
    header = title if not section else f"{title} - {section}"
    return f"{header}\n{chunk_text}"


def _make_chunk(doc: Document, n: int, a: int, b: int, s: ChunkSettings) -> Chunk:
    m = doc.meta
    section = doc.section_at(a)
    body = doc.text[a:b]
    digest = hashlib.sha256(embed_text(body, m.title, section, s.context_header).encode()).hexdigest()
    return Chunk(
        id=f"{m.id}#{n}",
        doc_id=m.id,
        text=body,
        section=section,
        page=doc.page_at(a),
        start=a,
        end=b,
        hash=digest,
        title=m.title,
        type=m.type,
        path=doc.path,
        themes=list(m.themes),
        region=m.region,
        date=m.date,
        confidentiality=m.confidentiality,
    )
