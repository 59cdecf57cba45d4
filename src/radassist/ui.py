"""The web app: a Streamlit chat over the engine, for professionals of the Zorg- en Veiligheidshuizen.

    streamlit run app.py

One script run renders, top to bottom: the sidebar (filters, new conversation, backend, index
status), the welcome text with example questions, the conversation so far, the new answer (streamed,
then replaced by the rendered answer with its sources) and, when a question holds personal data,
the warning that asks whether to send it redacted.

Who is asking decides what may be shown (`auth.py`): the page identifies the user before it loads
anything, passes the role to the engine (retrieval filters on it), and checks again before it shows
an answer, opens a source or offers a file for download.

Source text is untrusted: everything that comes from the corpus or the user is escaped with
`html.escape` before it goes into the few HTML snippets this module builds; the only raw HTML is
this module's own markup. No element loads anything from outside the page.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
import time
import uuid
from dataclasses import dataclass
from typing import Iterator

import streamlit as st

from radassist import auth, privacy
from radassist.conversation import Turn
from radassist.engine import MAX_QUESTION_CHARS, AskContext, Engine
from radassist.feedback import FeedbackStore, store_for
from radassist.index import LoadedIndex, NoIndexError
from radassist.retrieve import Filters
from radassist.settings import Settings, load_settings
from radassist.types import Answer, Chunk, Passage

log = logging.getLogger("radassist.ui")

PAGE_TITLE = "radassist - kennisbank aanpak radicalisering"
EXAMPLE_QUESTIONS = (
    "Wat doet een procesregisseur in het casusoverleg?",
    "Welke vier fasen heeft de persoonsgerichte aanpak?",
    "Hoe lang blijft een casus in de monitorfase?",
    "Wat leer je in module 3 over gegevensdeling?",
    "Wat zijn de geleerde lessen over weegploegen?",
)
TYPE_LABELS = {"rapport": "Rapport", "factsheet": "Factsheet", "interview": "Interview", "other": "Overig"}
BACKEND_LABELS = {
    "extractive": "extractief (zonder taalmodel)",
    "openai": "taalmodel via een OpenAI-compatibele server",
    "ollama": "taalmodel via Ollama",
    "llamacpp": "lokaal taalmodel (llama.cpp)",
}
MONTHS_NL = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)
CONTEXT_CHARS = 600  # surrounding text shown before and after a passage in the source panel
SNIPPET_CHARS = 220

REFUSAL_TITLE = "Geen antwoord in de kennisbank"
ERROR_TEXT = (
    "Er ging iets mis bij het beantwoorden van uw vraag. Probeer het nog eens; "
    "blijft het misgaan, neem dan contact op met de beheerder."
)
NO_INDEX_TEXT = (
    "Er is nog geen kennisbank geïndexeerd, dus ik kan nog geen vragen beantwoorden. "
    "Vraag de beheerder om de documenten te indexeren (`radassist index`)."
)
LOAD_ERROR_TEXT = (
    "De kennisbank kon niet worden geladen. Probeer het later opnieuw of neem contact op met de beheerder."
)
SETTINGS_ERROR_TEXT = "De instellingen van radassist zijn ongeldig. Neem contact op met de beheerder."
NO_ACCESS_ANSWER_TEXT = (
    "Dit antwoord kan niet worden getoond: het steunt op documenten die niet bij uw rol horen. "
    "Neem contact op met de beheerder als u denkt dat dit niet klopt."
)
NO_ACCESS_SOURCE_TEXT = "U heeft geen toegang tot dit document."

_MARKER = re.compile(r"\[(\d+)\]")
# Enough to keep plain text plain: emphasis, links, HTML, headings, math, tables, :emoji: and :material/icons:.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$:])")

_CSS = """
<style>
.ra-answer { margin-bottom: .4rem; font-size: 1.02rem; line-height: 1.65; }
.ra-question { white-space: normal; line-height: 1.55; }
a.ra-cite, span.ra-cite {
  display: inline-block; min-width: 1.45em; padding: 0 .38em; margin: 0 .12em;
  border: 1px solid #b9d3e6; border-radius: .7em; background: #e6f0f7; color: #17507a;
  font-size: .74em; font-weight: 700; line-height: 1.55; text-align: center;
  text-decoration: none; vertical-align: .18em;
}
a.ra-cite:hover, a.ra-cite:focus-visible { background: #17507a; border-color: #17507a; color: #ffffff; }
a.ra-cite:focus-visible { outline: 2px solid #17507a; outline-offset: 2px; }
span.ra-rank { background: #eef0f2; border-color: #d5d9de; color: #46525e; }
.ra-sources-title {
  margin-bottom: .15rem; color: #4f5d6b; font-size: .78rem; font-weight: 700;
  letter-spacing: .06em; text-transform: uppercase;
}
.ra-src { display: flex; gap: .5rem; align-items: baseline; padding: .2rem .35rem; border-radius: .4rem;
  scroll-margin-top: 6rem; }
.ra-src > .ra-cite { flex: none; }
.ra-src:target { background: #fff5cc; }
.ra-src-body { flex: 1; min-width: 0; }
.ra-src-title { display: block; font-weight: 600; line-height: 1.4; }
.ra-src-meta { display: block; color: #56636f; font-size: .86rem; line-height: 1.4; }
.ra-snippet { display: block; margin-top: .15rem; color: #56636f; font-size: .88rem; line-height: 1.45; }
.ra-doc-title { font-size: 1.15rem; font-weight: 700; line-height: 1.35; }
.ra-where { margin: .35rem 0 .6rem 0; color: #3d4a56; font-size: .92rem; }
.ra-context { max-height: 62vh; overflow-y: auto; margin-bottom: .6rem; padding-right: .4rem;
  font-size: .96rem; line-height: 1.62; }
.ra-before, .ra-after { color: #6a7682; }
.ra-passage { margin: .55rem 0; padding: .55rem .8rem; border-left: 4px solid #17507a;
  border-radius: 0 .4rem .4rem 0; background: #f3f7fa; }
mark.ra-quote { padding: 0 .12em; border-radius: .2em; background: #ffe58f; color: inherit; }
mark.ra-pii { padding: 0 .12em; border-radius: .2em; background: #ffd4d4; color: inherit;
  text-decoration: underline wavy #b42318; }
.ra-para { display: block; height: .55em; }
.ra-label { margin-top: .35rem; color: #4f5d6b; font-size: .85rem; font-weight: 600; }
</style>
"""


# ----------------------------------------------------------------------------- state

@dataclass
class Exchange:
    """One question and what came back. `question` is the text as sent: redacted when it held personal data."""

    id: int
    question: str
    filters_label: str = ""
    answer: Answer | None = None
    error: str = ""
    feedback_id: int | None = None
    owner: str = ""  # User.key of who asked: shown to that identity only


def _init_state() -> None:
    defaults = {
        "exchanges": [], "next_id": 1, "pending": None, "queued": None, "session_id": uuid.uuid4().hex,
        "user": None, "login_user": None, "login_failures": 0, "login_blocked_until": 0.0,
    }
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value


def _exchange(exchange_id: int) -> Exchange | None:
    return next((ex for ex in st.session_state.exchanges if ex.id == exchange_id), None)


def _queue(question: str, checked: bool = False) -> None:
    """Callback: ask `question` in this run (`checked`: it was already screened for personal data)."""
    st.session_state.queued = (question, checked)


def _new_conversation() -> None:
    st.session_state.exchanges = []
    st.session_state.pending = None
    st.session_state.queued = None


def _send_redacted() -> None:
    pending = st.session_state.pending
    st.session_state.pending = None
    if pending:
        _queue(privacy.redact(pending["text"], pending["spans"]), checked=True)


def _cancel_pending() -> None:
    st.session_state.pending = None


# ----------------------------------------------------------------------------- loading

@st.cache_resource(show_spinner="De kennisbank wordt geladen…")
def _load_engine(config_key: str, _settings: Settings) -> Engine:
    """One engine per configuration, shared by all sessions; `config_key` is what the cache keys on."""
    engine = Engine(_settings)
    engine.warm_up()
    return engine


def _settings_or_stop() -> Settings:
    try:
        return load_settings()
    except Exception as exc:  # pydantic ValidationError, TOML errors
        log.error("settings not loaded: %s", type(exc).__name__)
        st.error(SETTINGS_ERROR_TEXT)
        st.stop()


def _engine_or_stop(settings: Settings) -> tuple[Engine, LoadedIndex]:
    try:
        engine = _load_engine(settings.model_dump_json(), settings)
        return engine, engine.index
    except NoIndexError:
        st.title("Kennisbank aanpak radicalisering")
        st.warning(NO_INDEX_TEXT, icon=":material/inventory_2:")
    except Exception as exc:
        log.error("engine not loaded: %s", type(exc).__name__)
        st.error(LOAD_ERROR_TEXT)
    st.stop()


# ----------------------------------------------------------------------------- who is asking

def _request_headers() -> list[tuple[str, str]]:
    """Every header of the request that opened this session, repeated ones included."""
    headers = st.context.headers
    return [(name, value) for name in headers for value in headers.get_all(name)]


def _remote_address() -> str | None:
    """The address of the peer that opened this session's connection, as auth.resolve_user wants it."""
    if "*" in os.environ.get("FORWARDED_ALLOW_IPS", ""):
        # uvicorn would then take the peer address from X-Forwarded-For, which any client can write.
        log.error("FORWARDED_ALLOW_IPS='*' makes client addresses forgeable; identity headers are ignored")
        return None
    address = st.context.ip_address
    if address is None:
        return "127.0.0.1"  # Streamlit reports a loopback peer (127.0.0.1 or ::1) as None
    return address if isinstance(address, str) else None


def _oidc_ready() -> bool:
    """Whether st.login can work: Streamlit needs Authlib for it (pip install 'Authlib>=1.3.2')."""
    from streamlit.auth_util import is_authlib_installed

    return is_authlib_installed()


def _oidc_claims() -> dict:
    try:
        return st.user.to_dict()
    except Exception as exc:  # no script context, or Streamlit without auth support
        log.error("st.user not readable: %s", type(exc).__name__)
        return {}


def _user_or_stop(settings: Settings) -> auth.User:
    """The user of this run; anyone else sees a login (or the reason why not) and no documents."""
    mode = settings.auth.mode
    if mode == "users":
        result = _logged_in_user(settings)
    else:
        claims = _oidc_claims() if mode == "oidc" else None
        result = auth.resolve_user(settings, _request_headers(), _remote_address(), claims)
    if isinstance(result, auth.User):
        st.session_state.user = result
        return result
    if mode == "oidc" and result.kind == "login" and not _oidc_ready():
        log.error("auth.mode is 'oidc' but Authlib is not installed; st.login cannot work")
        result = auth.Denied("config", auth.CONFIG_TEXT)
    st.session_state.user = None
    st.title("Kennisbank aanpak radicalisering")
    if mode == "users":
        _login_form(settings)
    else:
        st.info(result.reason, icon=":material/lock:")
        if mode == "oidc" and result.kind == "login":
            if st.button("Inloggen", type="primary", icon=":material/login:", key="oidc-login"):
                st.login()
        elif mode == "oidc" and result.kind == "no_role":
            if st.button("Uitloggen", icon=":material/logout:", key="oidc-logout"):
                st.logout()
    st.stop()


def _logged_in_user(settings: Settings) -> auth.User | auth.Denied:
    name = st.session_state.login_user
    if name is None:
        return auth.Denied("login", auth.LOGIN_TEXT)
    user = auth.lookup_user(settings, name)  # removed users and changed roles count from the next click
    if user is None:
        _logout()
        return auth.Denied("login", auth.LOGIN_TEXT)
    return user


def _login_form(settings: Settings) -> None:
    st.markdown(auth.LOGIN_TEXT)
    with st.form("login", clear_on_submit=True):
        name = st.text_input("Gebruikersnaam", key="login-name", autocomplete="username", max_chars=64)
        password = st.text_input("Wachtwoord", type="password", key="login-password",
                                 autocomplete="current-password", max_chars=auth.MAX_PASSWORD_CHARS)
        submitted = st.form_submit_button("Inloggen", type="primary", icon=":material/login:", key="login-submit")
    if submitted:
        _try_login(settings, name, password)


def _try_login(settings: Settings, name: str, password: str) -> None:
    wait = st.session_state.login_blocked_until - time.monotonic()
    if wait > 0:
        st.warning(auth.BLOCKED_TEXT.format(seconds=int(wait) + 1), icon=":material/hourglass_top:")
        return
    user = auth.verify_password(settings, name, password) if name and password else None
    if user is None:
        st.session_state.login_failures += 1
        st.session_state.login_blocked_until = time.monotonic() + auth.login_delay(st.session_state.login_failures)
        log.info("login failed (%d in this session)", st.session_state.login_failures)  # never the name typed
        st.error(auth.FAILED_LOGIN_TEXT, icon=":material/error:")
        return
    st.session_state.login_failures = 0
    st.session_state.login_user = user.name
    _start_fresh()
    st.rerun()


def _logout() -> None:
    st.session_state.login_user = None
    _start_fresh()


def _start_fresh() -> None:
    """A new identity starts with an empty conversation and a new pseudonymous session id."""
    _new_conversation()
    st.session_state.session_id = uuid.uuid4().hex


def _allowed_levels(engine: Engine) -> set[str]:
    """Confidentiality levels the user of this run may see; none when nobody is identified."""
    user = st.session_state.get("user")
    return set(engine.allowed_levels(user.role)) if user is not None else set()


def _answer_allowed(answer: Answer, levels: set[str]) -> bool:
    """Defence in depth: retrieval already filters on the role; an answer that slipped through is not shown."""
    chunks = [p.chunk for p in answer.passages] + [c.passage.chunk for c in answer.citations]
    return all(chunk.confidentiality in levels for chunk in chunks)


def _document_allowed(engine: Engine, chunk: Chunk, levels: set[str]) -> bool:
    """The passage's level and its document's level in the current index must both be visible to the user."""
    if chunk.confidentiality not in levels:
        return False
    document = engine.index.document(chunk.doc_id)
    return document is None or document.meta.confidentiality in levels


def _sidebar_user(user: auth.User) -> None:
    if user.source == "none":
        st.caption(f":material/lock_open: Geen login: alle documenten voor rol {_md_escape(user.role)}")
        return
    st.markdown(f"**Ingelogd als**  \n{_md_escape(user.name)} · rol {_md_escape(user.role)}")
    if user.source == "users":
        st.button("Uitloggen", icon=":material/logout:", on_click=_logout, key="logout")
    elif user.source == "oidc" and st.button("Uitloggen", icon=":material/logout:", key="logout"):
        st.logout()


# ----------------------------------------------------------------------------- small formatting helpers

def _esc(text: str) -> str:
    """Escape untrusted text for our HTML snippets.

    Newlines become markup, so no blank line can end the HTML block and let Markdown parse source text.
    """
    text = html.escape(text).replace("\r", "")
    text = re.sub(r"\n\s*\n\s*", '<span class="ra-para"></span>', text)
    return text.replace("\n", "<br>")


def _md_escape(text: str) -> str:
    """Escape Markdown syntax in plain text shown through Streamlit's Markdown (no HTML is allowed there)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _date_nl(iso: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(iso).astimezone()
    except (TypeError, ValueError):
        return iso or "onbekend"
    return f"{moment.day} {MONTHS_NL[moment.month - 1]} {moment.year}, {moment:%H:%M}"


def _seconds_nl(ms: float) -> str:
    return f"{ms / 1000:.1f}".replace(".", ",") + " s"


def _type_label(doc_type: str) -> str:
    return TYPE_LABELS.get(doc_type, doc_type.capitalize())


def _theme_label(theme: str) -> str:
    return theme.replace("-", " ")


def _backend_label(backend: str) -> str:
    if "->" in backend:  # the engine fell back to the extractive answer
        first, _, then = backend.partition("->")
        return f"{BACKEND_LABELS.get(then, then)}, na terugval van {BACKEND_LABELS.get(first, first)}"
    return BACKEND_LABELS.get(backend, backend)


def _place(chunk: Chunk) -> str:
    parts = [chunk.section] if chunk.section else []
    if chunk.page:
        parts.append(f"pagina {chunk.page}")
    return " · ".join(parts)


def _source_meta(chunk: Chunk) -> str:
    return " · ".join(x for x in (_type_label(chunk.type), _place(chunk)) if x)


def _filters_label(filters: Filters) -> str:
    parts = []
    if filters.types:
        parts.append("type: " + ", ".join(_type_label(t) for t in filters.types))
    if filters.themes:
        parts.append("thema: " + ", ".join(_theme_label(t) for t in filters.themes))
    if filters.regions:
        parts.append("regio: " + ", ".join(filters.regions))
    return "; ".join(parts)


# ----------------------------------------------------------------------------- sidebar and welcome

def _sidebar(index: LoadedIndex, settings: Settings, user: auth.User, levels: set[str]) -> Filters:
    chunks = [c for c in index.chunks if c.confidentiality in levels]  # no hints of what the role may not see
    types = sorted({c.type for c in chunks})
    themes = sorted({t for c in chunks for t in c.themes})
    regions = sorted({c.region for c in chunks if c.region})
    with st.sidebar:
        _sidebar_user(user)
        st.button("Nieuw gesprek", icon=":material/add_comment:", on_click=_new_conversation, width="stretch",
                  key="new-conversation",
                  help="Begin opnieuw: vervolgvragen bouwen dan niet meer voort op eerdere vragen.")
        st.subheader("Zoek alleen in")
        chosen_types = st.multiselect("Documenttype", types, format_func=_type_label, key="filter_types",
                                      placeholder="Alle typen")
        chosen_themes = st.multiselect("Thema", themes, format_func=_theme_label, key="filter_themes",
                                       placeholder="Alle thema's")
        chosen_regions = st.multiselect("Regio", regions, key="filter_regions", placeholder="Alle regio's")
        st.divider()
        counts = index.manifest.get("counts", {})
        st.markdown(
            f"**Antwoorden**  \n{_md_escape(_backend_label(settings.answer.backend))}\n\n"
            f"**Kennisbank**  \n{counts.get('documents', 0)} documenten · {counts.get('chunks', 0)} passages  \n"
            f"bijgewerkt op {_md_escape(_date_nl(index.manifest.get('created', '')))}"
        )
        if counts.get("skipped"):
            st.caption(f"{counts['skipped']} bestand(en) niet geïndexeerd; zie `radassist status`.")
    return Filters(types=chosen_types, themes=chosen_themes, regions=chosen_regions, doc_ids=[])


def _welcome(index: LoadedIndex, show_examples: bool) -> None:
    counts = index.manifest.get("counts", {})
    st.title("Kennisbank aanpak radicalisering")
    st.markdown(
        f"Ik beantwoord vragen over de integrale aanpak van radicalisering met de tekst van "
        f"**{counts.get('documents', 0)} documenten** ({counts.get('chunks', 0)} passages) uit de kennisbank, "
        f"bijgewerkt op {_md_escape(_date_nl(index.manifest.get('created', '')))}. "
        "Elk antwoord verwijst naar de bron, zodat u het zelf kunt nalezen."
    )
    st.caption(
        ":material/block: Ik geef **geen casusadvies** en ik ben niet bedoeld voor gegevens over personen: "
        "**voer geen persoonsgegevens in** (namen, BSN, adressen, geboortedata)."
    )
    if show_examples:
        st.markdown('<div class="ra-label">Probeer bijvoorbeeld</div>', unsafe_allow_html=True)
        with st.container(horizontal=True, gap="small"):
            for n, question in enumerate(EXAMPLE_QUESTIONS):
                st.button(question, key=f"example-{n}", on_click=_queue, args=(question,))


# ----------------------------------------------------------------------------- answers and sources

def _cited_sources(answer: Answer) -> list[tuple[int, Passage, list[str]]]:
    """(marker, passage, quotes) per marker, in marker order; one marker may carry several quotes."""
    found: dict[int, tuple[Passage, list[str]]] = {}
    for citation in answer.citations:
        passage, quotes = found.setdefault(citation.marker, (citation.passage, []))
        if citation.quote and citation.quote not in quotes:
            quotes.append(citation.quote)
    return [(marker, passage, quotes) for marker, (passage, quotes) in sorted(found.items())]


def _anchor(exchange_id: int, marker: int) -> str:
    return f"ra-src-{exchange_id}-{marker}"


def answer_html(answer: Answer, exchange_id: int) -> str:
    """The answer text escaped, with each cited [n] turned into a marker that links to source n below."""
    titles = {marker: passage.chunk.title for marker, passage, _q in _cited_sources(answer)}
    pieces: list[str] = []
    position = 0
    for match in _MARKER.finditer(answer.answer):
        pieces.append(_esc(answer.answer[position:match.start()]))
        marker = int(match.group(1))
        if marker in titles:
            title = html.escape(titles[marker], quote=True)
            pieces.append(
                f'<a class="ra-cite" href="#{_anchor(exchange_id, marker)}" title="Bron {marker}: {title}" '
                f'aria-label="Bron {marker}: {title}">{marker}</a>'
            )
        else:
            pieces.append(_esc(match.group()))
        position = match.end()
    pieces.append(_esc(answer.answer[position:]))
    return f'<div class="ra-answer">{"".join(pieces)}</div>'


def _source_line_html(badge: str, chunk: Chunk, anchor: str = "", snippet: str = "") -> str:
    anchor_attr = f' id="{anchor}"' if anchor else ""
    snippet_html = f'<span class="ra-snippet">{_esc(snippet)}</span>' if snippet else ""
    return (
        f'<div class="ra-src"{anchor_attr}>{badge}<div class="ra-src-body">'
        f'<span class="ra-src-title">{_esc(chunk.title or chunk.doc_id)}</span>'
        f'<span class="ra-src-meta">{_esc(_source_meta(chunk))}</span>{snippet_html}</div></div>'
    )


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= SNIPPET_CHARS:
        return flat
    return flat[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"


def _source_row(engine: Engine, key: str, line_html: str, passage: Passage, quotes: list[str]) -> None:
    text_col, button_col = st.columns([5, 1.3], vertical_alignment="center", gap="small")
    text_col.markdown(line_html, unsafe_allow_html=True)
    if button_col.button("Bekijk bron", key=key, icon=":material/visibility:", type="tertiary",
                         help=f"Open de passage uit “{_md_escape(passage.chunk.title)}” met de tekst eromheen"):
        _source_dialog(engine, passage, quotes)


def _render_sources(engine: Engine, ex: Exchange) -> None:
    sources = _cited_sources(ex.answer)
    if not sources:
        return
    with st.container(border=True, gap="small"):
        st.markdown('<div class="ra-sources-title">Bronnen</div>', unsafe_allow_html=True)
        for marker, passage, quotes in sources:
            badge = f'<span class="ra-cite">{marker}</span>'
            line = _source_line_html(badge, passage.chunk, anchor=_anchor(ex.id, marker))
            _source_row(engine, f"src-{ex.id}-{marker}", line, passage, quotes)


def _render_refusal(engine: Engine, ex: Exchange) -> None:
    answer = ex.answer
    st.info(f"**{REFUSAL_TITLE}**\n\n{_md_escape(answer.answer)}", icon=":material/search_off:")
    if not answer.passages:
        return
    with st.container(border=True, gap="small"):
        st.markdown('<div class="ra-sources-title">Dichtstbijzijnde passages</div>', unsafe_allow_html=True)
        for passage in answer.passages:
            badge = f'<span class="ra-cite ra-rank">{passage.rank}</span>'
            line = _source_line_html(badge, passage.chunk, snippet=_snippet(passage.chunk.text))
            _source_row(engine, f"near-{ex.id}-{passage.rank}", line, passage, [])


def _render_answer(engine: Engine, ex: Exchange, store_path: str) -> None:
    if ex.error or ex.answer is None:
        st.error(ex.error or ERROR_TEXT, icon=":material/error:")
        return
    answer = ex.answer
    if answer.refused:
        _render_refusal(engine, ex)
    else:
        st.markdown(answer_html(answer, ex.id), unsafe_allow_html=True)
        _render_sources(engine, ex)
    if answer.notice:
        st.caption(f":material/info: {_md_escape(answer.notice)}")
    took = answer.timings_ms.get("retrieve", 0.0) + answer.timings_ms.get("answer", 0.0)
    details = [f"Antwoord: {_backend_label(answer.backend)}", _seconds_nl(took)]
    if ex.filters_label:
        details.append(f"alleen {ex.filters_label}")
    st.caption(_md_escape(" · ".join(details)))
    _render_feedback(ex, store_path)


def _render_exchange(engine: Engine, ex: Exchange, store_path: str) -> None:
    with st.chat_message("user", avatar=":material/person:"):
        st.markdown(f'<div class="ra-question">{_esc(ex.question)}</div>', unsafe_allow_html=True)
    with st.chat_message("assistant", avatar=":material/menu_book:"):
        _render_answer(engine, ex, store_path)


# ----------------------------------------------------------------------------- the source panel

def _find_quote(text: str, quote: str) -> tuple[int, int] | None:
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
    ranges = sorted(r for r in (_find_quote(text, q) for q in quotes) if r)
    pieces: list[str] = []
    position = 0
    for start, end in ranges:
        if start < position:  # overlapping quotes: extend the mark already open
            start = position
            if end <= start:
                continue
        pieces.append(_esc(text[position:start]))
        pieces.append(f'<mark class="ra-quote">{_esc(text[start:end])}</mark>')
        position = end
    pieces.append(_esc(text[position:]))
    return "".join(pieces)


def _surrounding(doc_text: str, start: int, end: int) -> tuple[str, str]:
    """Text before and after a passage, cut at word boundaries."""
    before = doc_text[max(0, start - CONTEXT_CHARS):start]
    after = doc_text[end:end + CONTEXT_CHARS]
    if start > CONTEXT_CHARS and " " in before:
        before = "… " + before.split(" ", 1)[1]
    if end + CONTEXT_CHARS < len(doc_text) and " " in after:
        after = after.rsplit(" ", 1)[0] + " …"
    return before, after


@st.dialog("Bron", width="medium", position="right")
def _source_dialog(engine: Engine, passage: Passage, quotes: list[str]) -> None:
    chunk = passage.chunk
    try:
        allowed = _document_allowed(engine, chunk, _allowed_levels(engine))
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
    meta = [_type_label(chunk.type)]
    meta += [x for x in (chunk.region, chunk.date) if x]
    if chunk.confidentiality != "openbaar":
        meta.append(chunk.confidentiality)
    where = [f"<b>Vindplaats:</b> {_esc(chunk.section or 'begin van het document')}"]
    if chunk.page:
        where.append(f"pagina {chunk.page}")
    where.append(f"bestand {_esc(chunk.path)}")
    st.markdown(
        f'<div class="ra-doc-title">{_esc(chunk.title or chunk.doc_id)}</div>'
        f'<div class="ra-src-meta">{_esc(" · ".join(meta))}</div>'
        f'<div class="ra-where">{" · ".join(where)}</div>',
        unsafe_allow_html=True,
    )
    if quotes:
        st.caption("Geel gemarkeerd: waarop het antwoord steunt. Grijs: de tekst ervoor en erna in het document.")
    before, after = ("", "")
    if document is not None and document.text[chunk.start:chunk.end].strip() == chunk.text.strip():
        before, after = _surrounding(document.text, chunk.start, chunk.end)
    st.markdown(
        '<div class="ra-context">'
        f'<span class="ra-before">{_esc(before)}</span>'
        f'<div class="ra-passage">{marked_html(chunk.text, quotes)}</div>'
        f'<span class="ra-after">{_esc(after)}</span>'
        "</div>",
        unsafe_allow_html=True,
    )
    if source_file is not None:
        try:
            data = source_file.read_bytes()
        except OSError as exc:
            log.warning("source file not read: %s", type(exc).__name__)
            data = None
        if data is not None:
            st.download_button(
                f"Download het originele bestand ({_md_escape(source_file.suffix.lstrip('.').upper())})",
                data=data, file_name=source_file.name, icon=":material/download:", on_click="ignore",
                key=f"download-{chunk.id}",
            )
            return
    st.caption("Het originele bestand is niet (meer) beschikbaar in de documentmap.")


# ----------------------------------------------------------------------------- feedback

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


# ----------------------------------------------------------------------------- asking

def _own_exchanges() -> list[Exchange]:
    """The conversation of the user of this run (a session that changed identity shows nothing older)."""
    user = st.session_state.get("user")
    return [ex for ex in st.session_state.exchanges if user is not None and ex.owner == user.key]


def _history() -> list[Turn]:
    return [
        Turn(ex.question, ex.answer.standalone_question, ex.answer.answer,
             [c.passage.chunk.doc_id for c in ex.answer.citations])
        for ex in _own_exchanges()
        if ex.answer is not None
    ]


def _streamed(engine: Engine, question: str, ctx: AskContext, result: dict) -> Iterator[str]:
    """Tokens for st.write_stream (Markdown-escaped); the final Answer lands in result['answer']."""
    for event, value in engine.ask_stream(question, ctx):
        if event == "token":
            yield _md_escape(value)
        elif event == "answer":
            result["answer"] = value


def _ask(engine: Engine, question: str, filters: Filters, store_path: str, user: auth.User) -> None:
    ex = Exchange(id=st.session_state.next_id, question=question, filters_label=_filters_label(filters),
                  owner=user.key)
    st.session_state.next_id += 1
    ctx = AskContext(history=_history(), filters=filters, session=st.session_state.session_id,
                     user=user.name, role=user.role)
    with st.chat_message("user", avatar=":material/person:"):
        st.markdown(f'<div class="ra-question">{_esc(question)}</div>', unsafe_allow_html=True)
    with st.chat_message("assistant", avatar=":material/menu_book:"):
        slot = st.empty()
        result: dict = {}
        try:
            with slot.container():
                tokens = _streamed(engine, question, ctx, result)
                with st.spinner("Zoeken in de kennisbank…"):
                    first = next(tokens, None)  # retrieval happens before the first token
                if first is not None:
                    st.write_stream(_chain(first, tokens))
            ex.answer = result.get("answer")
            if ex.answer is None:
                raise RuntimeError("the engine gave no answer")
            if not _answer_allowed(ex.answer, _allowed_levels(engine)):
                log.error("answer withheld: it rests on passages outside role %s", user.role)
                ex.answer, ex.error = None, NO_ACCESS_ANSWER_TEXT
        except Exception as exc:
            log.warning("question not answered: %s", type(exc).__name__)
            ex.answer, ex.error = None, ERROR_TEXT
        st.session_state.exchanges.append(ex)
        with slot.container():
            _render_answer(engine, ex, store_path)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


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
        marked.append(_esc(text[position:span.start]))
        marked.append(f'<mark class="ra-pii" title="{html.escape(span.kind)}">{_esc(text[span.start:span.end])}</mark>')
        position = span.end
    marked.append(_esc(text[position:]))
    with st.container(border=True):
        st.warning(privacy.warning_nl(spans), icon=":material/privacy_tip:")
        st.markdown(
            f'<div class="ra-label">Uw vraag</div><div class="ra-question">{"".join(marked)}</div>',
            unsafe_allow_html=True,
        )
        st.markdown(
            '<div class="ra-label">Zo wordt hij geanonimiseerd verstuurd</div>'
            f'<div class="ra-question">{_esc(privacy.redact(text, spans))}</div>',
            unsafe_allow_html=True,
        )
        with st.container(horizontal=True, gap="small"):
            st.button("Geanonimiseerd versturen", type="primary", icon=":material/shield:", on_click=_send_redacted,
                      key="pending-send")
            st.button("Annuleren", on_click=_cancel_pending, key="pending-cancel")


# ----------------------------------------------------------------------------- the page

def main() -> None:
    st.set_page_config(
        page_title=PAGE_TITLE,
        page_icon="📚",  # an emoji favicon is drawn locally; a :material/...: one is fetched from Google
        layout="centered",
        initial_sidebar_state="expanded",
        menu_items={"Get help": None, "Report a bug": None,
                    "About": "radassist: vragen en antwoorden over de integrale aanpak van radicalisering, "
                             "met bronvermelding. Werkt volledig lokaal."},
    )
    st.html(_CSS)
    try:
        _page()
    except Exception as exc:  # st.stop and st.rerun are BaseExceptions and pass through
        log.error("page failed: %s", type(exc).__name__)
        if os.environ.get("RADASSIST_DEBUG"):
            raise
        st.error(ERROR_TEXT, icon=":material/error:")


def _page() -> None:
    _init_state()
    settings = _settings_or_stop()
    user = _user_or_stop(settings)
    engine, index = _engine_or_stop(settings)
    store_path = str(store_for(settings).path)
    filters = _sidebar(index, settings, user, _allowed_levels(engine))

    typed = st.chat_input("Stel uw vraag over de aanpak van radicalisering…", max_chars=MAX_QUESTION_CHARS,
                          key="chat_question")
    queued, st.session_state.queued = st.session_state.queued, None
    question, checked = (typed, False) if typed else (queued or (None, False))
    if question and question.strip():
        st.session_state.pending = None  # a new question replaces one that waited for a decision
    else:
        question = None

    own = _own_exchanges()
    show_examples = not own and not question and not st.session_state.pending
    _welcome(index, show_examples)
    for ex in own:
        _render_exchange(engine, ex, store_path)
    if question and (checked or not _hold_for_privacy(question)):
        _ask(engine, question.strip(), filters, store_path, user)
    if st.session_state.pending:
        _render_pending()
