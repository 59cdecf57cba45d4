"""The web app in a real browser: `streamlit run app.py` in a subprocess, Debian's chromium via Playwright.

Skipped when /usr/bin/chromium is missing (`make chromium` installs it); never downloads a browser.
With RADASSIST_SCREENSHOT=1 the answer screenshot is also written to docs/screenshot.png.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit stopped with exit code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit not healthy after {timeout:.0f} s")


@pytest.fixture()
def server(env_index, tmp_path):
    """The app served on a free port, with the environment `env_index` set up."""
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


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
