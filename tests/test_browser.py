"""The web app in a real browser: `streamlit run app.py` in a subprocess, Debian's chromium via Playwright.

One app server and one browser serve every test of this module (each test opens its own page, so its
own Streamlit session). Skipped when /usr/bin/chromium is missing (`make chromium` installs it); never
downloads a browser. With RADASSIST_SCREENSHOT=1 the screenshots are also written to docs/
(screenshot.png: an answer; screenshot-library.png: the library).
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from servers import free_port, start_app, stop, wait_for

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
QUESTION = "Wat doet een procesregisseur in het casusoverleg?"
FACTSHEET = "fs-04-privacy-gegevensdeling"
FACTSHEET_TITLE = "Factsheet: Privacy en gegevensdeling"
FACTSHEET_QUESTION = "Welke vier principes gelden bij het delen van gegevens?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian chromium missing (/usr/bin/chromium): install it with `make chromium`"),
]


@pytest.fixture(scope="module")
def server(sample_index, tmp_path_factory):
    """The app served on a free port over the shared sample index, with a data dir of its own."""
    folder = tmp_path_factory.mktemp("browser")
    env = {**os.environ, "RADASSIST_INDEX_DIR": str(sample_index), "RADASSIST_CORPUS_DIR": str(ROOT / "corpus"),
           "RADASSIST_DATA_DIR": str(folder / "var")}
    port = free_port()
    proc = start_app(port, env, folder / "streamlit.log")
    try:
        wait_for(f"http://127.0.0.1:{port}/_stcore/health", proc, expect=b"ok", timeout=90)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture()
def page(browser, server):
    """A new tab (a new Streamlit session) that records every request to another host."""
    host = urlparse(server).netloc
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-NL", accept_downloads=True)
    tab = context.new_page()
    tab.outside = []
    tab.on("request", lambda r: tab.outside.append(r.url) if urlparse(r.url).netloc not in (host, "") else None)
    try:
        yield tab
        assert tab.outside == [], f"the page fetched from outside: {tab.outside}"
    finally:
        context.close()


def keep_screenshot(shot: Path, name: str) -> None:
    assert shot.stat().st_size > 10_000
    if os.environ.get("RADASSIST_SCREENSHOT") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copy(shot, ROOT / "docs" / name)


def wait_for_answer(page) -> None:
    page.locator(".ra-answer a.ra-cite").first.wait_for(timeout=60_000)
    page.wait_for_timeout(300)  # the streamed text has just been replaced by the rendered answer


def check_markdown_export(path: Path, question: str, title: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Gesprek met radassist")
    assert f"> {question}" in text and "**Antwoord**" in text and "**Bronnen**" in text
    assert "**[1]** " in text and title in text.replace("\\", "") and "> “" in text
    assert "/kennisbank?document=" in text  # each source links into the library
    return text


def test_ask_read_the_answer_and_open_a_source(page, server, tmp_path):
    page.goto(server)
    page.get_by_role("heading", name="Kennisbank aanpak radicalisering").wait_for(timeout=90_000)

    chat = page.get_by_test_id("stChatInputTextArea")
    chat.fill(QUESTION)
    chat.press("Enter")
    wait_for_answer(page)
    marker = page.locator(".ra-answer a.ra-cite").first
    assert marker.inner_text().strip().isdigit()
    target = marker.get_attribute("href")
    assert target and target.startswith("#ra-src-")
    expect(page.locator(f".ra-src{target}")).to_have_count(1)  # the marker points at a listed source
    expect(page.get_by_text("Bronnen", exact=True)).to_be_visible()
    answer_shot = tmp_path / "answer.png"
    page.screenshot(path=str(answer_shot))

    page.get_by_role("button", name="Bekijk bron").first.click()
    dialog = page.get_by_role("dialog")
    quote = dialog.locator("mark.ra-quote").first
    quote.wait_for(timeout=30_000)
    assert quote.inner_text().strip()
    place = dialog.get_by_text("Vindplaats:")
    place.wait_for(timeout=30_000)
    download = dialog.get_by_role("button", name="Download het originele bestand (PDF)")
    download.wait_for(timeout=30_000)
    expect(place).to_be_visible()
    expect(download).to_be_visible()
    page.wait_for_timeout(400)  # let the drawer finish sliding in
    source_shot = tmp_path / "source.png"
    page.screenshot(path=str(source_shot))
    assert source_shot.stat().st_size > 10_000
    keep_screenshot(answer_shot, "screenshot.png")


def test_library_open_a_factsheet_ask_about_it_and_export(page, browser, server, tmp_path):
    page.goto(f"{server}/kennisbank")
    page.get_by_role("heading", name="Kennisbank", exact=True).wait_for(timeout=90_000)
    expect(page.get_by_role("heading", name="Factsheets (14)")).to_be_visible(timeout=30_000)  # rendered in parts
    page.wait_for_timeout(300)
    library_shot = tmp_path / "library.png"
    page.screenshot(path=str(library_shot))
    keep_screenshot(library_shot, "screenshot-library.png")

    page.get_by_role("button", name=FACTSHEET_TITLE).click()
    page.get_by_role("button", name="Stel een vraag over dit document").wait_for(timeout=30_000)
    page.wait_for_url(lambda url: parse_qs(urlparse(url).query) == {"document": [FACTSHEET]},
                      timeout=30_000)  # the address is a link to it
    toc = page.locator("nav.ra-toc a")
    toc.nth(7).wait_for(timeout=30_000)
    expect(toc.filter(has_text="Vier principes")).to_have_count(1)
    page.locator(".ra-sec").nth(7).wait_for(timeout=30_000)
    page.locator(".ra-page", has_text="pagina 2").first.wait_for(timeout=30_000)
    expect(page.get_by_role("button", name="Download het originele bestand (PDF)")).to_be_visible()

    page.get_by_role("button", name="Stel een vraag over dit document").click()
    page.get_by_text("Vragen gaan nu alleen over").wait_for(timeout=30_000)
    page.wait_for_url(lambda url: urlparse(url).path in ("/", ""), timeout=30_000)
    chat = page.get_by_test_id("stChatInputTextArea")
    chat.fill(FACTSHEET_QUESTION)
    chat.press("Enter")
    wait_for_answer(page)
    titles = page.locator(".ra-src .ra-src-title").all_inner_texts()
    assert titles and set(titles) == {FACTSHEET_TITLE}  # only that document answered

    page.get_by_role("button", name="Bekijk bron").first.click()
    dialog = page.get_by_role("dialog")
    shared = dialog.locator("code").first
    shared.wait_for(timeout=30_000)
    link = shared.inner_text().strip()
    assert link.startswith(f"{server}/kennisbank?") and parse_qs(urlparse(link).query)["document"] == [FACTSHEET]
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden", timeout=30_000)

    with page.expect_download(timeout=60_000) as markdown:
        page.get_by_role("button", name="Gesprek downloaden (Markdown)").click()
    assert markdown.value.suggested_filename.endswith(".md")
    saved = tmp_path / "gesprek.md"
    markdown.value.save_as(saved)
    text = check_markdown_export(saved, FACTSHEET_QUESTION, FACTSHEET_TITLE)
    assert link in text  # the same link as the source panel

    with page.expect_download(timeout=60_000) as pdf:
        page.get_by_role("button", name="Gesprek downloaden (PDF)").click()
    data = Path(pdf.value.path()).read_bytes()
    from pypdf import PdfReader

    pdf_text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert FACTSHEET_QUESTION in pdf_text and FACTSHEET_TITLE in pdf_text

    page.get_by_role("button", name="Bekijk bron").first.click()  # from the source into the library
    page.get_by_role("dialog").get_by_role("link", name="Open in de kennisbank").click()
    page.get_by_text("U opende een link naar").wait_for(timeout=30_000)
    page.wait_for_url(lambda url: urlparse(url).path == "/kennisbank", timeout=30_000)
    expect(page.locator(".ra-sec.ra-target")).to_have_count(1)

    colleague = browser.new_page(viewport={"width": 1366, "height": 900})  # a new session opens the link
    try:
        colleague.goto(link)
        colleague.get_by_text("U opende een link naar").wait_for(timeout=60_000)
        assert colleague.locator(".ra-linked").inner_text().strip()
        expect(colleague.locator(".ra-sec.ra-target")).to_have_count(1)
    finally:
        colleague.close()


def _tab_to(page, is_target, limit: int = 150) -> None:
    """Press Tab until `is_target(focused element info)` holds; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement; return e ? {tag: e.tagName, "
            "testid: e.getAttribute('data-testid') || '', text: (e.innerText || '').trim()} : null; }"
        )
        if focused and is_target(focused):
            return
    raise AssertionError(f"no element reached with Tab within {limit} presses")


def test_the_whole_flow_works_with_the_keyboard_alone(page, server, tmp_path):
    """Library, a factsheet, a question about it, its source, the export: Tab, typing, Enter, Escape only."""
    page.goto(server)
    page.get_by_role("heading", name="Kennisbank aanpak radicalisering").wait_for(timeout=90_000)

    _tab_to(page, lambda f: f["tag"] == "A" and f["text"].endswith("Kennisbank"))  # the navigation
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Factsheets (14)").wait_for(timeout=30_000)
    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == FACTSHEET_TITLE)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Stel een vraag over dit document").wait_for(timeout=30_000)
    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"].endswith("Stel een vraag over dit document"))
    page.keyboard.press("Enter")
    page.get_by_text("Vragen gaan nu alleen over").wait_for(timeout=30_000)

    _tab_to(page, lambda f: f["testid"] == "stChatInputTextArea")
    page.keyboard.type(FACTSHEET_QUESTION)
    page.keyboard.press("Enter")
    wait_for_answer(page)

    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"].endswith("Bekijk bron"))  # after its icon name
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    dialog.locator("mark.ra-quote").first.wait_for(timeout=30_000)
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden", timeout=30_000)
    expect(page.locator(".ra-answer").first).to_be_visible()  # closing the source keeps the answer

    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"].endswith("Gesprek downloaden (Markdown)"))
    with page.expect_download(timeout=60_000) as markdown:
        page.keyboard.press("Enter")
    saved = tmp_path / "gesprek.md"
    markdown.value.save_as(saved)
    check_markdown_export(saved, FACTSHEET_QUESTION, FACTSHEET_TITLE)
