"""Read documents of each format into text with section and page marks.

A small registry maps file suffixes to readers. Every reader returns a `Parsed` object; a file that
cannot be read raises `ReadError` with a one-line reason, which the indexer reports and skips.
This module holds the registry; the readers live in reader_text.py (Markdown, text, HTML),
reader_docx.py and reader_pdf.py, and what they share (`Parsed`, `_Builder`) in parsed.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from radassist.parsed import MAX_LABEL_CHARS, Parsed, clip_label, decode_utf8  # noqa: F401  (re-exported)
from radassist.reader_docx import read_docx
from radassist.reader_pdf import read_pdf
from radassist.reader_text import read_html, read_markdown, read_text, split_front_matter  # noqa: F401  (re-exported)


# ----------------------------------------------------------------------------- registry

Reader = Callable[[Path], Parsed]

READERS: dict[str, Reader] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}


def reader_for(path: Path) -> Reader | None:
    return READERS.get(path.suffix.lower())
