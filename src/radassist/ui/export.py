""""Gesprek downloaden": the conversation as a Markdown file, or as a PDF.

Each question appears as it was sent (redacted when it held personal data, and redacted once more
here, so nothing that was replaced can come back), each answer as shown, and per answer the numbered
sources with title, section, page and the quoted sentence, plus a link into the library.

The PDF is drawn with matplotlib's PDF backend, which the app already depends on: its bundled DejaVu
fonts cover every character of Dutch text (unlike the PDF core fonts), and with TrueType embedding
(`pdf.fonttype` 42) the text in the file stays selectable and searchable. Nothing here imports
matplotlib until a PDF is asked for.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Callable, Sequence

import streamlit as st

from radassist import privacy
from radassist.types import Chunk

from .answers import REFUSAL_TITLE, cited_sources
from .common import (
    ERROR_TEXT, Exchange, Run, backend_label, date_nl, passage_link_query, place, type_label,
)

EXPORT_TITLE = "Gesprek met radassist"
EXPORT_NOTE = (
    "De vragen staan hier zoals ze zijn verstuurd: persoonsgegevens zijn vervangen door aanduidingen "
    "als [NAAM] en [BSN]. Elk antwoord verwijst met [n] naar de genummerde bronnen eronder; lees de bron "
    "na voordat u een antwoord gebruikt. radassist geeft geen casusadvies."
)


@dataclass(frozen=True)
class Block:
    """One piece of the export: kind is title, meta, note, heading, question, label, text, source, quote or link."""

    kind: str
    text: str


def conversation_blocks(
    exchanges: Sequence[Exchange], when: dt.datetime, link: Callable[[Chunk], str] | None = None,
) -> list[Block]:
    """The conversation as a list of blocks, shared by the Markdown and the PDF rendering."""
    blocks = [
        Block("title", EXPORT_TITLE),
        Block("meta", f"Kennisbank aanpak radicalisering · gedownload op {date_nl(when.isoformat())}"),
        Block("note", EXPORT_NOTE),
    ]
    for n, ex in enumerate(exchanges, start=1):
        blocks.append(Block("heading", f"Vraag {n}"))
        blocks.append(Block("question", privacy.redact(ex.question)))
        if ex.filters_label:
            blocks.append(Block("meta", f"Gezocht in: alleen {ex.filters_label}"))
        answer = ex.answer
        if answer is None:
            blocks += [Block("label", "Geen antwoord"), Block("text", ex.error or ERROR_TEXT)]
            continue
        if answer.refused:
            blocks += [Block("label", REFUSAL_TITLE), Block("text", answer.answer)]
            if answer.passages:
                blocks.append(Block("label", "Dichtstbijzijnde passages"))
            for passage in answer.passages:
                blocks += _source_blocks(f"{passage.rank}.", passage.chunk, [], link)
        else:
            blocks += [Block("label", "Antwoord"), Block("text", answer.answer)]
            sources = cited_sources(answer)
            if sources:
                blocks.append(Block("label", "Bronnen"))
            for marker, passage, quotes in sources:
                blocks += _source_blocks(f"[{marker}]", passage.chunk, quotes, link)
        if answer.notice:
            blocks.append(Block("note", answer.notice))
        blocks.append(Block("meta", f"Antwoord: {backend_label(answer.backend)}"))
    return blocks


def _source_blocks(badge: str, chunk: Chunk, quotes: list[str], link: Callable[[Chunk], str] | None) -> list[Block]:
    where = ", ".join(x for x in (type_label(chunk.type), place(chunk).replace(" · ", ", ")) if x)
    blocks = [Block("source", f"{badge} {chunk.title or chunk.doc_id} — {where}")]
    blocks += [Block("quote", " ".join(quote.split())) for quote in quotes]
    if link is not None:
        blocks.append(Block("link", link(chunk)))
    return blocks


# ----------------------------------------------------------------------------- Markdown

_MD_INLINE = re.compile(r"([\\`*_<~])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.MULTILINE)


def _md(text: str) -> str:
    """Plain text that stays plain in a Markdown viewer: no emphasis, code, HTML, headings or lists."""
    text = _MD_INLINE.sub(r"\\\1", text.replace("\r", ""))
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def to_markdown(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        text = block.text
        if block.kind == "title":
            out.append(f"# {_md(text)}")
        elif block.kind == "heading":
            out.append(f"## {_md(text)}")
        elif block.kind == "question":
            out.append("\n".join(f"> {_md(line)}" if line.strip() else ">" for line in text.splitlines()))
        elif block.kind == "label":
            out.append(f"**{_md(text)}**")
        elif block.kind in ("meta", "note"):
            out.append(f"*{_md(text)}*")
        elif block.kind == "source":
            badge, _, rest = text.partition(" ")  # our own "[n]" or "n.": no escaping needed inside **
            out.append(f"**{badge}** {_md(rest)}")
        elif block.kind == "quote":
            out.append(f"> “{_md(text)}”")
        elif block.kind == "link":
            out.append(f"Link: <{text}>")
        else:
            out.append(_md(text))
    return "\n\n".join(out) + "\n"


# ----------------------------------------------------------------------------- PDF

PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MARGIN = 56.7  # 2 cm
# kind: (font, size, colour, indent, space before)
_PDF_STYLE = {
    "title": ("bold", 16.0, "#17507a", 0.0, 0.0),
    "meta": ("regular", 8.5, "#56636f", 0.0, 3.0),
    "note": ("oblique", 8.5, "#56636f", 0.0, 5.0),
    "heading": ("bold", 12.5, "#1b2733", 0.0, 16.0),
    "question": ("bold", 10.5, "#17507a", 10.0, 4.0),
    "label": ("bold", 9.0, "#4f5d6b", 0.0, 8.0),
    "text": ("regular", 10.0, "#1b2733", 0.0, 3.0),
    "source": ("bold", 9.0, "#1b2733", 0.0, 6.0),
    "quote": ("oblique", 9.0, "#3d4a56", 14.0, 2.0),
    "link": ("regular", 7.5, "#17507a", 14.0, 1.5),
}
_FONT_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf", "oblique": "DejaVuSans-Oblique.ttf"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class _Measure:
    """Text widths in points for one font file (FreeType through matplotlib), cached per word."""

    def __init__(self, path: str) -> None:
        from matplotlib.ft2font import FT2Font

        self.font = FT2Font(path)
        self.cache: dict[tuple[str, float], float] = {}

    def width(self, text: str, size: float) -> float:
        key = (text, size)
        if key not in self.cache:
            self.font.set_size(size, 72)
            self.font.set_text(text, 0.0)
            self.cache[key] = self.font.get_width_height()[0] / 64.0
        return self.cache[key]


def _wrap(text: str, measure: _Measure, size: float, width: float) -> list[str]:
    """Greedy word wrap by measured width; a word longer than a line (a URL) is cut by characters."""
    lines: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        words = paragraph.split()
        line, line_w = "", 0.0
        space = measure.width(" ", size)
        for word in words:
            w = measure.width(word, size)
            while w > width:  # cut an over-long word
                cut = len(word)
                while cut > 1 and measure.width(word[:cut], size) > width:
                    cut = max(1, int(cut * 0.85))
                if line:
                    lines.append(line)
                    line, line_w = "", 0.0
                lines.append(word[:cut])
                word = word[cut:]
                w = measure.width(word, size)
            if line and line_w + space + w > width:
                lines.append(line)
                line, line_w = word, w
            else:
                line, line_w = (f"{line} {word}", line_w + space + w) if line else (word, w)
        if line:
            lines.append(line)
    return lines or [""]


def to_pdf(blocks: Sequence[Block]) -> bytes:
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D

    font_dir = f"{matplotlib.get_data_path()}/fonts/ttf"
    paths = {name: f"{font_dir}/{file}" for name, file in _FONT_FILES.items()}
    measures = {name: _Measure(path) for name, path in paths.items()}
    buffer = io.BytesIO()
    figures: list = []

    def new_page():
        fig = Figure(figsize=(PAGE_W / 72, PAGE_H / 72))
        figures.append(fig)
        fig.text(MARGIN / PAGE_W, (MARGIN * 0.55) / PAGE_H, f"radassist · gesprek · pagina {len(figures)}",
                 fontproperties=FontProperties(fname=paths["regular"], size=7.0), color="#8a96a3",
                 parse_math=False)
        return fig

    fig, y = new_page(), PAGE_H - MARGIN
    for block in blocks:
        font, size, colour, indent, before = _PDF_STYLE.get(block.kind, _PDF_STYLE["text"])
        text = _CONTROL.sub(" ", block.text.replace("\t", " "))
        if block.kind == "quote":
            text = f"“{text}”"
        props = FontProperties(fname=paths[font], size=size)
        lines = _wrap(text, measures[font], size, PAGE_W - 2 * MARGIN - indent)
        step = size * 1.38
        y -= before
        if block.kind in ("heading", "label", "source") and y - step * 4 < MARGIN:
            fig, y = new_page(), PAGE_H - MARGIN  # keep a heading with what follows it
        drawn: list[tuple[object, float]] = []
        for line in lines:
            if y - step < MARGIN:
                fig, y = new_page(), PAGE_H - MARGIN
            y -= step
            fig.text((MARGIN + indent) / PAGE_W, y / PAGE_H, line, fontproperties=props, color=colour,
                     parse_math=False)
            drawn.append((fig, y))
        if block.kind == "question":  # a bar beside the question, as in the chat
            for page in {id(f): f for f, _y in drawn}.values():
                ys = [baseline for f, baseline in drawn if f is page]
                page.add_artist(Line2D([(MARGIN + 3) / PAGE_W] * 2,
                                       [(min(ys) - size * 0.3) / PAGE_H, (max(ys) + size * 0.9) / PAGE_H],
                                       color="#17507a", linewidth=2.0))
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        with PdfPages(buffer, metadata={"Title": EXPORT_TITLE, "Creator": "radassist"}) as pdf:
            for figure in figures:
                pdf.savefig(figure)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- the download buttons

def render_downloads(run: Run, exchanges: Sequence[Exchange]) -> None:
    """Both downloads under the conversation (once something was answered); files are made on the click."""
    snapshot = list(exchanges)
    if not any(ex.answer is not None for ex in snapshot):
        return
    link = (lambda chunk: run.link(passage_link_query(chunk))) if run.base_url else None
    stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M")

    def blocks() -> list[Block]:
        return conversation_blocks(snapshot, dt.datetime.now().astimezone(), link)

    with st.container(horizontal=True, gap="small"):
        st.download_button(
            "Gesprek downloaden (Markdown)", data=lambda: to_markdown(blocks()).encode("utf-8"),
            file_name=f"radassist-gesprek-{stamp}.md", mime="text/markdown", icon=":material/download:",
            on_click="ignore", key="download-conversation-md",
            help="Vragen (zoals verstuurd), antwoorden en genummerde bronnen met citaat, als tekstbestand.",
        )
        st.download_button(
            "Gesprek downloaden (PDF)", data=lambda: to_pdf(blocks()),
            file_name=f"radassist-gesprek-{stamp}.pdf", mime="application/pdf", icon=":material/picture_as_pdf:",
            on_click="ignore", key="download-conversation-pdf",
            help="Hetzelfde gesprek als PDF om te bewaren of af te drukken.",
        )
