"""Browser tests: the app served on 127.0.0.1 (werkzeug in a thread), driven by Playwright in
Debian's Chromium (/usr/bin/chromium; .ci/run installs it). Outside CI they skip when Chromium
is missing; in CI they fail. Screenshots go to test-artifacts/screenshots/."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.support import require_tool

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]



@pytest.fixture
def live_server(app):
    """Serve the test app (its database already prepared by the test) on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app.config["BASE_URL"]
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    """The one browser of the test run (Playwright's sync API allows one instance)."""
    path = os.environ.get("JUDGING_CHROMIUM") or require_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                   timezone_id="Europe/Madrid")
    page = context.new_page()
    page.set_default_timeout(15000)
    problems: list[str] = []
    def on_console(msg):
        # A refused form answers 422 by design; the browser logs that as a failed load.
        if msg.type == "error" and "status of 422" not in msg.text:
            problems.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.console_problems = problems
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_accessibility_violations(page) -> list[str]:
    """axe-core (axe-playwright-python) violations of impact serious or critical."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response.get("violations", []):
        if violation.get("impact") in ("serious", "critical"):
            targets = [", ".join(n.get("target", [])) for n in violation.get("nodes", [])][:3]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found
