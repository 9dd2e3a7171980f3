"""The teaching app in a real browser: served on localhost, driven with Playwright.

The server runs in a subprocess on a free localhost port; Debian's Chromium (not a browser
downloaded by Playwright) loads the page. One test moves a slider, presses Reset and Step, and
checks that the figures change and that the moved lever reached the model; another opens the
app started with `transfrontier app --lang ru` and checks that the page speaks Russian.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sim.app import free_port
from sim.classroom.controls import LEVER_CONTROLS
from sim.i18n import translator
from sim.scenario import available_scenarios

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT = 120.0  # seconds for the server to answer (imports and the first model)
UI_TIMEOUT_MS = 90_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def _wait_until_serving(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read() if server.stdout else ""
            pytest.fail(f"the app server exited with {server.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"the app server did not answer at {url} within {timeout:.0f} s")


def _serving(port: int, *args: str):
    """Run `python ARGS` as the app server on `port`; yield its URL; stop it whatever happens."""
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "PYTHONWARNINGS": ""}
    server = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        _wait_until_serving(url, server, START_TIMEOUT)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
        if server.stdout:
            server.stdout.close()


@pytest.fixture
def served_app():
    """The app served on a free localhost port."""
    port = free_port()
    yield from _serving(port, "-c", f"from sim.app import serve; serve('127.0.0.1', {port})")


@pytest.fixture
def served_app_ru():
    """The app served in Russian by the command line, `transfrontier app --lang ru`."""
    port = free_port()
    yield from _serving(port, "-m", "sim", "app", "--port", str(port), "--lang", "ru")


@contextlib.contextmanager
def _opened(url: str, step: str):
    """The page at `url` in Chromium, once its Step button (labelled `step`) and six views show."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1300})
            page.set_default_timeout(UI_TIMEOUT_MS)
            page.goto(url)
            expect(page.get_by_role("button", name=step)).to_be_visible()
            expect(page.locator("img")).to_have_count(6)
            yield page
        finally:
            browser.close()


def _figure_shot(page) -> bytes:
    """A screenshot of the first figure (the trade time paths)."""
    return page.locator("img").first.screenshot()


def test_slider_and_step_change_the_plots(served_app):
    """Move a slider, Reset, Step: the trade figure changes and the lever reached the model."""
    from playwright.sync_api import expect

    with _opened(served_app, "Step") as page:
        step = page.get_by_role("button", name="Step")
        expect(page.get_by_text("before the first step").first).to_be_visible()
        before = _figure_shot(page)

        control = page.locator(".v-input", has_text="Legal framework")
        thumb = control.locator("[role=slider]")
        thumb.focus()
        thumb.press("End")  # to the top of the declared range, 1.0
        expect(thumb).to_have_attribute("aria-valuenow", "1")

        page.get_by_role("button", name="Reset").click()
        expect(page.get_by_text("legal framework 1").first).to_be_visible()
        step.click()
        expect(page.get_by_text("Levers in force").first).to_be_visible()

        deadline = time.monotonic() + UI_TIMEOUT_MS / 1000
        after = _figure_shot(page)
        while after == before and time.monotonic() < deadline:
            page.wait_for_timeout(250)
            after = _figure_shot(page)
        assert after != before, "the trade figure did not change after Step"
        page.screenshot()  # the whole page renders without error


# The page's visible text without the scenario file and the commands shown (code, the same in
# any language).
PROSE_JS = """() => {
    let text = document.body.innerText;
    for (const code of document.querySelectorAll("pre, code")) {
        text = text.replace(code.innerText, " ");
    }
    return text;
}"""
# Latin-script words a Russian page keeps: the app's name, the switch's "English", the names of
# the scenarios (what a user types) and the trade record's databases; in any case, as buttons
# are upper-cased.
KEPT = {w.lower() for w in ("Transfrontier", "English", "DOTS", "WDI", *available_scenarios())}


def test_the_russian_page_renders_in_russian(served_app_ru):
    """`app --lang ru`: Russian labels, buttons and panel, no English label left; Step works."""
    from playwright.sync_api import expect

    ru = translator("ru")
    english = ["Reset", "Step", "Model Parameters", "Scenario", "Forums", "Seed", "Firm agents"]
    english += [label for label, _ in LEVER_CONTROLS.values()]
    with _opened(served_app_ru, ru("Step")) as page:
        step = page.get_by_role("button", name=ru("Step"))
        expect(page.get_by_text(ru("before the first step")).first).to_be_visible()
        for label in ("Legal framework", "Customs Union year", "Model Parameters"):
            expect(page.get_by_text(ru(label)).first).to_be_visible()
        step.click()
        expect(page.get_by_text("Действующие рычаги").first).to_be_visible()
        page.get_by_role("button", name="▶").click()  # plays the years until paused
        played = page.get_by_text(re.compile(r"^199[5-9] — Свободная торговля"))
        expect(played.first).to_be_visible()
        page.get_by_role("button", name="❚❚").click()
        prose = page.evaluate(PROSE_JS)
        left = [label for label in english if label.lower() in prose.lower()]
        assert not left, f"English labels on the Russian page: {left}"
        words = {w for w in re.findall(r"[A-Za-z]{2,}", prose) if w.lower() not in KEPT}
        assert not words, f"English words on the Russian page: {sorted(words)}"

        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("button", name="Step")).to_be_visible()
        expect(page.get_by_text("Levers in force").first).to_be_visible()
        page.screenshot()
