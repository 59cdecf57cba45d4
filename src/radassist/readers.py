"""Read documents of each format into text with section and page marks.

A small registry maps file suffixes to readers. Every reader returns a `Parsed` object; a file that
cannot be read raises `ReadError` with a one-line reason, which the indexer reports and skips.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

import yaml

from radassist.types import ReadError


@dataclass
class Parsed:
    text: str = ""
    sections: list[tuple[int, str]] = field(default_factory=list)
    pages: list[tuple[int, int]] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # from front matter or file properties
    first_heading: str = ""
    warnings: list[str] = field(default_factory=list)


# Every chunk repeats its document's title and section path, so a hostile megabyte heading would be
# copied into every chunk (gigabytes); headings stay whole in the text but are cut for those labels.
MAX_LABEL_CHARS = 300


def clip_label(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Builder:
    """Accumulates text blocks while tracking the heading stack, so offsets stay exact."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.sections: list[tuple[int, str]] = []
        self.pages: list[tuple[int, int]] = []
        self.stack: list[tuple[int, str]] = []
        self.first_heading = ""

    def heading(self, level: int, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            return
        label = clip_label(title)
        if not self.first_heading:
            self.first_heading = label
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, label))
        self.add(title)
        self._mark_section()

    def _mark_section(self) -> None:
        # A document title (level 1 heading shown once) would prefix every path; leave it out.
        path = " > ".join(t for lvl, t in self.stack if not (lvl == 0))
        start = self.length - len(self.parts[-1]) if self.parts else 0
        if self.sections and self.sections[-1][0] == start:
            self.sections[-1] = (start, path)
        else:
            self.sections.append((start, path))

    def page(self, number: int) -> None:
        """Mark that the next block added starts page `number`."""
        self.pages.append((self.length + (2 if self.parts else 0), number))

    def add(self, block: str) -> None:
        block = block.strip()
        if not block:
            return
        if self.parts:
            self.parts.append("\n\n")
            self.length += 2
        self.parts.append(block)
        self.length += len(block)

    def continues_sentence(self, block: str) -> bool:
        last = self.parts[-1].rstrip() if self.parts else ""
        return bool(last) and not last.endswith((".", "!", "?", ":", ";")) and block[:1].islower()

    def extend_last(self, block: str) -> None:
        """Append to the previous block with a space (same paragraph)."""
        block = block.strip()
        self.parts[-1] = self.parts[-1] + " " + block
        self.length += 1 + len(block)

    def result(self, **kw) -> Parsed:
        return Parsed(
            text="".join(self.parts),
            sections=self.sections,
            pages=self.pages,
            first_heading=self.first_heading,
            **kw,
        )


# ----------------------------------------------------------------------------- text decoding

def decode_utf8(data: bytes, name: str) -> str:
    if b"\x00" in data[:65536]:
        raise ReadError(f"{name}: binaire inhoud, geen tekstbestand (binary content)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(f"{name}: geen geldige UTF-8-tekst (not valid UTF-8 at byte {exc.start})") from None
    control = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > 0.05 * min(len(text), 20000):
        raise ReadError(f"{name}: binaire inhoud, geen tekstbestand (binary content)")
    return text


# ----------------------------------------------------------------------------- Markdown / text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+)$")  # closing '#'s are cut in Python: see _heading_title
# Link text may not contain brackets, nor the URL parentheses beyond one nested pair, so a scan
# stops at the next candidate: linear time even on a line of 100,000 '[' (a minute before).
_MD_LINK = re.compile(r"!?\[([^\[\]]*+)\]\([^()]*+(?:\([^()]*+\)[^()]*+)?\)")
_MD_EMPH = re.compile(r"(\*\*|__)(.+?)\1")
_HTML_TAG = re.compile(r"<[^>]{0,500}>")


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML without aliases: front matter needs none, and a few lines of nested aliases expand
    to gigabytes once the values are turned into text ("billion laughs")."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not allowed in front matter")
        return super().compose_node(parent, index)


def split_front_matter(text: str, name: str) -> tuple[dict, str, list[str]]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text, []
    body = text[match.end():]
    try:
        data = yaml.load(match.group(1), Loader=_FrontMatterLoader)
    except (yaml.YAMLError, ValueError, RecursionError):  # "date: 2024-02-30" raises ValueError
        return {}, body, [f"{name}: front matter is geen geldige YAML en wordt genegeerd (invalid front matter ignored)"]
    if not isinstance(data, dict):
        return {}, body, [f"{name}: front matter is geen YAML-mapping en wordt genegeerd (front matter ignored)"]
    return data, body, []


def _clean_md_line(line: str) -> str:
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_EMPH.sub(r"\2", line)
    return _HTML_TAG.sub("", line)


def read_markdown(path: Path) -> Parsed:
    text = decode_utf8(path.read_bytes(), path.name)
    meta, body, warnings = split_front_matter(text, path.name)
    b = _Builder()
    if meta.get("title"):
        b.first_heading = str(meta["title"])
    para: list[str] = []
    in_code = False

    def flush() -> None:
        if para:
            b.add("\n".join(para))
            para.clear()

    for raw in body.splitlines():
        if raw.strip().startswith("```"):
            in_code = not in_code
            continue
        match = None if in_code else _MD_HEADING.match(raw.strip())
        if match:
            flush()
            level = len(match.group(1))
            title = _clean_md_line(_heading_title(match.group(2)))
            # A single top-level '#' is the document title: it is not part of section paths.
            b.heading(0 if level == 1 else level, title)
        elif not raw.strip():
            flush()
        else:
            para.append(_clean_md_line(raw.rstrip()))
    flush()
    return b.result(meta=meta, warnings=warnings)


def _heading_title(rest: str) -> str:
    """The heading text without its closing '#'s (a title of only '#'s keeps its first one).

    Done here, not in the regex: `(.+?)[ \t#]*$` re-scans the closing run at every position,
    which is quadratic on a long line.
    """
    return rest.rstrip(" \t#") or rest[:1]


def read_text(path: Path) -> Parsed:
    text = decode_utf8(path.read_bytes(), path.name)
    b = _Builder()
    for block in re.split(r"\n\s*\n", text):
        b.add(block)
    return b.result()


# ----------------------------------------------------------------------------- HTML

class _HtmlText(HTMLParser):
    """Streaming HTML to text: no tree, so deeply nested markup cannot exhaust the stack."""

    _SKIP = {"script", "style", "noscript", "template", "svg", "head"}
    _BLOCK = {"p", "div", "li", "tr", "br", "section", "article", "table", "ul", "ol", "blockquote", "pre", "dd", "dt"}

    def __init__(self, builder: _Builder) -> None:
        super().__init__(convert_charrefs=True)
        self.b = builder
        self.skip_depth = 0
        self.buf: list[str] = []
        self.heading_level = 0
        self.title = ""
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self.skip_depth += 1
        elif tag == "title":
            self.in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self.heading_level = int(tag[1])
        elif tag in self._BLOCK:
            self._flush()

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "title":
            self.in_title = False
        elif re.fullmatch(r"h[1-6]", tag) and self.heading_level:
            level = self.heading_level
            self.heading_level = 0
            text = " ".join("".join(self.buf).split())
            self.buf.clear()
            self.b.heading(0 if level == 1 else level, text)
        elif tag in self._BLOCK:
            self._flush()

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        elif not self.skip_depth:
            self.buf.append(data)

    def _flush(self):
        if self.heading_level:
            return
        text = " ".join("".join(self.buf).split())
        self.buf.clear()
        self.b.add(text)

    def close(self):
        # An unterminated tag or comment leaves the rest of the file pending. Older Pythons (3.11.7
        # here) then re-scan it from every later '<', which takes hours on a hostile file; patched
        # ones drop it, as browsers do (HTML5). Drop it here on every version.
        if self.rawdata.startswith("<"):
            self.rawdata = ""
        super().close()
        self.heading_level = 0
        self._flush()


def read_html(path: Path) -> Parsed:
    text = decode_utf8(path.read_bytes(), path.name)
    b = _Builder()
    parser = _HtmlText(b)
    parser.feed(text)
    parser.close()
    parsed = b.result()
    if parser.title.strip():
        parsed.meta = {"title": " ".join(parser.title.split())}
    return parsed


# ----------------------------------------------------------------------------- DOCX

def _check_zip(path: Path, max_ratio: float) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > 5000:
                raise ReadError(f"{path.name}: te veel onderdelen in het DOCX-bestand (suspicious archive)")
            unpacked = sum(i.file_size for i in infos)
            if unpacked > max(path.stat().st_size, 1) * max_ratio or unpacked > 500_000_000:
                raise ReadError(f"{path.name}: verdacht archief, uitgepakt veel te groot (zip bomb?)")
            if "word/document.xml" not in zf.namelist():
                raise ReadError(f"{path.name}: geen geldig Word-document (word/document.xml missing)")
    except zipfile.BadZipFile:
        raise ReadError(f"{path.name}: beschadigd of geen Word-bestand (not a valid DOCX/zip)") from None


def read_docx(path: Path, max_zip_ratio: float = 100.0) -> Parsed:
    _check_zip(path, max_zip_ratio)
    import docx  # python-docx; imported lazily to keep start-up fast

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds on broken parts
        raise ReadError(f"{path.name}: Word-bestand kan niet worden gelezen ({type(exc).__name__})") from None
    b = _Builder()
    for para in document.paragraphs:
        style = (para.style.name if para.style is not None else "") or ""
        text = para.text.strip()
        if not text:
            continue
        level = _docx_heading_level(style)
        if level is not None:
            b.heading(level, text)
        elif style.lower().startswith("list"):
            b.add("- " + text)
        else:
            b.add(text)
    for table in document.tables:
        for row in table.rows:
            b.add(" | ".join(cell.text.strip() for cell in row.cells))
    meta = {}
    title = (document.core_properties.title or "").strip()
    if title:
        meta["title"] = title
    return b.result(meta=meta)


def _docx_heading_level(style: str) -> int | None:
    low = style.lower()
    if low == "title":
        return 0
    match = re.fullmatch(r"(heading|kop)\s*(\d)", low)
    return int(match.group(2)) + 1 if match else None  # Heading 1 sits below the title


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
