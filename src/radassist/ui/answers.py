"""Rendering one exchange: the question, the answer with linked markers, its sources, what verification
removed, and the feedback controls. Everything shown comes from the engine's `Answer` object; answer
text is never re-parsed for anything but turning its `[n]` markers into links.
"""

from __future__ import annotations

import html
import logging
import re

import streamlit as st

from radassist.feedback import FeedbackStore
from radassist.types import Answer, Chunk, Passage, SentenceVerdict

from .common import ERROR_TEXT, Exchange, Run, backend_label, esc, md_escape, seconds_nl, source_meta
from .source import source_dialog

log = logging.getLogger("radassist.ui")

REFUSAL_TITLE = "Geen antwoord in de kennisbank"
SNIPPET_CHARS = 220
REMOVED_FALLBACK_REASON = "niet gedekt door de bronnen"

_MARKER = re.compile(r"\[(\d+)\]")


def cited_sources(answer: Answer) -> list[tuple[int, Passage, list[str]]]:
    """(marker, passage, quotes) per marker, in marker order; one marker may carry several quotes."""
    found: dict[int, tuple[Passage, list[str]]] = {}
    for citation in answer.citations:
        passage, quotes = found.setdefault(citation.marker, (citation.passage, []))
        if citation.quote and citation.quote not in quotes:
            quotes.append(citation.quote)
    return [(marker, passage, quotes) for marker, (passage, quotes) in sorted(found.items())]


def removed_sentences(answer: Answer) -> list[SentenceVerdict]:
    """Sentences of the language model that citation verification did not keep."""
    return [v for v in answer.verdicts if not v.kept]


def _anchor(exchange_id: int, marker: int) -> str:
    return f"ra-src-{exchange_id}-{marker}"


def answer_html(answer: Answer, exchange_id: int) -> str:
    """The answer text escaped, with each cited [n] turned into a marker that links to source n below."""
    titles = {marker: passage.chunk.title for marker, passage, _q in cited_sources(answer)}
    pieces: list[str] = []
    position = 0
    for match in _MARKER.finditer(answer.answer):
        pieces.append(esc(answer.answer[position:match.start()]))
        marker = int(match.group(1))
        if marker in titles:
            title = html.escape(titles[marker], quote=True)
            pieces.append(
                f'<a class="ra-cite" href="#{_anchor(exchange_id, marker)}" title="Bron {marker}: {title}" '
                f'aria-label="Bron {marker}: {title}">{marker}</a>'
            )
        else:
            pieces.append(esc(match.group()))
        position = match.end()
    pieces.append(esc(answer.answer[position:]))
    return f'<div class="ra-answer">{"".join(pieces)}</div>'


def removed_html(verdicts: list[SentenceVerdict]) -> str:
    """One compact line per removed sentence: why, then the sentence itself (both escaped)."""
    return "".join(
        f'<div class="ra-removed"><span class="ra-removed-why">verwijderd: '
        f'{esc(v.reason.strip() or REMOVED_FALLBACK_REASON)}</span>'
        f'<span class="ra-removed-text">{esc(v.text)}</span></div>'
        for v in verdicts
    )


def _source_line_html(badge: str, chunk: Chunk, anchor: str = "", snippet: str = "") -> str:
    anchor_attr = f' id="{anchor}"' if anchor else ""
    snippet_html = f'<span class="ra-snippet">{esc(snippet)}</span>' if snippet else ""
    return (
        f'<div class="ra-src"{anchor_attr}>{badge}<div class="ra-src-body">'
        f'<span class="ra-src-title">{esc(chunk.title or chunk.doc_id)}</span>'
        f'<span class="ra-src-meta">{esc(source_meta(chunk))}</span>{snippet_html}</div></div>'
    )


def snippet(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= SNIPPET_CHARS:
        return flat
    return flat[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"


def _source_row(run: Run, key: str, line_html: str, passage: Passage, quotes: list[str]) -> None:
    text_col, button_col = st.columns([5, 1.3], vertical_alignment="center", gap="small")
    text_col.markdown(line_html, unsafe_allow_html=True)
    if button_col.button("Bekijk bron", key=key, icon=":material/visibility:", type="tertiary",
                         help=f"Open de passage uit “{md_escape(passage.chunk.title)}” met de tekst eromheen"):
        source_dialog(run.engine, passage, quotes, run)


def _render_sources(run: Run, ex: Exchange) -> None:
    sources = cited_sources(ex.answer)
    if not sources:
        return
    with st.container(border=True, gap="small"):
        st.markdown('<div class="ra-sources-title">Bronnen</div>', unsafe_allow_html=True)
        for marker, passage, quotes in sources:
            badge = f'<span class="ra-cite">{marker}</span>'
            line = _source_line_html(badge, passage.chunk, anchor=_anchor(ex.id, marker))
            _source_row(run, f"src-{ex.id}-{marker}", line, passage, quotes)


def _render_refusal(run: Run, ex: Exchange) -> None:
    answer = ex.answer
    st.info(f"**{REFUSAL_TITLE}**\n\n{md_escape(answer.answer)}", icon=":material/search_off:")
    if not answer.passages:
        return
    with st.container(border=True, gap="small"):
        st.markdown('<div class="ra-sources-title">Dichtstbijzijnde passages</div>', unsafe_allow_html=True)
        for passage in answer.passages:
            badge = f'<span class="ra-cite ra-rank">{passage.rank}</span>'
            line = _source_line_html(badge, passage.chunk, snippet=snippet(passage.chunk.text))
            _source_row(run, f"near-{ex.id}-{passage.rank}", line, passage, [])


def _render_removed(ex: Exchange) -> None:
    removed = removed_sentences(ex.answer)
    if not removed:
        return
    label = f"Weggelaten zinnen van het taalmodel ({len(removed)})"
    with st.expander(label, icon=":material/content_cut:"):
        st.markdown(removed_html(removed), unsafe_allow_html=True)


def render_answer(run: Run, ex: Exchange) -> None:
    if ex.error or ex.answer is None:
        st.error(ex.error or ERROR_TEXT, icon=":material/error:")
        return
    answer = ex.answer
    if answer.refused:
        _render_refusal(run, ex)
    else:
        st.markdown(answer_html(answer, ex.id), unsafe_allow_html=True)
        _render_sources(run, ex)
    if answer.notice:
        st.caption(f":material/info: {md_escape(answer.notice)}")
    _render_removed(ex)
    took = answer.timings_ms.get("retrieve", 0.0) + answer.timings_ms.get("answer", 0.0)
    details = [f"Antwoord: {backend_label(answer.backend)}", seconds_nl(took)]
    if ex.filters_label:
        details.append(f"alleen {ex.filters_label}")
    st.caption(md_escape(" · ".join(details)))
    _render_feedback(ex, run.store_path)


def question_html(question: str) -> str:
    return f'<div class="ra-question">{esc(question)}</div>'


def render_exchange(run: Run, ex: Exchange) -> None:
    with st.chat_message("user", avatar=":material/person:"):
        st.markdown(question_html(ex.question), unsafe_allow_html=True)
    with st.chat_message("assistant", avatar=":material/menu_book:"):
        render_answer(run, ex)


# ----------------------------------------------------------------------------- feedback

def _exchange(exchange_id: int) -> Exchange | None:
    return next((ex for ex in st.session_state.exchanges if ex.id == exchange_id), None)


def _save_feedback(exchange_id: int, store_path: str) -> None:
    """Callback for the thumbs, the checkbox and the comment: one row per answer, updated on each change."""
    ex = _exchange(exchange_id)
    if ex is None or ex.answer is None:
        return
    thumbs = st.session_state.get(f"fb-rating-{exchange_id}")
    flag = bool(st.session_state.get(f"fb-flag-{exchange_id}"))
    comment = st.session_state.get(f"fb-comment-{exchange_id}") or ""
    rating = {1: 1, 0: -1}.get(thumbs)
    if rating is None and flag:
        rating = -1  # a wrong source is a negative judgement even without a thumb
    store = FeedbackStore(store_path)
    try:
        if ex.feedback_id is None:
            if rating is None and not comment.strip():
                return
            ex.feedback_id = store.add(
                session=st.session_state.session_id,
                question=ex.question,
                answer=ex.answer.answer,
                doc_ids=[c.passage.chunk.doc_id for c in ex.answer.citations],
                chunk_ids=[c.passage.chunk.id for c in ex.answer.citations],
                rating=rating,
                flag_source_wrong=flag,
                comment=comment,
            )
        else:
            store.update(ex.feedback_id, rating=rating, flag_source_wrong=flag, comment=comment)
    except Exception as exc:  # sqlite errors, a full disk: never break the chat over feedback
        log.warning("feedback not stored: %s", type(exc).__name__)
        st.toast("Uw feedback kon niet worden opgeslagen.", icon=":material/error:")


def _render_feedback(ex: Exchange, store_path: str) -> None:
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        st.feedback("thumbs", key=f"fb-rating-{ex.id}", on_change=_save_feedback, args=(ex.id, store_path))
        st.checkbox("Bron klopt niet", key=f"fb-flag-{ex.id}", on_change=_save_feedback, args=(ex.id, store_path),
                    help="Het antwoord verwijst naar een passage die er niet bij past.")
        if ex.feedback_id is not None:
            st.caption(":material/check: Dank u, uw feedback is opgeslagen.")
    if ex.feedback_id is not None:
        st.text_input(
            "Toelichting (optioneel)", key=f"fb-comment-{ex.id}", on_change=_save_feedback,
            args=(ex.id, store_path), max_chars=500,
            placeholder="Wat klopt er niet of wat mist u? Noem geen personen. Enter slaat op.",
        )
