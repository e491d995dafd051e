"""Browser tests: the app served from a thread, driven by Debian's headless Chromium.

Screenshots go to tests/e2e/screenshots/ so a person can look at what users see.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def browser():
    from playwright import sync_api as playwright_api
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run 'make test' as root or apt-get install chromium")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test app on a free port of 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = base  # links point where the browser can open them
    yield base
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page_factory(browser):
    """New isolated browser pages (own cookies) at a viewport; closed after the test."""
    contexts = []

    def _new(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, locale="en-GB")
        contexts.append(context)
        return context.new_page()

    yield _new
    for context in contexts:
        context.close()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot for people to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
