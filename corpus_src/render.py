"""Render the illustrative sample corpus from corpus_src/ into corpus/.

Sources are Markdown files with YAML front matter (see corpus_src/CONVENTIONS.md).
  rapport    -> corpus/rapport/<id>.pdf      (fpdf2, cover page, chapters on a new page)
  factsheet  -> corpus/factsheets/<id>.pdf   (fpdf2, coloured header band)
  interview  -> corpus/interviews/<id>.docx  for int-01..int-06 (python-docx)
                corpus/interviews/<id>.md    for int-07..int-10 (verbatim copy)
and corpus/catalog.yaml is written from the front matter.

Rendering is reproducible: PDF creation dates, DOCX core properties and the DOCX zip
timestamps are all derived from the document's own date, so rendering twice gives
identical bytes (tests/test_corpus.py checks this).

Usage:  .venv/bin/python corpus_src/render.py [--src DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SRC_DIR = Path(__file__).resolve().parent
REPO_ROOT = SRC_DIR.parent
DEFAULT_OUT = REPO_ROOT / "corpus"

KIND_DIRS = {"rapport": "rapport", "factsheet": "factsheets", "interview": "interviews"}
TYPE_ORDER = {"rapport": 0, "factsheet": 1, "interview": 2}
SKIP_NAMES = {"CONVENTIONS.md", "README.md"}
# Rendered files this script owns; anything else in corpus/ is left alone.
OWNED_NAME = re.compile(r"^(rapport-[\w-]+|fs-\d\d-[\w-]+|int-\d\d-[\w-]+)\.(pdf|docx|md)$")
DOCX_MAX_INTERVIEW = 6  # int-01..int-06 become DOCX, the rest stay Markdown

AUTHOR = "Landelijk flexteam aanpak radicalisering (illustratief)"
FACTSHEET_FOOTER = "Landelijk flexteam aanpak radicalisering - illustratief"
MONTHS_NL = [
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
]


# --------------------------------------------------------------------------- sources

@dataclass
class Block:
    kind: str  # title | h1 | h2 | para | bullets
    text: str = ""
    items: list[str] = field(default_factory=list)


@dataclass
class SourceDoc:
    path: Path
    meta: dict
    body: str
    blocks: list[Block]

    @property
    def id(self) -> str:
        return self.meta["id"]

    @property
    def type(self) -> str:
        return self.meta["type"]

    @property
    def date(self) -> dt.date:
        return _as_date(self.meta["date"])

    @property
    def out_relpath(self) -> str:
        folder = KIND_DIRS[self.type]
        if self.type == "interview":
            suffix = "docx" if interview_number(self.id) <= DOCX_MAX_INTERVIEW else "md"
        else:
            suffix = "pdf"
        return f"{folder}/{self.id}.{suffix}"


def interview_number(doc_id: str) -> int:
    match = re.match(r"int-(\d+)", doc_id)
    if not match:
        raise ValueError(f"interview id {doc_id!r} does not start with int-NN")
    return int(match.group(1))


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def split_front_matter(text: str, path: Path) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        raise ValueError(f"{path}: no YAML front matter (file must start with '---')")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ValueError(f"{path}: front matter is not closed with '---'")
    meta = yaml.safe_load(text[4:end]) or {}
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: front matter is not a mapping")
    return meta, text[end + 5:]


def parse_blocks(body: str) -> list[Block]:
    """Parse the small Markdown subset of CONVENTIONS.md into blocks."""
    blocks: list[Block] = []
    para: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Block("para", " ".join(para)))
            para.clear()
        if bullets:
            blocks.append(Block("bullets", items=list(bullets)))
            bullets.clear()

    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            flush()
            level = len(heading.group(1))
            kind = {1: "title", 2: "h1"}.get(level, "h2")
            blocks.append(Block(kind, heading.group(2).strip()))
        elif line.startswith(("- ", "* ")):
            if para:
                flush()
            bullets.append(line[2:].strip())
        elif bullets and raw[:1] in (" ", "\t"):
            bullets[-1] += " " + line  # wrapped bullet continuation
        else:
            if bullets:
                flush()
            para.append(line)
    flush()
    return blocks


def load_source(path: Path) -> SourceDoc:
    text = path.read_text(encoding="utf-8")
    meta, body = split_front_matter(text, path)
    for key in ("id", "title", "type", "themes", "region", "date", "confidentiality"):
        if key not in meta:
            raise ValueError(f"{path}: front matter lacks '{key}'")
    if meta["type"] not in KIND_DIRS:
        raise ValueError(f"{path}: unknown type {meta['type']!r}")
    return SourceDoc(path, meta, body, parse_blocks(body))


def find_sources(src: Path) -> list[SourceDoc]:
    docs = []
    for path in sorted(src.rglob("*.md")):
        if path.name in SKIP_NAMES or not path.read_text(encoding="utf-8").startswith("---\n"):
            continue
        docs.append(load_source(path))
    ids = [d.id for d in docs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"duplicate document ids: {', '.join(dupes)}")
    docs.sort(key=lambda d: (TYPE_ORDER[d.type], d.id))
    return docs


# --------------------------------------------------------------------------- helpers

_ASCII_MAP = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200b": "",
    "\u2022": "-", "\u00ad": "",
})


def latin1(text: str) -> str:
    """Map stray typographic characters to ASCII; the PDF core fonts are latin-1 only."""
    text = text.translate(_ASCII_MAP)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def inline_runs(text: str) -> list[tuple[str, bool]]:
    """Split '**bold**' markup into (text, is_bold) runs."""
    parts = text.split("**")
    if len(parts) % 2 == 0:  # unbalanced: render literally
        return [(text, False)]
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


def plain(text: str) -> str:
    return "".join(run for run, _ in inline_runs(text))


def date_nl(day: dt.date) -> str:
    return f"{MONTHS_NL[day.month - 1]} {day.year}"


def fixed_timestamp(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, 0, 0, tzinfo=dt.timezone.utc)


# --------------------------------------------------------------------------- PDF

def _fpdf():
    from fpdf import FPDF  # imported lazily so --help works without fpdf2

    return FPDF


COLORS = {
    "rapport": {"accent": (31, 56, 100), "muted": (90, 90, 90)},
    "factsheet": {"accent": (0, 110, 120), "muted": (90, 90, 90)},
}


def make_pdf_class():
    FPDF = _fpdf()

    class CorpusPDF(FPDF):
        footer_left = ""
        accent = (0, 0, 0)

        def footer(self):
            self.set_y(-15)
            self.set_draw_color(*self.accent)
            self.set_line_width(0.2)
            self.line(self.l_margin, self.get_y() - 1.5, self.w - self.r_margin, self.get_y() - 1.5)
            self.set_font("Helvetica", "", 8)
            self.set_text_color(100, 100, 100)
            width = (self.w - self.l_margin - self.r_margin) / 2
            self.cell(width, 6, latin1(self.footer_left), align="L")
            self.cell(width, 6, f"pagina {self.page_no()} van {{nb}}", align="R")
            self.set_text_color(0, 0, 0)

    return CorpusPDF


class PdfWriter:
    """Shared body rendering for report and factsheet PDFs."""

    body_size = 10.5
    line_h = 5.4

    def __init__(self, doc: SourceDoc, colors: dict, footer_left: str):
        self.doc = doc
        self.colors = colors
        pdf = make_pdf_class()(orientation="P", unit="mm", format="A4")
        pdf.footer_left = footer_left
        pdf.accent = colors["accent"]
        pdf.set_margins(22, 20, 22)
        pdf.set_auto_page_break(True, margin=22)
        pdf.set_title(latin1(doc.meta["title"]))
        pdf.set_author(AUTHOR)
        pdf.set_subject(latin1(f"Illustratief voorbeelddocument ({doc.type}, {doc.meta['confidentiality']})"))
        pdf.set_keywords(", ".join(doc.meta["themes"]))
        pdf.set_creator("corpus_src/render.py")
        pdf.set_lang("nl")
        pdf.set_creation_date(fixed_timestamp(doc.date))
        self.pdf = pdf
        self._has_level0 = False

    # -- text primitives
    def rich(self, text: str, size: float | None = None, indent: float = 0.0) -> None:
        """Write a paragraph with inline bold; wrapped lines keep the indent."""
        pdf = self.pdf
        size = size or self.body_size
        left = pdf.l_margin
        pdf.set_left_margin(left + indent)
        pdf.set_x(left + indent)
        for run, bold in inline_runs(text):
            pdf.set_font("Helvetica", "B" if bold else "", size)
            pdf.write(self.line_h, latin1(run))
        pdf.ln(self.line_h)
        pdf.set_left_margin(left)
        pdf.set_x(left)

    def paragraph(self, text: str) -> None:
        self.rich(text)
        self.pdf.ln(2.2)

    def bullets(self, items: list[str]) -> None:
        pdf = self.pdf
        for item in items:
            if pdf.will_page_break(self.line_h):
                pdf.add_page()
            y = pdf.get_y()
            pdf.set_fill_color(*self.colors["accent"])
            pdf.ellipse(pdf.l_margin + 1.6, y + self.line_h / 2 - 0.7, 1.4, 1.4, style="F")
            self.rich(item, indent=6)
            pdf.ln(1.0)
        pdf.ln(1.6)

    def section(self, title: str, level: int) -> None:
        """Register a heading in the PDF outline (bookmarks)."""
        if level == 1 and not self._has_level0:
            level = 0
        if level == 0:
            self._has_level0 = True
        self.pdf.start_section(latin1(plain(title)), level=level)

    def heading(self, title: str, level: int, size: float) -> None:
        pdf = self.pdf
        if pdf.will_page_break(size * 0.5 + 22):  # keep a heading with its first lines
            pdf.add_page()
        pdf.ln(3 if level else 2)
        self.section(title, level)
        pdf.set_font("Helvetica", "B", size)
        pdf.set_text_color(*self.colors["accent"])
        pdf.multi_cell(0, size * 0.5, latin1(plain(title)), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2 if level else 3)

    def body_blocks(self, blocks: list[Block], chapter_on_new_page: bool) -> None:
        first_chapter = True
        for block in blocks:
            if block.kind == "h1":
                if chapter_on_new_page and not (first_chapter and self.page_is_fresh()):
                    self.pdf.add_page()
                first_chapter = False
                self.heading(block.text, 0, 16 if chapter_on_new_page else 13)
            elif block.kind == "h2":
                self.heading(block.text, 1, 12 if chapter_on_new_page else 11)
            elif block.kind == "para":
                self.paragraph(block.text)
            elif block.kind == "bullets":
                self.bullets(block.items)

    def page_is_fresh(self) -> bool:
        return self.pdf.get_y() <= self.pdf.t_margin + 0.5

    def output(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(self.pdf.output()))


def split_title(title: str) -> tuple[str, str]:
    if ":" in title:
        head, tail = title.split(":", 1)
        tail = tail.strip()
        return head.strip(), tail[:1].upper() + tail[1:]
    return title, ""


def render_report(doc: SourceDoc, path: Path) -> None:
    colors = COLORS["rapport"]
    if doc.meta.get("subtitle"):
        head, sub = doc.meta["title"], doc.meta["subtitle"]
    else:
        head, sub = split_title(doc.meta["title"])
    writer = PdfWriter(doc, colors, footer_left=f"{head} - illustratief voorbeelddocument")
    pdf = writer.pdf

    intro = []
    rest = []
    seen_chapter = False
    for block in doc.blocks:
        if block.kind == "title":
            continue
        if block.kind in ("h1", "h2"):
            seen_chapter = True  # the cover takes only the text before the first heading
        (rest if seen_chapter else intro).append(block)

    # cover page
    pdf.add_page()
    pdf.set_fill_color(*colors["accent"])
    pdf.rect(0, 0, pdf.w, 12, style="F")
    pdf.set_y(70)
    pdf.set_font("Helvetica", "B", 30)
    pdf.set_text_color(*colors["accent"])
    pdf.multi_cell(0, 13, latin1(head), new_x="LMARGIN", new_y="NEXT")
    if sub:
        pdf.ln(3)
        pdf.set_font("Helvetica", "", 15)
        pdf.set_text_color(60, 60, 60)
        pdf.multi_cell(0, 7.5, latin1(sub), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_draw_color(*colors["accent"])
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + 40, pdf.get_y())
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 12)
    pdf.set_text_color(0, 0, 0)
    pdf.cell(0, 7, latin1(f"Landelijk flexteam aanpak radicalisering - {date_nl(doc.date)}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 12)
    pdf.set_text_color(170, 30, 30)
    pdf.cell(0, 7, latin1(f"Illustratief voorbeelddocument - {doc.meta['confidentiality']}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    if intro:
        pdf.set_y(max(pdf.get_y() + 20, 200))
        for block in intro:
            if block.kind == "para":
                writer.rich(block.text, size=9.5)
                pdf.ln(1.5)
            elif block.kind == "bullets":
                writer.bullets(block.items)

    # table of contents
    entries = [b for b in rest if b.kind in ("h1", "h2")]
    toc_line = 6.0
    usable = pdf.h - pdf.t_margin - 22 - 20  # minus the "Inhoud" heading
    toc_pages = max(1, math.ceil(len(entries) * toc_line / usable))
    pdf.add_page()
    pdf.insert_toc_placeholder(_make_toc_renderer(colors, toc_line), pages=toc_pages)

    writer.body_blocks(rest, chapter_on_new_page=True)
    writer.output(path)


def _make_toc_renderer(colors: dict, line_h: float):
    def render_toc(pdf, outline) -> None:
        pdf.set_xy(pdf.l_margin, pdf.t_margin)
        pdf.set_font("Helvetica", "B", 18)
        pdf.set_text_color(*colors["accent"])
        pdf.cell(0, 10, "Inhoud", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        pdf.set_text_color(0, 0, 0)
        width = pdf.w - pdf.l_margin - pdf.r_margin
        for section in outline:
            indent = 0 if section.level == 0 else 8
            pdf.set_font("Helvetica", "B" if section.level == 0 else "", 10 if section.level else 10.5)
            link = pdf.add_link(page=section.page_number)
            pdf.set_x(pdf.l_margin + indent)
            pdf.cell(width - indent - 15, line_h, section.name, link=link)
            pdf.cell(15, line_h, str(section.page_number), align="R", link=link,
                     new_x="LMARGIN", new_y="NEXT")

    return render_toc


def render_factsheet(doc: SourceDoc, path: Path) -> None:
    colors = COLORS["factsheet"]
    writer = PdfWriter(doc, colors, footer_left=FACTSHEET_FOOTER)
    pdf = writer.pdf
    pdf.add_page()

    _, theme = split_title(doc.meta["title"])
    theme = theme or doc.meta["title"]
    pdf.set_fill_color(*colors["accent"])
    pdf.rect(0, 0, pdf.w, 46, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(pdf.l_margin, 11)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, "FACTSHEET", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 20)
    pdf.multi_cell(0, 9, latin1(theme), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    themes = ", ".join(doc.meta["themes"])
    pdf.cell(0, 6, latin1(f"Thema's: {themes}  |  {date_nl(doc.date)}  |  {doc.meta['confidentiality']}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(max(pdf.get_y() + 8, 54))

    blocks = [b for b in doc.blocks if b.kind != "title"]
    writer.body_blocks(blocks, chapter_on_new_page=False)
    pdf.ln(2)
    pdf.set_font("Helvetica", "I", 8)
    pdf.set_text_color(110, 110, 110)
    pdf.multi_cell(0, 4, latin1(
        "Illustratief voorbeelddocument, geschreven voor het project radassist; "
        "geen officiële publicatie."), new_x="LMARGIN", new_y="NEXT")
    writer.output(path)


# --------------------------------------------------------------------------- DOCX

def render_interview_docx(doc: SourceDoc, path: Path) -> None:
    import docx

    stamp = fixed_timestamp(doc.date).replace(tzinfo=None)
    document = docx.Document()
    props = document.core_properties
    props.title = doc.meta["title"]
    props.author = AUTHOR
    props.subject = "Illustratief voorbeelddocument (interview)"
    props.keywords = ", ".join(doc.meta["themes"])
    props.language = "nl-NL"
    props.category = doc.meta["confidentiality"]
    props.comments = "Illustratief voorbeelddocument, geschreven voor het project radassist."
    props.last_modified_by = "corpus_src/render.py"
    props.revision = 1
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp

    document.add_heading(doc.meta["title"], 0)
    meta_line = document.add_paragraph()
    meta_line.add_run(
        f"Regio: {doc.meta['region']} | Datum: {date_nl(doc.date)} | "
        f"Vertrouwelijkheid: {doc.meta['confidentiality']} | Illustratief voorbeelddocument"
    ).italic = True
    for block in doc.blocks:
        if block.kind == "title":
            continue
        if block.kind == "h1":
            document.add_heading(plain(block.text), 1)
        elif block.kind == "h2":
            document.add_heading(plain(block.text), 2)
        elif block.kind == "para":
            _add_rich_paragraph(document, block.text)
        elif block.kind == "bullets":
            for item in block.items:
                _add_rich_paragraph(document, item, style="List Bullet")

    buffer = io.BytesIO()
    document.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_normalise_zip(buffer.getvalue(), stamp))


def _add_rich_paragraph(document, text: str, style: str | None = None) -> None:
    paragraph = document.add_paragraph(style=style)
    for run, bold in inline_runs(text):
        paragraph.add_run(run).bold = bold or None


def _normalise_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """Rewrite a zip with fixed member timestamps so the bytes are reproducible."""
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            member.create_system = 0
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- catalog

def catalog_entries(docs: list[SourceDoc]) -> list[dict]:
    return [
        {
            "id": d.id,
            "file": d.out_relpath,
            "title": d.meta["title"],
            "type": d.type,
            "themes": list(d.meta["themes"]),
            "region": d.meta["region"],
            "date": d.date.isoformat(),
            "confidentiality": d.meta["confidentiality"],
        }
        for d in docs
    ]


CATALOG_HEADER = (
    "# Catalog of the ILLUSTRATIVE sample corpus, generated by corpus_src/render.py\n"
    "# from the front matter of corpus_src/**/*.md. Do not edit by hand: edit the sources\n"
    "# and re-render (make corpus). For real documents, see corpus/README.md.\n"
)


def write_catalog(docs: list[SourceDoc], out: Path) -> None:
    text = yaml.safe_dump(
        {"documents": catalog_entries(docs)}, sort_keys=False, allow_unicode=True, width=100
    )
    (out / "catalog.yaml").write_text(CATALOG_HEADER + text, encoding="utf-8")


# --------------------------------------------------------------------------- main

def render_one(doc: SourceDoc, out: Path) -> Path:
    target = out / doc.out_relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    if doc.type == "rapport":
        render_report(doc, target)
    elif doc.type == "factsheet":
        render_factsheet(doc, target)
    elif target.suffix == ".docx":
        render_interview_docx(doc, target)
    else:
        target.write_bytes(doc.path.read_bytes())
    return target


def remove_stale(out: Path, keep: set[str]) -> list[Path]:
    removed = []
    for folder in sorted(set(KIND_DIRS.values())):
        directory = out / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            rel = f"{folder}/{path.name}"
            if path.is_file() and OWNED_NAME.match(path.name) and rel not in keep:
                path.unlink()
                removed.append(path)
    return removed


def render_all(src: Path, out: Path, quiet: bool = False) -> list[SourceDoc]:
    docs = find_sources(src)
    out.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        try:
            target = render_one(doc, out)
        except Exception as exc:  # say which document failed, then stop
            raise RuntimeError(f"rendering {doc.path} failed: {exc}") from exc
        if not quiet:
            print(f"rendered {target.relative_to(out)}")
    for path in remove_stale(out, {d.out_relpath for d in docs}):
        if not quiet:
            print(f"removed stale {path.relative_to(out)}")
    write_catalog(docs, out)
    if not quiet:
        print(f"wrote catalog.yaml with {len(docs)} documents")
    return docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=SRC_DIR, help="source folder (default: corpus_src)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: corpus)")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    render_all(args.src, args.out, quiet=args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
