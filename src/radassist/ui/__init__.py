"""The web app: Streamlit pages over the engine, for professionals of the Zorg- en Veiligheidshuizen.

    streamlit run app.py      # app.py only calls radassist.ui.main()

This module is the app shell. One script run: page setup, who is asking (`auth.py`: login, headers
or OIDC), the navigation between the pages, the index, the shared sidebar (user, filters, index
status), then the current page:

- `chat.py`     the chat ("Chat", the default page): questions, streamed answers, personal-data check
- `answers.py`  one exchange: the answer with linked markers, sources, removed sentences, feedback
- `source.py`   the source panel ("Bekijk bron") and its link into the library
- `library.py`  the library ("Kennisbank"): the documents a role may read, one document in full,
                deep links (`kennisbank?document=ID&sectie=...&pagina=N`)
- `export.py`   "Gesprek downloaden": the conversation as Markdown or PDF
- `common.py`   texts, labels, escaping, the per-run context, access checks; `style.py` the CSS

Who is asking decides what may be shown: the shell identifies the user before it loads anything
and hides the navigation from anyone it did not identify; the pages pass the role to the engine
(retrieval and the document list filter on it) and check again before they show an answer, open a
source or a document, or offer a file for download. The pages render `Answer` objects from the
engine and hold no retrieval logic.

Source text is untrusted: everything that comes from the corpus or the user is escaped before it
goes into the few HTML snippets the app builds. No element loads anything from outside the page.
"""

from __future__ import annotations

import logging
import os
import time
import uuid

import streamlit as st

from radassist import auth
from radassist.engine import Engine
from radassist.feedback import store_for
from radassist.loaded import LoadedIndex, NoIndexError
from radassist.retrieve import Filters
from radassist.settings import Settings, load_settings
from radassist.types import Chunk

from . import chat, library
from .answers import REFUSAL_TITLE, answer_html
from .common import (
    APP_HEADING, ERROR_TEXT, LIBRARY_PATH, LINK_DOCUMENT, PAGE_TITLE, Run, allowed_levels, backend_label, date_nl,
    init_state, md_escape, new_conversation, theme_label, type_label,
)
from .source import marked_html
from .source import source_dialog as _source_dialog  # noqa: F401  (kept for callers of the old ui module)
from .style import CSS

log = logging.getLogger("radassist.ui")

NO_INDEX_TEXT = (
    "Er is nog geen kennisbank geïndexeerd, dus ik kan nog geen vragen beantwoorden. "
    "Vraag de beheerder om de documenten te indexeren (`radassist index`)."
)
LOAD_ERROR_TEXT = (
    "De kennisbank kon niet worden geladen. Probeer het later opnieuw of neem contact op met de beheerder."
)
SETTINGS_ERROR_TEXT = "De instellingen van radassist zijn ongeldig. Neem contact op met de beheerder."
# Widget values that should survive a visit to another page (Streamlit drops those of unrendered widgets).
_KEPT_WIDGETS = ("fb-rating-", "fb-flag-", "fb-comment-", "library_title")

__all__ = ["main", "answer_html", "marked_html", "REFUSAL_TITLE"]


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
    st.html(CSS)
    try:
        _page()
    except Exception as exc:  # st.stop, st.rerun and st.switch_page are BaseExceptions and pass through
        log.error("page failed: %s", type(exc).__name__)
        if os.environ.get("RADASSIST_DEBUG"):
            raise
        st.error(ERROR_TEXT, icon=":material/error:")


def _page() -> None:
    init_state()
    _keep_widget_values()
    settings = _settings_or_stop()
    identified = _identify(settings)
    user = identified if isinstance(identified, auth.User) else None
    st.session_state.user = user

    holder: dict[str, Run] = {}
    pages = {
        "chat": st.Page(lambda: chat.page(holder["run"]), title="Chat", icon=":material/forum:",
                        url_path="chat", default=True),
        "library": st.Page(lambda: library.page(holder["run"]), title="Kennisbank", icon=":material/menu_book:",
                           url_path=LIBRARY_PATH),
    }
    # Always the same pages, so a deep link keeps its page and query through a login; hidden until identified.
    current = st.navigation(list(pages.values()), position="sidebar" if user else "hidden")
    if user is None:
        _show_denied(settings, identified)
        st.stop()
    engine, index = _engine_or_stop(settings)
    if LINK_DOCUMENT in st.query_params and current.url_path != LIBRARY_PATH:
        st.switch_page(pages["library"], query_params=st.query_params.to_dict())  # a link to the app's root

    levels = allowed_levels(engine)
    chunks = [c for c in index.chunks if c.confidentiality in levels]  # no hints of what the role may not see
    run = Run(settings=settings, engine=engine, index=index, user=user, levels=levels,
              store_path=str(store_for(settings).path), filters=Filters(), pages=pages,
              base_url=_base_url(current.url_path), documents=engine.visible_documents(user.role),
              passages=len(chunks))
    with st.sidebar:
        _sidebar_user(user)
        run.sidebar = st.container()  # the current page's own controls go here
        run.filters = _sidebar_filters(chunks, in_library=current.url_path == LIBRARY_PATH)
        _sidebar_status(run)
    holder["run"] = run
    current.run()


def _keep_widget_values() -> None:
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(_KEPT_WIDGETS):
            try:
                st.session_state[key] = st.session_state[key]
            except Exception:  # a value Streamlit will not take back: the widget starts empty
                pass


def _base_url(page_path: str) -> str:
    """The app's address as the browser sees it (with any base path), ending in '/'; '' when unknown."""
    try:
        url = (st.context.url or "").rstrip("/")
    except Exception:
        return ""
    if not url:
        return ""
    if page_path and url.endswith("/" + page_path):
        url = url[: -len(page_path) - 1]
    return url + "/"


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
        st.title(APP_HEADING)
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


def _identify(settings: Settings) -> auth.User | auth.Denied:
    """Who this run is for, or why nobody is (nothing is shown yet)."""
    mode = settings.auth.mode
    if mode == "users":
        return _logged_in_user(settings)
    claims = _oidc_claims() if mode == "oidc" else None
    return auth.resolve_user(settings, _request_headers(), _remote_address(), claims)


def _show_denied(settings: Settings, result: auth.Denied) -> None:
    """A login (or the reason why not) and no documents."""
    mode = settings.auth.mode
    if mode == "oidc" and result.kind == "login" and not _oidc_ready():
        log.error("auth.mode is 'oidc' but Authlib is not installed; st.login cannot work")
        result = auth.Denied("config", auth.CONFIG_TEXT)
    st.title(APP_HEADING)
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
    st.rerun()  # the URL (page and deep-link query) stays as it was


def _logout() -> None:
    st.session_state.login_user = None
    _start_fresh()


def _start_fresh() -> None:
    """A new identity starts with an empty conversation and a new pseudonymous session id."""
    new_conversation()
    st.session_state.doc_filter = None
    st.session_state.session_id = uuid.uuid4().hex


# ----------------------------------------------------------------------------- the shared sidebar

def _sidebar_user(user: auth.User) -> None:
    if user.source == "none":
        st.caption(f":material/lock_open: Geen login: alle documenten voor rol {md_escape(user.role)}")
        return
    st.markdown(f"**Ingelogd als**  \n{md_escape(user.name)} · rol {md_escape(user.role)}")
    if user.source == "users":
        st.button("Uitloggen", icon=":material/logout:", on_click=_logout, key="logout")
    elif user.source == "oidc" and st.button("Uitloggen", icon=":material/logout:", key="logout"):
        st.logout()


def _sidebar_filters(chunks: list[Chunk], in_library: bool) -> Filters:
    """Type, theme and region, shared by the chat and the library (rendered here, so they keep their values
    from page to page). Only values of what the role may see (`chunks`) are offered: no hints of the rest."""
    types = sorted({c.type for c in chunks})
    themes = sorted({t for c in chunks for t in c.themes})
    regions = sorted({c.region for c in chunks if c.region})
    st.subheader("Toon alleen" if in_library else "Zoek alleen in")
    chosen_types = st.multiselect("Documenttype", types, format_func=type_label, key="filter_types",
                                  placeholder="Alle typen")
    chosen_themes = st.multiselect("Thema", themes, format_func=theme_label, key="filter_themes",
                                   placeholder="Alle thema's")
    chosen_regions = st.multiselect("Regio", regions, key="filter_regions", placeholder="Alle regio's")
    return Filters(types=chosen_types, themes=chosen_themes, regions=chosen_regions, doc_ids=[])


def _sidebar_status(run: Run) -> None:
    st.divider()
    counts = run.index.manifest.get("counts", {})
    st.markdown(
        f"**Antwoorden**  \n{md_escape(backend_label(run.settings.answer.backend))}\n\n"
        f"**Kennisbank**  \n{len(run.documents)} documenten · {run.passages} passages  \n"
        f"bijgewerkt op {md_escape(date_nl(run.index.manifest.get('created', '')))}"
    )
    if counts.get("skipped"):
        st.caption(f"{counts['skipped']} bestand(en) niet geïndexeerd; zie `radassist status`.")
