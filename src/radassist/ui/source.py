"""The source viewer: one passage in a side panel, its quote highlighted, the text around it, the file.

Opened from "Bekijk bron" under an answer. It checks the user's role again before it shows anything,
and offers a link to the same place in the library that a colleague with access can open.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import streamlit as st

from radassist.engine import Engine
from radassist.types import Passage

from .common import (
    NO_ACCESS_SOURCE_TEXT, allowed_levels, document_allowed, esc, md_escape, passage_link_query, type_label,
)

log = logging.getLogger("radassist.ui")

CONTEXT_CHARS = 600  # surrounding text shown before and after a passage in the source panel


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where `quote` sits in `text`, tolerant of differences in whitespace and a trailing period."""
    quote = quote.strip().rstrip(".").strip()
    if not quote:
        return None
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    pattern = r"\s+".join(re.escape(word) for word in quote.split())
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None


def marked_html(text: str, quotes: list[str]) -> str:
    """`text` escaped, with every quote found in it wrapped in <mark>."""
    ranges = sorted(r for r in (find_quote(text, q) for q in quotes) if r)
    pieces: list[str] = []
    position = 0
    for start, end in ranges:
        if start < position:  # overlapping quotes: extend the mark already open
            start = position
            if end <= start:
                continue
        pieces.append(esc(text[position:start]))
        pieces.append(f'<mark class="ra-quote">{esc(text[start:end])}</mark>')
        position = end
    pieces.append(esc(text[position:]))
    return "".join(pieces)


def surrounding(doc_text: str, start: int, end: int) -> tuple[str, str]:
    """Text before and after a passage, cut at word boundaries."""
    before = doc_text[max(0, start - CONTEXT_CHARS):start]
    after = doc_text[end:end + CONTEXT_CHARS]
    if start > CONTEXT_CHARS and " " in before:
        before = "… " + before.split(" ", 1)[1]
    if end + CONTEXT_CHARS < len(doc_text) and " " in after:
        after = after.rsplit(" ", 1)[0] + " …"
    return before, after


@st.dialog("Bron", width="medium", position="right")
def source_dialog(engine: Engine, passage: Passage, quotes: list[str], run: Any = None) -> None:
    """The passage panel. `run` (common.Run) adds the link into the library; without it there is none."""
    chunk = passage.chunk
    try:
        allowed = document_allowed(engine, chunk, allowed_levels(engine))
    except Exception as exc:
        log.warning("access to source not checked: %s", type(exc).__name__)
        allowed = False
    if not allowed:
        log.warning("source %s refused: not visible to this role", chunk.doc_id)
        st.warning(NO_ACCESS_SOURCE_TEXT, icon=":material/lock:")
        return
    try:
        document = engine.index.document(chunk.doc_id)
        source_file = engine.index.source_file(chunk.doc_id)
    except Exception as exc:
        log.warning("source not loaded: %s", type(exc).__name__)
        document, source_file = None, None
    meta = [type_label(chunk.type)]
    meta += [x for x in (chunk.region, chunk.date) if x]
    if chunk.confidentiality != "openbaar":
        meta.append(chunk.confidentiality)
    where = [f"<b>Vindplaats:</b> {esc(chunk.section or 'begin van het document')}"]
    if chunk.page:
        where.append(f"pagina {chunk.page}")
    where.append(f"bestand {esc(chunk.path)}")
    st.markdown(
        f'<div class="ra-doc-title">{esc(chunk.title or chunk.doc_id)}</div>'
        f'<div class="ra-src-meta">{esc(" · ".join(meta))}</div>'
        f'<div class="ra-where">{" · ".join(where)}</div>',
        unsafe_allow_html=True,
    )
    if quotes:
        st.caption("Geel gemarkeerd: waarop het antwoord steunt. Grijs: de tekst ervoor en erna in het document.")
    before, after = ("", "")
    if document is not None and document.text[chunk.start:chunk.end].strip() == chunk.text.strip():
        before, after = surrounding(document.text, chunk.start, chunk.end)
    st.markdown(
        '<div class="ra-context">'
        f'<span class="ra-before">{esc(before)}</span>'
        f'<div class="ra-passage">{marked_html(chunk.text, quotes)}</div>'
        f'<span class="ra-after">{esc(after)}</span>'
        "</div>",
        unsafe_allow_html=True,
    )
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        download_original(source_file, f"download-{chunk.id}")
        if run is not None and run.pages.get("library") is not None:
            st.page_link(run.pages["library"], label="Open in de kennisbank", icon=":material/menu_book:",
                         query_params=passage_link_query(chunk))
    if run is not None:
        st.markdown('<div class="ra-label">Link naar deze passage</div>', unsafe_allow_html=True)
        st.code(run.link(passage_link_query(chunk)), language=None, wrap_lines=True)
        st.caption("Alleen wie toegang heeft tot dit document kan de link openen.")


def download_original(source_file, key: str) -> None:
    """A download of the original file, read only when the user clicks; a note when it is gone."""
    if source_file is None or not source_file.is_file():
        st.caption("Het originele bestand is niet (meer) beschikbaar in de documentmap.")
        return

    def data() -> bytes:
        return source_file.read_bytes()

    st.download_button(
        f"Download het originele bestand ({md_escape(source_file.suffix.lstrip('.').upper())})",
        data=data, file_name=source_file.name, icon=":material/download:", on_click="ignore", key=key,
    )
