"""The web app in a real browser: `streamlit run app.py` in a subprocess, Debian's chromium via Playwright.

Skipped when /usr/bin/chromium is missing (`make chromium` installs it); never downloads a browser.
With RADASSIST_SCREENSHOT=1 the answer screenshot is also written to docs/screenshot.png.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from servers import free_port, start_app, stop, wait_for

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
QUESTION = "Wat doet een procesregisseur in het casusoverleg?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian chromium missing (/usr/bin/chromium): install it with `make chromium`"),
]


@pytest.fixture()
def server(env_index, tmp_path):
    """The app served on a free port, with the environment `env_index` set up."""
    port = free_port()
    proc = start_app(port, dict(os.environ), tmp_path / "streamlit.log")
    try:
        wait_for(f"http://127.0.0.1:{port}/_stcore/health", proc, expect=b"ok", timeout=90)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def test_ask_read_the_answer_and_open_a_source(server, tmp_path):
    from playwright.sync_api import sync_playwright

    host = urlparse(server).netloc
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="nl-NL")
            page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).netloc not in (host, "") else None)
            page.goto(server)
            page.get_by_role("heading", name="Kennisbank aanpak radicalisering").wait_for(timeout=90_000)

            chat = page.get_by_test_id("stChatInputTextArea")
            chat.fill(QUESTION)
            chat.press("Enter")
            marker = page.locator(".ra-answer a.ra-cite").first
            marker.wait_for(timeout=60_000)
            assert marker.inner_text().strip().isdigit()
            target = marker.get_attribute("href")
            assert target and target.startswith("#ra-src-")
            assert page.locator(f".ra-src{target}").count() == 1  # the marker points at a listed source
            assert page.locator(".ra-src").count() >= 1
            assert page.get_by_text("Bronnen", exact=True).is_visible()
            page.wait_for_timeout(300)  # the streamed text has just been replaced by the rendered answer
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
            assert place.is_visible() and download.is_visible()
            page.wait_for_timeout(400)  # let the drawer finish sliding in

            source_shot = tmp_path / "source.png"
            page.screenshot(path=str(source_shot))
            assert answer_shot.stat().st_size > 10_000 and source_shot.stat().st_size > 10_000
            if os.environ.get("RADASSIST_SCREENSHOT") == "1":
                (ROOT / "docs").mkdir(exist_ok=True)
                shutil.copy(answer_shot, ROOT / "docs" / "screenshot.png")
        finally:
            browser.close()
    assert outside == [], f"the page fetched from outside: {outside}"


def _tab_to(page, is_target, limit: int = 80) -> None:
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


def test_the_chat_works_with_the_keyboard_alone(server):
    """Ask, open a source and close it again without a mouse: Tab, typing, Enter and Escape only."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="nl-NL")
            page.goto(server)
            page.get_by_role("heading", name="Kennisbank aanpak radicalisering").wait_for(timeout=90_000)

            _tab_to(page, lambda f: f["testid"] == "stChatInputTextArea")
            page.keyboard.type(QUESTION)
            page.keyboard.press("Enter")
            page.locator(".ra-answer a.ra-cite").first.wait_for(timeout=60_000)
            page.wait_for_timeout(300)

            _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"].endswith("Bekijk bron"))  # after its icon name
            page.keyboard.press("Enter")
            dialog = page.get_by_role("dialog")
            dialog.locator("mark.ra-quote").first.wait_for(timeout=30_000)

            page.keyboard.press("Escape")
            dialog.wait_for(state="hidden", timeout=30_000)
            assert page.locator(".ra-answer").first.is_visible(), "closing the source keeps the answer"
        finally:
            browser.close()
