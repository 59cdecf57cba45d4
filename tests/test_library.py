"""The library page ("Kennisbank"), deep links and "Stel een vraag over dit document", driven with AppTest
over the shared sample-corpus index; access is checked with the same intern-leak detector as test_auth.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from streamlit.testing.v1 import AppTest

from test_auth import PASSWORD, intern, login, users_env  # noqa: F401  (intern, users_env: fixtures)

ROOT = Path(__file__).resolve().parents[1]
FACTSHEET = "fs-01-casusoverleg"
FACTSHEET_TITLE = "Factsheet: Het casusoverleg radicalisering"
SECTION = "Werkwijze > Monitoren en afsluiten"
NOT_FOUND = "Dit document staat niet in de kennisbank of u heeft er geen toegang toe."


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_link(at: AppTest, **query: str) -> AppTest:
    """Open the app at `?document=...` (a deep link to the app's root goes on to the library)."""
    at.query_params.clear()
    at.query_params.update(query)
    return run(at)


def catalog(at: AppTest) -> AppTest:
    """The library's list: open any document, then 'back to the overview'."""
    open_link(at, document=FACTSHEET)
    at.button(key="lib-back").click()
    return run(at)


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [b.label for b in at.button]
    parts += [w.value for w in at.warning] + [i.value for i in at.info] + [s.value for s in at.main.subheader]
    parts += [t.value for t in at.title] + [m.value for m in at.sidebar.markdown]
    parts += [d.label for d in at.get("download_button")]
    return "\n".join(parts)


def plain(markup: str) -> str:
    """Rendered HTML as the reader sees it: page markers and tags removed, entities and escapes undone."""
    markup = re.sub(r'<span class="ra-page">[^<]*</span>', " ", markup)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).replace("\\", "").split())


def listed(at: AppTest) -> list[str]:
    return [b.key.removeprefix("open-") for b in at.button if b.key and b.key.startswith("open-")]


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="chat_question").set_value(question)
    return run(at)


# ----------------------------------------------------------------------------- the list

def test_library_lists_every_document_grouped_by_type_with_catalog_facts(env_index, engine):
    at = catalog(app())
    assert at.query_params.get("document") is None
    documents = engine.index.documents()
    assert sorted(listed(at)) == sorted(documents)  # the default role may read all 25
    assert [s.value for s in at.main.subheader] == ["Rapport (1)", "Factsheets (14)", "Interviews (10)"]
    assert [t.value for t in at.title] == ["Kennisbank"]
    assert "25 documenten" in texts(at)
    shown = texts(at).replace("\\", "")
    assert FACTSHEET_TITLE in shown
    assert "10 april 2025 · landelijk · casusoverleg, procesregie, samenwerking" in shown
    assert "11 juni 2024 · Twente" in shown  # an interview: its date and region
    rapport = next(m.value for m in at.markdown if "14 maart 2025" in m.value)
    assert '<span class="ra-badge">intern</span>' in rapport  # the level is shown to who may see it


def test_title_and_sidebar_filters_narrow_the_list(env_index, engine):
    at = catalog(app())
    at.text_input(key="library_title").input("PRIVACY")
    run(at)
    assert sorted(listed(at)) == ["fs-04-privacy-gegevensdeling", "int-09-privacy-officer-utrecht"]
    at.text_input(key="library_title").input("fryslan")  # accents do not matter: Fryslân
    run(at)
    assert listed(at) == ["int-02-procesregisseur-fryslan"]

    at.text_input(key="library_title").input("")
    at.sidebar.multiselect(key="filter_types").set_value(["factsheet"])
    at.sidebar.multiselect(key="filter_themes").set_value(["privacy"])
    run(at)
    expected = [d.meta.id for d in engine.index.documents().values()
                if d.meta.type == "factsheet" and "privacy" in d.meta.themes]
    assert sorted(listed(at)) == sorted(expected) and "fs-04-privacy-gegevensdeling" in expected
    assert "int-09-privacy-officer-utrecht" not in listed(at)  # type and theme, as retrieval filters
    assert any("Alleen type: Factsheet; thema: privacy" in c.value.replace("\\", "") for c in at.caption)
    at.sidebar.multiselect(key="filter_regions").set_value(["Twente"])
    run(at)
    assert listed(at) == [] and "Geen documenten gevonden" in at.info[0].value


def test_a_guest_never_sees_intern_documents_in_the_library(env_index, monkeypatch, intern, engine):
    monkeypatch.setenv("RADASSIST_AUTH__DEFAULT_ROLE", "gast")
    at = catalog(app())
    public = {d for d, doc in engine.index.documents().items() if doc.meta.confidentiality == "openbaar"}
    assert sorted(listed(at)) == sorted(public) and len(public) == 22
    assert not set(listed(at)) & intern.doc_ids
    assert [s.value for s in at.main.subheader] == ["Factsheets (14)", "Interviews (8)"]  # no empty 'Rapport (0)'
    # The sidebar must not reveal the 25 documents beyond the guest's 22 (its "bijgewerkt op" date may hold a 25).
    sidebar = re.sub(r"bijgewerkt op [^\n]*", "", " ".join(m.value for m in at.sidebar.markdown))
    assert "22 documenten" in texts(at) and "25" not in sidebar
    assert not intern.leaks_in(texts(at))

    for doc_id in sorted(intern.doc_ids):  # a link to an intern document tells a guest nothing
        open_link(at, document=doc_id, pagina="2")
        assert [w.value for w in at.warning] == [NOT_FOUND + " Klopt dat niet, neem dan contact op met de beheerder."]
        assert not intern.leaks_in(texts(at)) and not at.get("download_button")
    open_link(at, document="bestaat-niet")
    assert [w.value for w in at.warning][0].startswith(NOT_FOUND)  # the same answer as for a real intern id


def test_engine_lists_the_documents_a_role_may_retrieve(engine, sample_settings):
    for role, levels in sample_settings.auth.role_access.items():
        visible = {d.meta.id for d in engine.visible_documents(role)}
        retrievable = {c.doc_id for c in engine.index.chunks if c.confidentiality in levels}
        assert visible == retrievable, role
    assert engine.visible_document("rapport-flexteam-2025", "gast") is None
    assert engine.visible_document("rapport-flexteam-2025", "medewerker").meta.type == "rapport"
    assert engine.visible_document("bestaat-niet", "medewerker") is None


# ----------------------------------------------------------------------------- one document

def test_a_document_opens_with_its_sections_pages_contents_and_file(env_index, engine):
    at = open_link(app(), document=FACTSHEET)
    assert at.query_params["document"] == FACTSHEET
    [title] = [m.value for m in at.markdown if "ra-page-title" in m.value]
    assert FACTSHEET_TITLE in html.unescape(title)
    [toc] = [m.value for m in at.markdown if 'class="ra-toc"' in m.value]
    assert toc.count("<li") == 11 and 'href="#ra-sec-' in toc
    assert re.search(r"Monitoren en afsluiten</a> <span class=\"ra-toc-page\">p\. 2</span>", toc)
    [body] = [m.value for m in at.markdown if 'class="ra-doc"' in m.value]
    assert '<span class="ra-page">pagina 2</span>' in body and '<span class="ra-page">pagina 3</span>' in body
    for section in ("Wie zit aan tafel", "Monitoren en afsluiten", "Meer weten"):
        assert f">{section}</div>" in body  # a heading per section
    rendered = plain(body)
    document = engine.index.document(FACTSHEET)
    for chunk in (c for c in engine.index.chunks if c.doc_id == FACTSHEET):  # all of the text, in order
        assert " ".join(chunk.text.split()) in rendered, chunk.id
    assert [d.label for d in at.get("download_button")] == ["Download het originele bestand (PDF)"]
    assert len(rendered) > 0.9 * len(" ".join(document.text.split()))


def test_ask_about_this_document_opens_the_chat_with_that_document_as_filter(env_index):
    at = open_link(app(), document=FACTSHEET)
    at.button(key="ask-about").click()
    run(at)
    assert at.chat_input and at.session_state["doc_filter"] == FACTSHEET
    assert at.query_params.get("document") is None  # the chat's URL carries no document
    assert any("Vragen gaan nu alleen over" in i.value for i in at.sidebar.info)
    assert not any(b.key and b.key.startswith("example-") for b in at.button)

    ask(at, "Hoe lang blijft een casus in de monitoringsfase?")
    [ex] = at.session_state["exchanges"]
    assert ex.answer.passages and {p.chunk.doc_id for p in ex.answer.passages} == {FACTSHEET}
    assert ex.filters_label == f"document: {FACTSHEET_TITLE}"
    assert any(f"alleen document: {FACTSHEET_TITLE}" in c.value.replace("\\", "") for c in at.caption)

    at.sidebar.button(key="clear-doc-filter").click()
    run(at)
    assert at.session_state["doc_filter"] is None and not at.sidebar.info


# ----------------------------------------------------------------------------- deep links

def test_a_deep_link_shows_the_linked_section_first(env_index):
    at = open_link(app(), document=FACTSHEET, sectie=SECTION, pagina="2")
    [label] = [m.value for m in at.markdown if "U opende een link naar" in m.value]
    assert f"U opende een link naar: {html.escape(SECTION)} · pagina 2" in label
    assert "ten minste zes maanden" in plain(label)
    [body] = [m.value for m in at.markdown if 'class="ra-doc"' in m.value]
    assert len(re.findall(r'class="ra-sec ra-target"', body)) == 1

    open_link(at, document=FACTSHEET, pagina="3")  # a page alone: the section where that page begins
    [label] = [m.value for m in at.markdown if "U opende een link naar" in m.value]
    assert "Tips voor de praktijk · pagina 3" in html.unescape(label)

    open_link(at, document=FACTSHEET, sectie="Bestaat niet", pagina="99")
    assert any("niet (meer) in dit document gevonden" in i.value for i in at.info)
    assert any('class="ra-doc"' in m.value for m in at.markdown)  # the whole document all the same


def test_the_source_panel_offers_a_link_into_the_library(env_index):
    at = run(app())
    ask(at, "Hoe lang blijft een casus in de monitorfase?")
    key = next(b.key for b in at.button if b.label == "Bekijk bron")
    at.button(key=key).click()
    run(at)
    [code] = at.code
    link = urlparse(code.value)
    assert link.path == "kennisbank"  # relative: AppTest has no browser address
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    [ex] = at.session_state["exchanges"]
    chunk = next(c.passage.chunk for c in ex.answer.citations if c.marker == int(key.rsplit("-", 1)[1]))
    assert query["document"] == chunk.doc_id and query.get("sectie", "") == chunk.section
    assert query.get("pagina") == (str(chunk.page) if chunk.page else None)

    fresh = open_link(app(), **query)  # the colleague opening it
    assert any("U opende een link naar" in m.value for m in fresh.markdown)


def test_a_deep_link_survives_the_login_and_is_checked_for_the_role(users_env, intern):
    at = open_link(app(), document="rapport-flexteam-2025", sectie="Samenvatting")
    assert at.text_input(key="login-name") and not intern.leaks_in(texts(at))
    login(at, "gast1", PASSWORD)
    assert at.query_params["document"] == "rapport-flexteam-2025"  # still the link that was opened
    assert at.warning[0].value.startswith(NOT_FOUND) and not intern.leaks_in(texts(at))

    other = open_link(app(), document="rapport-flexteam-2025")
    login(other, "anna", PASSWORD)
    assert any("ra-page-title" in m.value and "Samen sterker" in m.value for m in other.markdown)
