"""A class in real browsers: a teacher and three students, each in a browser context of their own.

The class server runs in this process on a free localhost port; Debian's Chromium loads the
pages. Two students propose and accept an agreement, one reloads and keeps their region, one
tries to act for another region and is refused by the server, and the teacher steps the year
and finds the agreement in the debrief; a student's page and its refusals read in Russian.
With `TRANSFRONTIER_SCREENSHOTS=DIR` the test also saves the teacher's and a student's page
there (the README's pictures).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_app_browser import CHROMIUM, CHROMIUM_ARGS, UI_TIMEOUT_MS

from sim.classmode.server import ClassServer
from sim.classmode.session import ClassSession

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]
FIRST_YEAR = 2008


@pytest.fixture
def served_class(tmp_path: Path):
    """A small class session served on a free localhost port, stopped whatever happens."""
    # The README's pictures show a session folder as the command's default names one.
    shots = os.environ.get("TRANSFRONTIER_SCREENSHOTS")
    out_dir = Path("results", "class-20261201-093000-s2") if shots else tmp_path / "c"
    session = ClassSession(seed=2, n_firms=1500, first_year=FIRST_YEAR, out_dir=out_dir)
    server = ClassServer(session)
    server.start_in_thread()
    try:
        yield server
    finally:
        server.stop()


def test_a_class_proposes_accepts_reloads_is_refused_and_debriefs(served_class: ClassServer):
    """The whole round of a class year, through the pages."""
    from playwright.sync_api import expect, sync_playwright

    session = served_class.session
    shots = os.environ.get("TRANSFRONTIER_SCREENSHOTS")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            viewport = {"width": 1100, "height": 1400}
            teacher = browser.new_context(viewport=viewport).new_page()
            teacher.set_default_timeout(UI_TIMEOUT_MS)
            teacher.goto(served_class.teacher_url)
            expect(teacher.locator("#code")).to_have_text(session.code)
            teacher.click("#start")
            expect(teacher.locator("#status")).to_contain_text(str(FIRST_YEAR))

            students = {}
            for name, region in (
                ("Anna", "kz-west-kazakhstan"),
                ("Boris", "ru-saratov"),
                ("Vera", "ru-omsk"),
            ):
                page = browser.new_context(viewport=viewport).new_page()
                page.set_default_timeout(UI_TIMEOUT_MS)
                page.goto(served_class.url)
                page.fill("#code", session.code.lower())  # the code reads in any case
                page.fill("#name", name)
                page.select_option("#region-choice", region)
                page.click("#join-button")
                expect(page.locator("#region-name")).to_have_text(session.region_name(region))
                students[name] = page

            anna, boris, vera = students["Anna"], students["Boris"], students["Vera"]
            anna.check("#partners input[value=ru-saratov]")
            anna.click("#submit")
            expect(anna.locator("#saved")).to_contain_text(str(FIRST_YEAR))
            accept = boris.locator("#received input[value=kz-west-kazakhstan]")
            expect(accept).to_be_visible()  # the page polls: the proposal arrives by itself
            accept.check()
            boris.click("#submit")
            expect(boris.locator("#saved")).to_contain_text("Boris")
            boris.reload()  # a reloaded page gets its decisions back
            expect(boris.locator("#received input[value=kz-west-kazakhstan]")).to_be_checked()

            vera.reload()
            expect(vera.locator("#region-name")).to_have_text("Omsk Oblast")
            refused = vera.request.post(
                served_class.url + "api/decide",
                data={"year": FIRST_YEAR, "region": "kz-pavlodar", "accepted": ["ru-omsk"]},
            )
            assert refused.status == 403
            assert refused.json()["error"] == (
                "you govern Omsk Oblast; you cannot act for Pavlodar Region"
            )
            stepped = vera.request.post(served_class.url + "api/teacher/step", data={})
            assert stepped.status == 403
            assert "kz-pavlodar" not in session.pending
            if shots:
                boris.screenshot(path=str(Path(shots) / "class-student.png"), full_page=True)

            teacher.click("#step")
            expect(teacher.locator("#status")).to_contain_text(str(FIRST_YEAR + 1))
            expect(teacher.locator("#history")).to_contain_text(
                f"{FIRST_YEAR}: Saratov Oblast – West Kazakhstan Region"
            )
            teacher.click("#debrief-button")
            saratov = teacher.locator("#debrief-rows tr", has_text="Saratov Oblast")
            expect(saratov).to_contain_text("Boris")
            row = session.debrief()["regions"]
            agreements = {r["id"]: (r["agreements"], r["agreements_without"]) for r in row}
            ours, without = agreements["ru-saratov"]
            # The class's agreement, and any the students' programme funding (half the budget
            # by default) brought on top: funding only raises the rate agreements form at.
            assert ours >= without + 1
            expect(saratov.locator("td").nth(4)).to_have_text(f"{ours:.0f} / {without:.0f}")
            expect(anna.locator("#signed")).to_contain_text(f"{FIRST_YEAR}: Saratov Oblast")
            if shots:
                teacher.screenshot(path=str(Path(shots) / "class-teacher.png"), full_page=True)

            vera.goto(served_class.url + "?lang=ru")  # the pages speak Russian too
            expect(vera.locator("#region-name")).to_have_text("Омская область")
            expect(vera.locator("h2", has_text="Вы управляете регионом")).to_be_visible()
            refused = vera.request.post(
                served_class.url + "api/decide?lang=ru", data={"region": "kz-pavlodar"}
            )
            assert refused.json()["error"].startswith("вы управляете регионом Омская область")
        finally:
            browser.close()
