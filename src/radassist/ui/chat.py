"""The chat page: welcome and example questions, the conversation, a new question (streamed), the
personal-data check before asking, and the conversation download.

A question is asked through `Engine.ask_stream` with the user's role and the sidebar's filters (or
the one document chosen in the library); the page only renders the `Answer` that comes back.
"""

from __future__ import annotations

import logging
from typing import Iterator

import streamlit as st

from radassist import privacy
from radassist.conversation import Turn
from radassist.engine import MAX_QUESTION_CHARS, AskContext
from radassist.retrieve import Filters

from . import export
from .answers import question_html, render_answer, render_exchange
from .common import (
    APP_HEADING, ERROR_TEXT, Exchange, Run, answer_allowed, date_nl, esc, filters_label, md_escape,
    new_conversation, own_exchanges,
)

log = logging.getLogger("radassist.ui")

EXAMPLE_QUESTIONS = (
    "Wat doet een procesregisseur in het casusoverleg?",
    "Welke vier fasen heeft de persoonsgerichte aanpak?",
    "Hoe lang blijft een casus in de monitorfase?",
    "Wat leer je in module 3 over gegevensdeling?",
    "Wat zijn de geleerde lessen over weegploegen?",
)
NO_ACCESS_ANSWER_TEXT = (
    "Dit antwoord kan niet worden getoond: het steunt op documenten die niet bij uw rol horen. "
    "Neem contact op met de beheerder als u denkt dat dit niet klopt."
)
CHAT_PLACEHOLDER = "Stel uw vraag over de aanpak van radicalisering…"


# ----------------------------------------------------------------------------- callbacks

def _queue(question: str, checked: bool = False) -> None:
    """Callback: ask `question` in this run (`checked`: it was already screened for personal data)."""
    st.session_state.queued = (question, checked)


def _send_redacted() -> None:
    pending = st.session_state.pending
    st.session_state.pending = None
    if pending:
        _queue(privacy.redact(pending["text"], pending["spans"]), checked=True)


def _cancel_pending() -> None:
    st.session_state.pending = None


def _clear_doc_filter() -> None:
    st.session_state.doc_filter = None


# ----------------------------------------------------------------------------- the page

def page(run: Run) -> None:
    document = _chosen_document(run)
    filters = run.filters
    if document is not None:  # "Stel een vraag over dit document": that document only, whatever else is chosen
        filters = Filters(doc_ids=[document.meta.id])
    _sidebar(run, document)

    typed = st.chat_input(CHAT_PLACEHOLDER, max_chars=MAX_QUESTION_CHARS, key="chat_question")
    queued, st.session_state.queued = st.session_state.queued, None
    question, checked = (typed, False) if typed else (queued or (None, False))
    if question and question.strip():
        st.session_state.pending = None  # a new question replaces one that waited for a decision
    else:
        question = None

    own = own_exchanges()
    show_examples = not own and not question and not st.session_state.pending and document is None
    _welcome(run, show_examples, document)
    for ex in own:
        render_exchange(run, ex)
    if question and (checked or not _hold_for_privacy(question)):
        titles = {document.meta.id: document.meta.title} if document is not None else {}
        _ask(run, question.strip(), filters, filters_label(filters, titles))
    if st.session_state.pending:
        _render_pending()
    own = own_exchanges()
    if own:
        export.render_downloads(run, own)


def _chosen_document(run: Run):
    """The document chosen in the library, if the user (still) may read it."""
    doc_id = st.session_state.get("doc_filter")
    if not doc_id:
        return None
    document = run.engine.visible_document(doc_id, run.user.role)
    if document is None:
        st.session_state.doc_filter = None
    return document


def _sidebar(run: Run, document) -> None:
    with run.sidebar:
        st.button("Nieuw gesprek", icon=":material/add_comment:", on_click=new_conversation, width="stretch",
                  key="new-conversation",
                  help="Begin opnieuw: vervolgvragen bouwen dan niet meer voort op eerdere vragen.")
        if document is not None:
            st.info(f"Vragen gaan nu alleen over **{md_escape(document.meta.title)}**.", icon=":material/description:")
            st.button("Weer in alle documenten zoeken", icon=":material/close:", on_click=_clear_doc_filter,
                      key="clear-doc-filter", width="stretch")


def _welcome(run: Run, show_examples: bool, document) -> None:
    st.title(APP_HEADING)
    st.markdown(
        f"Ik beantwoord vragen over de integrale aanpak van radicalisering met de tekst van "
        f"**{len(run.documents)} documenten** ({run.passages} passages) uit de kennisbank, "
        f"bijgewerkt op {md_escape(date_nl(run.index.manifest.get('created', '')))}. "
        "Elk antwoord verwijst naar de bron, zodat u het zelf kunt nalezen."
    )
    st.caption(
        ":material/block: Ik geef **geen casusadvies** en ik ben niet bedoeld voor gegevens over personen: "
        "**voer geen persoonsgegevens in** (namen, BSN, adressen, geboortedata)."
    )
    if document is not None:
        st.markdown(
            f'<div class="ra-label">U stelt nu vragen over één document: {esc(document.meta.title)}</div>',
            unsafe_allow_html=True,
        )
    if show_examples:
        st.markdown('<div class="ra-label">Probeer bijvoorbeeld</div>', unsafe_allow_html=True)
        with st.container(horizontal=True, gap="small"):
            for n, example in enumerate(EXAMPLE_QUESTIONS):
                st.button(example, key=f"example-{n}", on_click=_queue, args=(example,))


# ----------------------------------------------------------------------------- asking

def _history() -> list[Turn]:
    return [
        Turn(ex.question, ex.answer.standalone_question, ex.answer.answer,
             [c.passage.chunk.doc_id for c in ex.answer.citations])
        for ex in own_exchanges()
        if ex.answer is not None
    ]


def _streamed(run: Run, question: str, ctx: AskContext, result: dict) -> Iterator[str]:
    """Tokens for st.write_stream (Markdown-escaped); the final Answer lands in result['answer']."""
    for event, value in run.engine.ask_stream(question, ctx):
        if event == "token":
            yield md_escape(value)
        elif event == "answer":
            result["answer"] = value


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _ask(run: Run, question: str, filters: Filters, label: str) -> None:
    user = run.user
    ex = Exchange(id=st.session_state.next_id, question=question, filters_label=label, owner=user.key)
    st.session_state.next_id += 1
    ctx = AskContext(history=_history(), filters=filters, session=st.session_state.session_id,
                     user=user.name, role=user.role)
    with st.chat_message("user", avatar=":material/person:"):
        st.markdown(question_html(question), unsafe_allow_html=True)
    with st.chat_message("assistant", avatar=":material/menu_book:"):
        slot = st.empty()
        result: dict = {}
        try:
            with slot.container():
                tokens = _streamed(run, question, ctx, result)
                with st.spinner("Zoeken in de kennisbank…"):
                    first = next(tokens, None)  # retrieval happens before the first token
                if first is not None:
                    st.write_stream(_chain(first, tokens))
            ex.answer = result.get("answer")
            if ex.answer is None:
                raise RuntimeError("the engine gave no answer")
            if not answer_allowed(ex.answer, run.levels):
                log.error("answer withheld: it rests on passages outside role %s", user.role)
                ex.answer, ex.error = None, NO_ACCESS_ANSWER_TEXT
        except Exception as exc:
            log.warning("question not answered: %s", type(exc).__name__)
            ex.answer, ex.error = None, ERROR_TEXT
        st.session_state.exchanges.append(ex)
        with slot.container():
            render_answer(run, ex)


def _hold_for_privacy(question: str) -> bool:
    """Keep a question with personal data aside (never in the history) until the user decides."""
    spans = privacy.detect(question)
    if not spans:
        return False
    st.session_state.pending = {"text": question, "spans": spans}
    return True


def _render_pending() -> None:
    pending = st.session_state.pending
    text, spans = pending["text"], pending["spans"]
    marked, position = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < position:
            continue
        marked.append(esc(text[position:span.start]))
        marked.append(f'<mark class="ra-pii" title="{esc(span.kind)}">{esc(text[span.start:span.end])}</mark>')
        position = span.end
    marked.append(esc(text[position:]))
    with st.container(border=True):
        st.warning(privacy.warning_nl(spans), icon=":material/privacy_tip:")
        st.markdown(
            f'<div class="ra-label">Uw vraag</div><div class="ra-question">{"".join(marked)}</div>',
            unsafe_allow_html=True,
        )
        st.markdown(
            '<div class="ra-label">Zo wordt hij geanonimiseerd verstuurd</div>'
            f'<div class="ra-question">{esc(privacy.redact(text, spans))}</div>',
            unsafe_allow_html=True,
        )
        with st.container(horizontal=True, gap="small"):
            st.button("Geanonimiseerd versturen", type="primary", icon=":material/shield:", on_click=_send_redacted,
                      key="pending-send")
            st.button("Annuleren", on_click=_cancel_pending, key="pending-cancel")
