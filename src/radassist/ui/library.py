"""The library page ("Kennisbank"): every document the user's role may read, and one document in full.

The list comes from `Engine.visible_documents(role)`, which applies the same confidentiality levels
as retrieval, so a document the role may not see is never listed, counted, offered as a filter value
or opened, not even by a link. A document opens by its query parameters
(`kennisbank?document=ID&sectie=...&pagina=N`): that URL is the deep link a professional can mail to
a colleague, and it is checked against the colleague's own role when it is opened.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

import streamlit as st

from radassist.retrieve import Filters
from radassist.types import DocMeta, Document

from .common import (
    LINK_DOCUMENT, LINK_PAGE, LINK_SECTION, NOT_FOUND_TEXT, TYPE_GROUPS, Run, day_nl, esc, filters_label,
    md_escape, theme_label, type_label,
)
from .source import download_original

log = logging.getLogger("radassist.ui")

LIBRARY_TITLE = "Kennisbank"


@dataclass
class Segment:
    """A stretch of a document's text under one section path (the first may have no section)."""

    number: int
    start: int
    end: int
    section: str
    page: int | None

    @property
    def depth(self) -> int:
        return self.section.count(" > ") + 1 if self.section else 1

    @property
    def heading(self) -> str:
        return self.section.rsplit(" > ", 1)[-1] if self.section else ""


def segments(doc: Document) -> list[Segment]:
    """The document cut at its section starts, in text order, empty stretches left out."""
    starts = sorted({(max(0, start), section) for start, section in doc.sections})
    if not starts or starts[0][0] > 0:
        starts.insert(0, (0, ""))
    found: list[Segment] = []
    for i, (start, section) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(doc.text)
        if end > start and doc.text[start:end].strip():
            found.append(Segment(len(found), start, end, section, doc.page_at(start)))
    return found


def _body(doc: Document, segment: Segment) -> tuple[int, str]:
    """The segment's text without its own heading line (shown as the heading), and where it starts."""
    start, text = segment.start, doc.text[segment.start:segment.end]
    first, newline, rest = text.lstrip().partition("\n")
    if segment.heading and newline and first.strip() == segment.heading.strip():
        start = segment.end - len(rest)
        text = rest
    return start, text


def _text_html(doc: Document, start: int, end: int) -> str:
    """Text from `start` to `end`, escaped, with a page marker where a new page begins."""
    pieces, position = [], start
    for offset, page in doc.pages:
        if start < offset < end:
            pieces.append(esc(doc.text[position:offset]))
            pieces.append(f'<span class="ra-page">pagina {page}</span> ')
            position = offset
    pieces.append(esc(doc.text[position:end].strip("\n")))
    return "".join(pieces).strip()


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def matches(meta: DocMeta, filters: Filters, title_query: str) -> bool:
    """The sidebar's filters, as retrieval applies them, plus every word of the title query."""
    if filters.types and meta.type not in filters.types:
        return False
    if filters.themes and not set(filters.themes) & set(meta.themes):
        return False
    if filters.regions and meta.region not in filters.regions:
        return False
    title = _normalise(meta.title)
    return all(word in title for word in _normalise(title_query).split())


def _meta_line(meta: DocMeta) -> str:
    parts = [day_nl(meta.date), meta.region, ", ".join(theme_label(t) for t in meta.themes)]
    line = esc(" · ".join(p for p in parts if p))
    if meta.confidentiality != "openbaar":
        line += f'<span class="ra-badge">{esc(meta.confidentiality)}</span>'
    return line


# ----------------------------------------------------------------------------- callbacks

def _open(doc_id: str) -> None:
    st.query_params.from_dict({LINK_DOCUMENT: doc_id})


def _back() -> None:
    st.query_params.clear()


# ----------------------------------------------------------------------------- the page

def page(run: Run) -> None:
    doc_id = st.query_params.get(LINK_DOCUMENT)
    if doc_id:
        _document_view(run, doc_id)
    else:
        _catalog(run)


def _catalog(run: Run) -> None:
    st.title(LIBRARY_TITLE)
    documents = run.documents
    st.markdown(
        f"Alle **{len(documents)} documenten** die u mag inzien: lees een factsheet of interview van begin "
        "tot eind, of stel er een vraag over."
    )
    query = st.text_input("Zoek op titel", key="library_title", max_chars=200,
                          placeholder="bijvoorbeeld privacy, nazorg of procesregisseur")
    shown = [d for d in documents if matches(d.meta, run.filters, query)]
    chosen = filters_label(run.filters)
    if chosen:
        st.caption(f"Alleen {md_escape(chosen)} (filters in de zijbalk).")
    if not shown:
        st.info("Geen documenten gevonden met deze zoekterm en filters.", icon=":material/search_off:")
        return
    groups = list(TYPE_GROUPS) + sorted({d.meta.type for d in shown} - set(TYPE_GROUPS))
    for kind in groups:
        group = sorted((d for d in shown if d.meta.type == kind), key=lambda d: d.meta.id)
        if not group:
            continue
        st.subheader(f"{TYPE_GROUPS.get(kind, type_label(kind))} ({len(group)})")
        for doc in group:
            with st.container(gap=None, key=f"lib-item-{doc.meta.id}"):
                st.button(md_escape(doc.meta.title), key=f"open-{doc.meta.id}", type="tertiary", on_click=_open,
                          args=(doc.meta.id,), help="Open het document")
                st.markdown(f'<span class="ra-lib-meta">{_meta_line(doc.meta)}</span>', unsafe_allow_html=True)


def _document_view(run: Run, doc_id: str) -> None:
    doc = run.engine.visible_document(doc_id, run.user.role)  # checked again for every opening of a link
    if doc is None:
        log.warning("library: document not shown (unknown, or not visible to role %s)", run.user.role)
        st.title(LIBRARY_TITLE)
        st.warning(NOT_FOUND_TEXT, icon=":material/lock:")
        st.button("Naar het overzicht", icon=":material/arrow_back:", on_click=_back, key="lib-back")
        return
    meta = doc.meta
    st.button("Kennisbank", icon=":material/arrow_back:", on_click=_back, key="lib-back", type="tertiary",
              help="Terug naar het overzicht van alle documenten")
    st.markdown(f'<div class="ra-page-title" role="heading" aria-level="1">{esc(meta.title)}</div>'
                f'<div class="ra-src-meta">{esc(type_label(meta.type))} · {_meta_line(meta)}</div>',
                unsafe_allow_html=True)
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        if st.button("Stel een vraag over dit document", type="primary", icon=":material/forum:", key="ask-about"):
            st.session_state.doc_filter = meta.id
            st.switch_page(run.pages["chat"])
        download_original(run.index.source_file(meta.id), f"lib-download-{meta.id}")

    parts = segments(doc)
    target = _linked_segment(doc, parts)
    if target is not None:
        _render_linked(doc, target)
    _render_toc(parts, expanded=target is None)
    st.markdown(_document_html(doc, parts, target), unsafe_allow_html=True)


# ----------------------------------------------------------------------------- one document

def _linked_segment(doc: Document, parts: list[Segment]) -> tuple[Segment, int | None] | None:
    """The segment a deep link points at (by section, else by page) and the page it names."""
    section = (st.query_params.get(LINK_SECTION) or "").strip()
    page_text = (st.query_params.get(LINK_PAGE) or "").strip()
    page = int(page_text) if page_text.isdigit() else None
    if not section and page is None:
        return None
    by_section = next((s for s in parts if section and s.section == section), None)
    if by_section is not None:
        return by_section, page
    page_start = next((offset for offset, number in doc.pages if number == page), None)
    if page_start is not None:
        containing = [s for s in parts if s.start <= page_start]
        if containing:
            return containing[-1], page
    st.info("De plek uit de link is niet (meer) in dit document gevonden; hieronder staat het hele document.",
            icon=":material/link_off:")
    return None


def _render_linked(doc: Document, target: tuple[Segment, int | None]) -> None:
    segment, page = target
    where = [segment.section or "begin van het document"]
    if page:
        where.append(f"pagina {page}")
    start, _text = _body(doc, segment)
    st.markdown(
        f'<div class="ra-label">U opende een link naar: {esc(" · ".join(where))}</div>'
        f'<div class="ra-linked">{_text_html(doc, start, segment.end)}</div>'
        f'<a href="#ra-sec-{segment.number}">Naar deze plek in het hele document</a>',
        unsafe_allow_html=True,
    )


def _render_toc(parts: list[Segment], expanded: bool) -> None:
    entries = [s for s in parts if s.section]
    if len(entries) < 2:
        return
    items = "".join(
        f'<li class="ra-depth-{min(s.depth, 3)}"><a href="#ra-sec-{s.number}">{esc(s.heading)}</a>'
        + (f' <span class="ra-toc-page">p. {s.page}</span>' if s.page else "") + "</li>"
        for s in entries
    )
    with st.expander("Inhoud", expanded=expanded and len(entries) <= 20, icon=":material/toc:"):
        st.markdown(f'<nav class="ra-toc" aria-label="Inhoud"><ol>{items}</ol></nav>', unsafe_allow_html=True)


def _document_html(doc: Document, parts: list[Segment], target: tuple[Segment, int | None] | None) -> str:
    linked = target[0].number if target else None
    html_parts, shown_page = [], None
    for segment in parts:
        start, _text = _body(doc, segment)
        heading = ""
        if segment.heading:
            depth = min(segment.depth, 3)
            heading = (f'<div class="ra-sec-title ra-depth-{depth}" role="heading" aria-level="{depth + 1}">'
                       f"{esc(segment.heading)}</div>")
        page = ""
        if segment.page and segment.page != shown_page:  # a page number where it changes, not on every section
            page = f'<span class="ra-page">pagina {segment.page}</span><br>'
        inner_pages = [number for offset, number in doc.pages if segment.start < offset < segment.end]
        shown_page = inner_pages[-1] if inner_pages else (segment.page or shown_page)
        css = "ra-sec ra-target" if segment.number == linked else "ra-sec"
        html_parts.append(f'<section class="{css}" id="ra-sec-{segment.number}">{heading}{page}'
                          f"{_text_html(doc, start, segment.end)}</section>")
    return f'<div class="ra-doc">{"".join(html_parts)}</div>'
