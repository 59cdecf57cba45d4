"""What every page of the app shares: Dutch texts and labels, escaping, per-run context, access checks.

Source text is untrusted: everything that comes from the corpus or the user goes through `esc`
(for our HTML snippets) or `md_escape` (for Streamlit's Markdown) before it is shown.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from radassist import auth
from radassist.engine import Engine
from radassist.loaded import LoadedIndex
from radassist.retrieve import Filters
from radassist.settings import Settings
from radassist.types import Answer, Chunk, Document

PAGE_TITLE = "radassist - kennisbank aanpak radicalisering"
APP_HEADING = "Kennisbank aanpak radicalisering"
TYPE_LABELS = {"rapport": "Rapport", "factsheet": "Factsheet", "interview": "Interview", "other": "Overig"}
TYPE_GROUPS = {"rapport": "Rapport", "factsheet": "Factsheets", "interview": "Interviews", "other": "Overige documenten"}
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

ERROR_TEXT = (
    "Er ging iets mis bij het beantwoorden van uw vraag. Probeer het nog eens; "
    "blijft het misgaan, neem dan contact op met de beheerder."
)
NO_ACCESS_SOURCE_TEXT = "U heeft geen toegang tot dit document."
# The same text for a document that does not exist and one the role may not see: a link reveals nothing.
NOT_FOUND_TEXT = (
    "Dit document staat niet in de kennisbank of u heeft er geen toegang toe. "
    "Klopt dat niet, neem dan contact op met de beheerder."
)

# Query parameters of a deep link to a place in a document (Dutch: they show in the address bar).
LINK_DOCUMENT, LINK_SECTION, LINK_PAGE = "document", "sectie", "pagina"
LIBRARY_PATH = "kennisbank"

# Enough to keep plain text plain: emphasis, links, HTML, headings, math, tables, :emoji: and :material/icons:.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$:])")


# ----------------------------------------------------------------------------- per-run context

@dataclass
class Run:
    """What a page needs in one script run; built by the app shell after the user is identified."""

    settings: Settings
    engine: Engine
    index: LoadedIndex
    user: auth.User
    levels: set[str]
    store_path: str
    filters: Filters  # the sidebar's type/theme/region choice (shared by chat and library)
    pages: dict[str, Any] = field(default_factory=dict)  # st.Page objects by name: "chat", "library"
    base_url: str = ""  # the app's address as the browser sees it, ending in "/"; "" when unknown
    sidebar: Any = None  # a sidebar container for the current page's own controls
    documents: list[Document] = field(default_factory=list)  # what the role may read (Engine.visible_documents)
    passages: int = 0  # how many passages of the index the role may see

    def link(self, query: dict[str, str]) -> str:
        """A URL that opens a place in the library; relative when the app's address is unknown."""
        return f"{self.base_url}{LIBRARY_PATH}?{urlencode(query)}"


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


def init_state() -> None:
    defaults = {
        "exchanges": [], "next_id": 1, "pending": None, "queued": None, "session_id": uuid.uuid4().hex,
        "user": None, "login_user": None, "login_failures": 0, "login_blocked_until": 0.0, "doc_filter": None,
    }
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value


def new_conversation() -> None:
    st.session_state.exchanges = []
    st.session_state.pending = None
    st.session_state.queued = None


def own_exchanges() -> list[Exchange]:
    """The conversation of the user of this run (a session that changed identity shows nothing older)."""
    user = st.session_state.get("user")
    return [ex for ex in st.session_state.exchanges if user is not None and ex.owner == user.key]


# ----------------------------------------------------------------------------- access

def allowed_levels(engine: Engine) -> set[str]:
    """Confidentiality levels the user of this run may see; none when nobody is identified."""
    user = st.session_state.get("user")
    return set(engine.allowed_levels(user.role)) if user is not None else set()


def answer_allowed(answer: Answer, levels: set[str]) -> bool:
    """Defence in depth: retrieval already filters on the role; an answer that slipped through is not shown."""
    chunks = [p.chunk for p in answer.passages] + [c.passage.chunk for c in answer.citations]
    return all(chunk.confidentiality in levels for chunk in chunks)


def document_allowed(engine: Engine, chunk: Chunk, levels: set[str]) -> bool:
    """The passage's level and its document's level in the current index must both be visible to the user."""
    if chunk.confidentiality not in levels:
        return False
    document = engine.index.document(chunk.doc_id)
    return document is None or document.meta.confidentiality in levels


def passage_link_query(chunk: Chunk) -> dict[str, str]:
    """The deep-link query of a passage: its document, section and page."""
    query = {LINK_DOCUMENT: chunk.doc_id}
    if chunk.section:
        query[LINK_SECTION] = chunk.section
    if chunk.page:
        query[LINK_PAGE] = str(chunk.page)
    return query


# ----------------------------------------------------------------------------- escaping and formatting

def esc(text: str) -> str:
    """Escape untrusted text for our HTML snippets.

    Newlines become markup, so no blank line can end the HTML block and let Markdown parse source text.
    """
    text = html.escape(text).replace("\r", "")
    text = re.sub(r"\n\s*\n\s*", '<span class="ra-para"></span>', text)
    return text.replace("\n", "<br>")


def md_escape(text: str) -> str:
    """Escape Markdown syntax in plain text shown through Streamlit's Markdown (no HTML is allowed there)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def date_nl(iso: str) -> str:
    """A timestamp as '2 december 2026, 10:15' (local time)."""
    try:
        moment = dt.datetime.fromisoformat(iso).astimezone()
    except (TypeError, ValueError):
        return iso or "onbekend"
    return f"{moment.day} {MONTHS_NL[moment.month - 1]} {moment.year}, {moment:%H:%M}"


def day_nl(iso: str) -> str:
    """A catalog date as '10 april 2025' ('2025-04' as 'april 2025'); anything else as it is."""
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", (iso or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return iso or ""
    year, month, day = match.groups()
    month_name = MONTHS_NL[int(month) - 1]
    return f"{int(day)} {month_name} {year}" if day else f"{month_name} {year}"


def seconds_nl(ms: float) -> str:
    return f"{ms / 1000:.1f}".replace(".", ",") + " s"


def type_label(doc_type: str) -> str:
    return TYPE_LABELS.get(doc_type, doc_type.capitalize())


def theme_label(theme: str) -> str:
    return theme.replace("-", " ")


def backend_label(backend: str) -> str:
    if "->" in backend:  # the engine fell back to the extractive answer
        first, _, then = backend.partition("->")
        return f"{BACKEND_LABELS.get(then, then)}, na terugval van {BACKEND_LABELS.get(first, first)}"
    return BACKEND_LABELS.get(backend, backend)


def place(chunk: Chunk) -> str:
    parts = [chunk.section] if chunk.section else []
    if chunk.page:
        parts.append(f"pagina {chunk.page}")
    return " · ".join(parts)


def source_meta(chunk: Chunk) -> str:
    return " · ".join(x for x in (type_label(chunk.type), place(chunk)) if x)


def filters_label(filters: Filters, titles: dict[str, str] | None = None) -> str:
    parts = []
    if filters.doc_ids:
        names = [(titles or {}).get(d, d) for d in filters.doc_ids]
        parts.append("document: " + ", ".join(names))
    if filters.types:
        parts.append("type: " + ", ".join(type_label(t) for t in filters.types))
    if filters.themes:
        parts.append("thema: " + ", ".join(theme_label(t) for t in filters.themes))
    if filters.regions:
        parts.append("regio: " + ", ".join(filters.regions))
    return "; ".join(parts)
