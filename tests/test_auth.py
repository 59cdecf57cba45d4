"""Access roles: who is asking (users file, trusted headers, OIDC) and that a guest never sees an `intern` document.

The users file is exercised with real argon2id hashes; the web app with Streamlit's AppTest over the
shared sample-corpus index, whose `intern` documents (the flexteam report and two interviews) are the
ones a 'gast' must never receive: not in search, answers, the chat page, the source panel or a download.
"""

from __future__ import annotations

import html
import json
import os
import re
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from radassist import auth
from radassist.auth import Denied, User
from radassist.settings import load_settings

from conftest import ROOT

PASSWORD = "correct paard batterij"
INTERN_QUESTIONS = (
    "Wat staat er in de terugblik van het flexteam over 2018-2024?",
    "Wat vertelt de raadsonderzoeker uit Gelderland-Midden over minderjarigen die online radicaliseren?",
    "Wat zegt de gemeentelijk adviseur uit Noord-Holland Noord over themabijeenkomsten?",
)


def settings_for(tmp_path: Path, **auth_settings):
    return load_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "var", auth=auth_settings)


def radassist(*args, env=None, input=None):
    return subprocess.run(
        [sys.executable, "-m", "radassist.cli", *args], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, **(env or {})}, input=input, timeout=300,
    )


@dataclass
class Intern:
    """What a guest must never receive: the intern documents' ids, their interview titles, and every run of
    ten words that occurs in an intern document and in no public one."""

    doc_ids: set[str]
    titles: set[str]
    shingles: set[str]

    def leaks_in(self, text: str) -> list[str]:
        """The intern ids, titles and word runs in `text` (page HTML and Markdown escapes are undone first)."""
        plain = html.unescape(re.sub(r"<[^>]+>", " ", text))
        found = [d for d in self.doc_ids if d in plain] + [t for t in self.titles if t in " ".join(plain.split())]
        return found + sorted(shingles(plain) & self.shingles)


def shingles(text: str, n: int = 10) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


@pytest.fixture(scope="module")
def intern(sample_settings) -> Intern:
    """The intern documents of the sample index (public factsheets cite the report's title: not a leak)."""
    from radassist.index import LoadedIndex

    index = LoadedIndex.open(sample_settings)
    hidden = [c for c in index.chunks if c.confidentiality == "intern"]
    public = set().union(*(shingles(c.text) for c in index.chunks if c.confidentiality != "intern"))
    found = Intern(
        doc_ids={c.doc_id for c in hidden},
        titles={c.title for c in hidden if c.type == "interview"},
        shingles=set().union(*(shingles(c.text) for c in hidden)) - public,
    )
    assert found.doc_ids == {"rapport-flexteam-2025", "int-03-gemeentelijk-adviseur-noord-holland-noord",
                             "int-08-raadsonderzoeker-gelderland-midden"}
    return found


# ----------------------------------------------------------------------------- the users file

def test_users_are_stored_as_salted_argon2id_hashes_in_a_private_file(tmp_path):
    settings = settings_for(tmp_path, mode="users")
    auth.add_user(settings, "Anna", PASSWORD, "medewerker")
    auth.add_user(settings, "bob", PASSWORD, "gast")

    path = settings.var_dir / "users.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_text(encoding="utf-8")
    assert PASSWORD not in raw
    users = json.loads(raw)["users"]
    assert set(users) == {"anna", "bob"}  # names are stored in lower case
    assert all(u["hash"].startswith("$argon2id$") for u in users.values())
    assert users["anna"]["hash"] != users["bob"]["hash"]  # same password, different salt
    assert [p.name for p in path.parent.iterdir() if ".tmp" in p.name] == []

    assert [(r.name, r.role) for r in auth.list_users(settings)] == [("anna", "medewerker"), ("bob", "gast")]
    assert "hash" not in auth.list_users(settings)[0].to_json()


def test_file_stays_private_whatever_the_umask(tmp_path):
    settings = settings_for(tmp_path, mode="users")
    old = os.umask(0)
    try:
        auth.add_user(settings, "anna", PASSWORD, "gast")
    finally:
        os.umask(old)
    assert stat.S_IMODE((settings.var_dir / "users.json").stat().st_mode) == 0o600


def test_verify_password(tmp_path):
    settings = settings_for(tmp_path, mode="users")
    auth.add_user(settings, "anna", PASSWORD, "medewerker")
    assert auth.verify_password(settings, "anna", PASSWORD) == User("anna", "medewerker", "users")
    assert auth.verify_password(settings, " ANNA ", PASSWORD) == User("anna", "medewerker", "users")
    assert auth.verify_password(settings, "anna", PASSWORD + "!") is None
    assert auth.verify_password(settings, "anna", "") is None
    assert auth.verify_password(settings, "onbekend", PASSWORD) is None


def test_add_validates_role_name_password_and_duplicates(tmp_path):
    from radassist.types import ConfigError, RadassistError

    settings = settings_for(tmp_path, mode="users")
    with pytest.raises(ConfigError, match="onbekende rol 'directeur'"):
        auth.add_user(settings, "anna", PASSWORD, "directeur")
    with pytest.raises(ConfigError, match="minstens 8 tekens"):
        auth.add_user(settings, "anna", "kort", "gast")
    with pytest.raises(ConfigError, match="ongeldige gebruikersnaam"):
        auth.add_user(settings, "anna de vries", PASSWORD, "gast")
    auth.add_user(settings, "anna", PASSWORD, "gast")
    with pytest.raises(RadassistError, match="bestaat al"):
        auth.add_user(settings, "anna", PASSWORD, "medewerker")
    auth.add_user(settings, "anna", "een nieuw wachtwoord", "medewerker", replace=True)
    assert auth.verify_password(settings, "anna", PASSWORD) is None
    assert auth.verify_password(settings, "anna", "een nieuw wachtwoord").role == "medewerker"


def test_remove_user_and_lookup(tmp_path):
    from radassist.types import RadassistError

    settings = settings_for(tmp_path, mode="users")
    auth.add_user(settings, "anna", PASSWORD, "medewerker")
    assert auth.lookup_user(settings, "anna") == User("anna", "medewerker", "users")
    auth.remove_user(settings, "anna")
    assert auth.lookup_user(settings, "anna") is None
    assert auth.verify_password(settings, "anna", PASSWORD) is None
    with pytest.raises(RadassistError, match="bestaat niet"):
        auth.remove_user(settings, "anna")


def test_login_rehashes_a_hash_made_with_older_parameters(tmp_path):
    from argon2 import PasswordHasher

    settings = settings_for(tmp_path, mode="users")
    auth.add_user(settings, "anna", PASSWORD, "gast")
    path = settings.var_dir / "users.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    data["users"]["anna"]["hash"] = weak
    path.write_text(json.dumps(data), encoding="utf-8")

    assert auth.verify_password(settings, "anna", PASSWORD) == User("anna", "gast", "users")
    stored = json.loads(path.read_text(encoding="utf-8"))["users"]["anna"]["hash"]
    assert stored != weak and not PasswordHasher().check_needs_rehash(stored)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_users_file_setting_and_role_removed_from_settings(tmp_path):
    elsewhere = tmp_path / "geheim" / "accounts.json"
    settings = settings_for(tmp_path, mode="users", users_file=elsewhere)
    auth.add_user(settings, "anna", PASSWORD, "beheerder")
    assert elsewhere.is_file() and not (settings.var_dir / "users.json").exists()

    narrower = settings_for(tmp_path, mode="users", users_file=elsewhere, role_access={"gast": ["openbaar"]})
    assert auth.verify_password(narrower, "anna", PASSWORD) is None  # a role the settings no longer know
    assert auth.lookup_user(narrower, "anna") is None


def test_users_cli_add_list_remove(tmp_path):
    env = {"RADASSIST_INDEX_DIR": str(tmp_path / "index"), "RADASSIST_DATA_DIR": str(tmp_path / "var"),
           "RADASSIST_AUTH__MODE": "users"}
    out = radassist("users", "add", "anna", "--role", "medewerker", "--password-stdin", env=env, input=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    assert "anna" in out.stdout and "medewerker" in out.stdout

    out = radassist("users", "add", "bob", "--role", "gast", "--password-stdin", env=env, input=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr

    listing = radassist("users", "list", "--json", env=env)
    assert listing.returncode == 0, listing.stderr
    assert [(u["name"], u["role"]) for u in json.loads(listing.stdout)] == [("anna", "medewerker"), ("bob", "gast")]
    plain = radassist("users", "list", env=env)
    for text in (listing.stdout, plain.stdout, plain.stderr):
        assert "argon2" not in text and "hash" not in text and PASSWORD not in text
    assert "anna" in plain.stdout and "gast" in plain.stdout

    settings = settings_for(tmp_path, mode="users")
    assert auth.verify_password(settings, "anna", PASSWORD) == User("anna", "medewerker", "users")

    assert radassist("users", "remove", "anna", env=env).returncode == 0
    assert [u["name"] for u in json.loads(radassist("users", "list", "--json", env=env).stdout)] == ["bob"]
    gone = radassist("users", "remove", "anna", env=env)
    assert gone.returncode == 1 and "bestaat niet" in gone.stderr


def test_users_cli_refuses_unknown_role_and_asks_for_a_terminal(tmp_path):
    env = {"RADASSIST_INDEX_DIR": str(tmp_path / "index"), "RADASSIST_DATA_DIR": str(tmp_path / "var")}
    bad = radassist("users", "add", "anna", "--role", "directeur", "--password-stdin", env=env, input=PASSWORD)
    assert bad.returncode == 2 and "onbekende rol 'directeur'" in bad.stderr
    no_tty = radassist("users", "add", "anna", "--role", "gast", env=env, input="")
    assert no_tty.returncode == 2 and "--password-stdin" in no_tty.stderr
    assert not (tmp_path / "var" / "users.json").exists()
    noted = radassist("users", "add", "anna", "--role", "gast", "--password-stdin", env=env, input=PASSWORD)
    assert noted.returncode == 0 and "auth.mode is 'none'" in noted.stderr  # the file is not in use yet


def test_login_delay_grows_after_a_few_failures():
    assert [auth.login_delay(n) for n in range(6)] == [0, 0, 0, 5, 10, 20]
    assert auth.login_delay(50) == 300


# ----------------------------------------------------------------------------- trusted headers and OIDC

def headers_settings(tmp_path, **extra):
    return settings_for(tmp_path, mode="headers", trusted_proxies=["127.0.0.1", "10.0.0.0/24", "fd00::1"], **extra)


def test_headers_from_a_trusted_proxy_identify_the_user(tmp_path):
    settings = headers_settings(tmp_path)
    sent = {"x-forwarded-user": "anna@zvh.nl", "X-Forwarded-Groups": "alle-medewerkers, medewerker"}
    assert auth.resolve_user(settings, sent, "10.0.0.7") == User("anna@zvh.nl", "medewerker", "headers")
    assert auth.resolve_user(settings, sent, "127.0.0.1").role == "medewerker"
    assert auth.resolve_user(settings, sent, "::ffff:127.0.0.1").role == "medewerker"
    assert auth.resolve_user(settings, sent, "fd00::1").role == "medewerker"

    renamed = headers_settings(tmp_path, user_header="Remote-User", groups_header="Remote-Groups")
    assert auth.resolve_user(renamed, {"Remote-User": "bob", "Remote-Groups": "gast"}, "10.0.0.9").role == "gast"


@pytest.mark.parametrize("remote", ["192.168.1.5", "10.0.1.7", "::1", None, "", "niet-een-adres"])
def test_forged_headers_from_any_other_address_are_ignored(tmp_path, remote):
    settings = headers_settings(tmp_path)
    forged = {"X-Forwarded-User": "beheer", "X-Forwarded-Groups": "beheerder"}
    result = auth.resolve_user(settings, forged, remote)
    assert isinstance(result, Denied) and result.kind == "untrusted"
    assert result.reason == auth.NOT_SIGNED_IN_TEXT


def test_headers_count_only_in_headers_mode(tmp_path):
    forged = {"X-Forwarded-User": "beheer", "X-Forwarded-Groups": "beheerder"}
    assert auth.resolve_user(settings_for(tmp_path), forged, "127.0.0.1") == User("lokaal", "medewerker", "none")
    assert auth.resolve_user(settings_for(tmp_path, mode="none", default_role="gast"), forged, "127.0.0.1").role == "gast"
    users = auth.resolve_user(settings_for(tmp_path, mode="users"), forged, "127.0.0.1")
    assert isinstance(users, Denied) and users.kind == "login"
    oidc = auth.resolve_user(settings_for(tmp_path, mode="oidc"), forged, "127.0.0.1", {"is_logged_in": False})
    assert isinstance(oidc, Denied) and oidc.kind == "login"


def test_repeated_or_missing_identity_headers_give_no_access(tmp_path):
    settings = headers_settings(tmp_path)
    twice = [("X-Forwarded-User", "beheer"), ("X-Forwarded-User", "anna"), ("X-Forwarded-Groups", "gast")]
    assert auth.resolve_user(settings, twice, "127.0.0.1").kind == "untrusted"
    assert auth.resolve_user(settings, {"X-Forwarded-Groups": "gast"}, "127.0.0.1").kind == "login"
    assert auth.resolve_user(settings, {"X-Forwarded-User": "  \x00 "}, "127.0.0.1").kind == "login"


@pytest.mark.parametrize("groups, role", [
    ("gast", "gast"),
    ("GAST", "gast"),
    ("gast,medewerker", "medewerker"),
    ("medewerker, gast", "medewerker"),
    ("beheerder,gast", "beheerder"),
    ("medewerker,beheerder", "beheerder"),  # same levels: the role listed later in role_access wins
    ("zvh-medewerker,gasten", None),  # exact names only
    ("", None),
])
def test_groups_map_to_the_highest_privilege_role(tmp_path, groups, role):
    settings = headers_settings(tmp_path)
    result = auth.resolve_user(settings, {"X-Forwarded-User": "anna", "X-Forwarded-Groups": groups}, "10.0.0.2")
    if role is None:
        assert isinstance(result, Denied) and result.kind == "no_role"
        assert "anna" in result.reason and "gast, medewerker, beheerder" in result.reason
    else:
        assert result == User("anna", role, "headers")


def test_role_ranking_follows_the_levels_a_role_may_see():
    access = {"beheerder": ["openbaar", "intern", "vertrouwelijk"], "gast": ["openbaar"], "medewerker": ["openbaar", "intern"]}
    assert auth.role_for_groups(["gast", "beheerder", "medewerker"], access) == "beheerder"
    assert auth.role_for_groups(["gast", "medewerker"], access) == "medewerker"
    assert auth.role_for_groups(["directie"], access) is None


def test_oidc_claims(tmp_path):
    settings = settings_for(tmp_path, mode="oidc")
    assert auth.resolve_user(settings, st_user={}).kind == "config"  # no [auth] in secrets.toml
    assert auth.resolve_user(settings, st_user={"is_logged_in": False}).kind == "login"
    claims = {"is_logged_in": True, "email": "anna@zvh.nl", "name": "Anna", "groups": ["Medewerker", "iedereen"]}
    assert auth.resolve_user(settings, st_user=claims) == User("anna@zvh.nl", "medewerker", "oidc")
    assert auth.resolve_user(settings, st_user={"is_logged_in": True, "sub": "x1", "roles": "gast"}).role == "gast"
    assert auth.resolve_user(settings, st_user={"is_logged_in": True, "email": "anna@zvh.nl"}).kind == "no_role"


# ----------------------------------------------------------------------------- a guest never receives intern documents

def test_search_and_ask_for_a_guest_return_no_intern_passage(engine, intern):
    from radassist.engine import AskContext

    for question in INTERN_QUESTIONS:
        staff = engine.search(question, k=10, role="medewerker")
        assert {p.chunk.doc_id for p in staff.passages} & intern.doc_ids, f"question misses intern: {question}"

        guest = engine.search(question, k=40, role="gast")
        assert guest.passages and all(p.chunk.confidentiality == "openbaar" for p in guest.passages)

        answer = engine.ask(question, AskContext(role="gast", audit=False))
        chunks = [p.chunk for p in answer.passages] + [c.passage.chunk for c in answer.citations]
        assert not {c.doc_id for c in chunks} & intern.doc_ids
        assert not intern.leaks_in(answer.answer)


def test_cli_search_and_ask_for_a_guest_return_no_intern_passage(env_index, intern):
    question = INTERN_QUESTIONS[0]
    found = radassist("search", question, "--json", "--k", "30", "--role", "gast")
    assert found.returncode == 0, found.stderr
    doc_ids = {p["doc_id"] for p in json.loads(found.stdout)["passages"]}
    assert doc_ids and not doc_ids & intern.doc_ids
    assert not intern.leaks_in(found.stdout)

    asked = radassist("ask", question, "--json", "--role", "gast")
    assert asked.returncode == 0, asked.stderr
    data = json.loads(asked.stdout)
    assert not {p["doc_id"] for p in data["passages"] + data["citations"]} & intern.doc_ids
    assert not intern.leaks_in(asked.stdout)

    staff = radassist("search", question, "--json", "--k", "10", "--role", "medewerker")
    assert {p["doc_id"] for p in json.loads(staff.stdout)["passages"]} & intern.doc_ids


# ----------------------------------------------------------------------------- the web app per auth mode

def app_test() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="chat_question").set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [b.label for b in at.button]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [m.value for m in at.sidebar.markdown]
    return "\n".join(parts)


def downloads(at: AppTest) -> list:
    return list(at.get("download_button"))


def assert_no_intern_anywhere(at: AppTest, intern: Intern) -> None:
    for ex in at.session_state["exchanges"]:
        if ex.answer is None:
            continue
        chunks = [p.chunk for p in ex.answer.passages] + [c.passage.chunk for c in ex.answer.citations]
        assert all(c.confidentiality == "openbaar" for c in chunks), [c.doc_id for c in chunks]
    assert not intern.leaks_in(page_text(at))  # the source panel names the file, so an intern one shows its id
    for button in downloads(at):
        assert "download-" in button.proto.id  # the widget id carries the chunk id, so the document
        assert not any(doc_id in button.proto.id for doc_id in intern.doc_ids)


def open_every_source(at: AppTest, intern: Intern) -> int:
    """Click each 'Bekijk bron' and check the panel and its download; returns how many were opened."""
    keys = [b.key for b in at.button if b.label == "Bekijk bron"]
    for key in keys:
        at.button(key=key).click().run()
        assert not at.exception
        assert_no_intern_anywhere(at, intern)
        assert downloads(at), "an allowed source offers its file"
    return len(keys)


@pytest.fixture()
def users_env(env_index, monkeypatch):
    monkeypatch.setenv("RADASSIST_AUTH__MODE", "users")
    settings = load_settings()
    auth.add_user(settings, "gast1", PASSWORD, "gast")
    auth.add_user(settings, "anna", PASSWORD, "medewerker")
    return settings


def login(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="login-name").input(name)
    at.text_input(key="login-password").input(password)
    at.button(key="login-submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_users_mode_shows_only_a_login_form_until_logged_in(users_env, intern):
    at = app_test().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Gebruikersnaam", "Wachtwoord"]
    assert not at.chat_input and "documenten" not in page_text(at)

    login(at, "gast1", "fout wachtwoord")
    assert [e.value for e in at.error] == [auth.FAILED_LOGIN_TEXT]
    assert not at.chat_input
    login(at, "niemand", PASSWORD)
    assert [e.value for e in at.error] == [auth.FAILED_LOGIN_TEXT]  # same words for an unknown name

    login(at, "gast1", PASSWORD)
    assert at.chat_input and not at.error
    sidebar = " ".join(m.value for m in at.sidebar.markdown)
    assert "Ingelogd als" in sidebar and "gast1" in sidebar and "rol gast" in sidebar

    for question in INTERN_QUESTIONS[:2]:
        ask(at, question)
    assert all(ex.answer is not None for ex in at.session_state["exchanges"])
    assert_no_intern_anywhere(at, intern)
    assert open_every_source(at, intern) >= 1

    at.sidebar.button(key="logout").click().run()
    assert not at.chat_input and at.text_input(key="login-name")
    assert "ra-answer" not in page_text(at) and at.session_state["exchanges"] == []


def test_users_mode_medewerker_does_get_the_intern_report(users_env, intern):
    at = login(app_test().run(), "anna", PASSWORD)
    ask(at, INTERN_QUESTIONS[0])
    [ex] = at.session_state["exchanges"]
    assert {c.passage.chunk.doc_id for c in ex.answer.citations} & intern.doc_ids
    assert intern.leaks_in(page_text(at))  # the check above would notice


def test_failed_logins_are_rate_limited_per_session(users_env):
    at = app_test().run()
    for _ in range(auth.FREE_LOGIN_ATTEMPTS):
        login(at, "gast1", "fout wachtwoord")
    login(at, "gast1", PASSWORD)  # right password, but the session has to wait first
    assert not at.chat_input
    assert any("Te veel mislukte pogingen" in w.value for w in at.warning)

    other = app_test().run()  # the limit is per session
    assert login(other, "gast1", PASSWORD).chat_input


def test_removed_user_loses_access_on_the_next_click(users_env):
    at = login(app_test().run(), "gast1", PASSWORD)
    assert at.chat_input
    auth.remove_user(users_env, "gast1")
    at.run()
    assert not at.chat_input and at.text_input(key="login-name")


def test_no_login_mode_says_so_in_the_sidebar(env_index, monkeypatch, intern):
    monkeypatch.setenv("RADASSIST_AUTH__DEFAULT_ROLE", "gast")
    at = app_test().run()
    assert any(c.value.endswith("Geen login: alle documenten voor rol gast") for c in at.sidebar.caption)
    ask(at, INTERN_QUESTIONS[0])
    ask(at, INTERN_QUESTIONS[2])
    assert_no_intern_anywhere(at, intern)
    open_every_source(at, intern)


def test_headers_mode_in_the_app(env_index, monkeypatch, intern):
    from radassist import ui

    monkeypatch.setenv("RADASSIST_AUTH__MODE", "headers")
    sent = [("X-Forwarded-User", "bob@zvh.nl"), ("X-Forwarded-Groups", "gast")]
    monkeypatch.setattr(ui, "_request_headers", lambda: sent)

    monkeypatch.setattr(ui, "_remote_address", lambda: "192.168.7.7")  # the app reached around the proxy
    at = app_test().run()
    assert not at.exception and not at.chat_input
    assert [i.value for i in at.info] == [auth.NOT_SIGNED_IN_TEXT]

    monkeypatch.setattr(ui, "_remote_address", lambda: "127.0.0.1")  # through the proxy
    at = app_test().run()
    assert at.chat_input
    assert "bob@zvh.nl" in " ".join(m.value for m in at.sidebar.markdown)
    ask(at, INTERN_QUESTIONS[1])
    assert_no_intern_anywhere(at, intern)


def test_oidc_mode_shows_a_login_button_and_no_documents(env_index, monkeypatch, intern):
    from radassist import ui

    monkeypatch.setenv("RADASSIST_AUTH__MODE", "oidc")
    monkeypatch.setattr(ui, "_oidc_ready", lambda: True)  # Authlib, which st.login needs, may be missing here
    at = app_test()
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Inloggen"]
    assert not at.chat_input and "documenten" not in page_text(at)

    monkeypatch.setattr(ui, "_oidc_ready", lambda: False)
    at.run()
    assert [i.value for i in at.info] == [auth.CONFIG_TEXT] and not at.button

    at.user = {}  # Streamlit gives no is_logged_in without [auth] in secrets.toml
    at.run()
    assert [i.value for i in at.info] == [auth.CONFIG_TEXT] and not at.chat_input

    at.user = {"is_logged_in": True, "email": "anna@zvh.nl", "groups": ["iedereen"]}
    at.run()
    assert not at.chat_input and "geen rol" in at.info[0].value
    assert [b.label for b in at.button] == ["Uitloggen"]

    at.user = {"is_logged_in": True, "email": "gast@zvh.nl", "groups": ["gast"]}
    at.run()
    assert at.chat_input and "gast@zvh.nl" in " ".join(m.value for m in at.sidebar.markdown)
    ask(at, INTERN_QUESTIONS[0])
    assert_no_intern_anywhere(at, intern)


def test_headers_mode_end_to_end_behind_a_proxy(env_index, tmp_path, intern):
    """A real app process: identity headers count only from the proxy's address, forged ones do not."""
    from servers import StreamlitClient, free_port, start_app, stop, wait_for

    port = free_port()
    # FORWARDED_ALLOW_IPS="" keeps uvicorn from replacing the peer address with X-Forwarded-For (docs/deploy.md).
    env = {**os.environ, "RADASSIST_AUTH__MODE": "headers", "FORWARDED_ALLOW_IPS": ""}
    app = start_app(port, env, tmp_path / "streamlit.log")
    identity = {"X-Forwarded-User": "bob@zvh.nl", "X-Forwarded-Groups": "gast", "X-Forwarded-For": "203.0.113.9"}
    forged = {"X-Forwarded-User": "beheer", "X-Forwarded-Groups": "beheerder", "X-Forwarded-For": "127.0.0.1"}
    try:
        wait_for(f"http://127.0.0.1:{port}/_stcore/health", app, expect=b"ok", timeout=90)
        with StreamlitClient(port, identity) as proxied:  # through the proxy on this host
            page = proxied.run()
            assert page.of_type("chat_input") and "bob@zvh.nl" in page.text() and "rol gast" in page.text()
            answer = proxied.run(INTERN_QUESTIONS[0]).text()
            assert 'class="ra-answer"' in answer and not intern.leaks_in(answer)
        with StreamlitClient(port, forged, source="127.0.0.2") as around:  # around the proxy
            page = around.run()
            assert not page.of_type("chat_input") and auth.NOT_SIGNED_IN_TEXT in page.text()
            assert "beheer" not in page.text() and not intern.leaks_in(page.text())
    finally:
        stop(app)


# ----------------------------------------------------------------------------- defence in depth in the app

def test_an_answer_resting_on_intern_passages_is_withheld(env_index, monkeypatch, intern, sample_settings):
    """Even if retrieval let an intern passage through, the page would not show it."""
    from radassist.engine import Engine
    from radassist.index import LoadedIndex
    from radassist.types import Answer, Citation, Passage

    index = LoadedIndex.open(sample_settings)
    leaked = Passage(rank=1, chunk=next(c for c in index.chunks if c.confidentiality == "intern"), score=1.0)
    quote = leaked.chunk.text[:80]

    def leaky(self, question, ctx=None):
        yield "token", "Uitgelekt"
        yield "answer", Answer(question, f"{quote} [1]", False, "extractive", [Citation(1, leaked, quote)], [leaked])

    monkeypatch.setattr(Engine, "ask_stream", leaky)
    monkeypatch.setenv("RADASSIST_AUTH__DEFAULT_ROLE", "gast")
    at = ask(app_test().run(), INTERN_QUESTIONS[0])
    [error] = at.error
    assert "niet bij uw rol" in error.value
    assert quote not in page_text(at) and leaked.chunk.doc_id not in page_text(at)
    assert not [b for b in at.button if b.label == "Bekijk bron"] and not downloads(at)


def _source_panel(role: str) -> None:
    """An AppTest script: open the source panel of the first intern passage as a user with `role`."""
    import streamlit as st

    from radassist.auth import User
    from radassist.engine import Engine
    from radassist.settings import load_settings
    from radassist.types import Passage
    from radassist.ui import _source_dialog

    engine = Engine(load_settings())
    chunk = next(c for c in engine.index.chunks if c.confidentiality == "intern")
    st.session_state.user = User("test", role, "none")
    _source_dialog(engine, Passage(rank=1, chunk=chunk, score=1.0), [])


@pytest.mark.parametrize("role, shown", [("gast", False), ("medewerker", True)])
def test_source_panel_and_download_check_the_role(env_index, intern, role, shown):
    at = AppTest.from_function(_source_panel, kwargs={"role": role}, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    text = page_text(at)
    if shown:
        assert "Vindplaats" in text and downloads(at)
    else:
        assert [w.value for w in at.warning] == ["U heeft geen toegang tot dit document."]
        assert "Vindplaats" not in text and not downloads(at)
        assert not intern.leaks_in(text)
