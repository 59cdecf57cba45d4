"""The PDF reader (pypdf, imported lazily): pages, outline or numbered headings as sections,
running headers and footers dropped, sentences kept whole over page breaks.
"""

from __future__ import annotations

import re
from pathlib import Path

from radassist.parsed import Parsed, _Builder
from radassist.types import ReadError


# ----------------------------------------------------------------------------- PDF

_NUMBERED_HEADING = re.compile(r"^(\d+(?:\.\d+){0,3})\.?\s+([A-ZÀ-Ý][^\n]{2,80})$")


def read_pdf(path: Path) -> Parsed:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs repairs of damaged files ("EOF marker not found") without the file name; a failure
    # reaches the user as a ReadError that names the file instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise ReadError(f"{path.name}: versleutelde PDF, kan niet worden gelezen (encrypted PDF)")
        pages = [page.extract_text() or "" for page in reader.pages]
        outline = _pdf_outline(reader)
        meta = {}
        title = reader.metadata.title if reader.metadata else None
        if isinstance(title, str) and title.strip() and title.strip().lower() not in ("none", "untitled"):
            meta["title"] = title.strip()
    except ReadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
        raise ReadError(f"{path.name}: beschadigde PDF ({type(exc).__name__})") from None
    except Exception as exc:  # pypdf raises a wide range on hostile files
        raise ReadError(f"{path.name}: PDF kan niet worden gelezen ({type(exc).__name__})") from None

    pages = _drop_running_lines(pages)
    b = _Builder()
    for number, page_text in enumerate(pages, start=1):
        b.page(number)
        headings = outline.get(number, [])
        for i, line in enumerate(_pdf_blocks(page_text, headings, numbered=not outline)):
            matched = _match_heading(line, headings)
            if i == 0 and matched is None and b.continues_sentence(line):
                # A sentence running over the page break stays one sentence; the page starts mid-way.
                b.pages[-1] = (b.length + 1, number)
                b.extend_last(line)
            elif matched is not None:
                level, title = matched
                b.heading(level + 2, title)
                b.add(line[len(title):])
            elif not outline and "\n" not in line and _NUMBERED_HEADING.match(line):
                depth = line.split()[0].rstrip(".").count(".")
                b.heading(depth + 2, line)
            else:
                b.add(line)
    parsed = b.result(meta=meta)
    if not parsed.text.strip():
        raise ReadError(f"{path.name}: geen tekst in de PDF (scanned or empty PDF)")
    return parsed


def _pdf_outline(reader) -> dict[int, list[tuple[int, str]]]:
    """Outline entries per page number: {page: [(level, title), ...]}."""
    found: dict[int, list[tuple[int, str]]] = {}

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item) + 1
            except Exception:
                continue
            found.setdefault(page, []).append((level, " ".join(str(item.title).split())))

    try:
        walk(reader.outline, 0)
    except Exception:
        return {}
    return found


def _pdf_blocks(page_text: str, headings: list[tuple[int, str]], numbered: bool) -> list[str]:
    """Join a page's wrapped lines into blocks; known headings and bullets start a new block.

    With an outline, only outline titles are headings; without one, numbered lines ("3.2 Titel") are.
    """
    blocks: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            blocks.append(" ".join(current))
            current.clear()

    for line in page_text.splitlines():
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        is_heading = _match_heading(stripped, headings) is not None or (
            numbered and len(stripped) < 90 and _NUMBERED_HEADING.match(stripped) is not None
        )
        if is_heading:
            flush()
            blocks.append(stripped)
        elif stripped.startswith(("- ", "• ", "* ")):
            flush()
            current.append(stripped)
        else:
            current.append(stripped)
    flush()
    return blocks


def _match_heading(line: str, headings: list[tuple[int, str]]) -> tuple[int, str] | None:
    norm = " ".join(line.split())
    for level, title in headings:
        if norm == title or (norm.startswith(title) and len(title) > 3):
            return level, title
    return None


def _drop_running_lines(pages: list[str]) -> list[str]:
    """Remove headers/footers: lines (digits ignored) that recur on at least half of the pages."""
    if len(pages) < 3:
        return [_strip_page_number_lines(p) for p in pages]
    from collections import Counter

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.split()))

    counts = Counter()
    for page in pages:
        counts.update({key(line) for line in page.splitlines() if line.strip()})
    running = {k for k, n in counts.items() if n >= max(3, len(pages) // 2)}
    return [
        "\n".join(line for line in page.splitlines() if key(line) not in running) for page in pages
    ]


def _strip_page_number_lines(page: str) -> str:
    return "\n".join(
        line for line in page.splitlines() if not re.fullmatch(r"\s*(pagina|page|p\.)?\s*\d+(\s*(van|of|/)\s*\d+)?\s*", line, re.I)
    )
