"""A lead as a new user would: opens the quarter, drills into the weakest county, downloads the notice."""
from __future__ import annotations

from openpyxl import load_workbook

from crm.extensions import db as _db
from tests.browser import Watch, check
from tests.factories import PASSWORD


def test_quarter_drill_down_and_notice(drive, live_server, browser, tmp_path):
    server = live_server
    drive.world.users["lead"].display_name = "李主任"
    _db.session.commit()
    context = browser.new_context(accept_downloads=True)
    watch = Watch(context)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{server}/lang/en")
    page.goto(f"{server}/login")
    page.fill('input[name="username"]', "lead")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{server}/reports/")  # a lead lands on the progress page
    page.select_option("#period", "2025Q3")
    page.click("form.rep-filters button")
    page.wait_for_url("**period=2025Q3**")
    assert page.locator('[data-figure="merchants_visited"]').inner_text() == "5"
    _labels_clear_of_their_bars(page)
    # The weakest county is last in the ranking table; drill into it.
    page.locator("table.rep-table tbody tr").last.locator("a").click()
    page.wait_for_url(f"**region={drive.county_b.id}**")
    assert page.locator("table.rep-table tbody").inner_text().count("定昌镇") == 1
    assert page.locator('[data-figure="visits"]').inner_text() == "2"
    check(page, watch)
    with page.expect_download() as download:
        page.click('a[href*="notice.xlsx"]')
    path = tmp_path / "notice.xlsx"
    download.value.save_as(path)
    context.close()
    book = load_workbook(path)
    county = book.worksheets[1]  # the county sheet, named in the user's language
    assert [county.cell(5, c).value for c in (1, 2)] == [1, "沁县"]
    assert "2025-07-01" in county["A2"].value and "2025-09-30" in county["A2"].value


def _labels_clear_of_their_bars(page):
    """At a phone's, a laptop's and a wide screen's width, each funnel label ends before its bar begins."""
    for width, height in ((390, 844), (1366, 900), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        stages = page.locator("svg.rep-svg g:has(rect.rep-funnel)")
        assert stages.count() > 1
        for i in range(stages.count()):
            text = stages.nth(i).locator("text").bounding_box()
            bar = stages.nth(i).locator("rect").bounding_box()
            assert text["x"] + text["width"] <= bar["x"] + 0.5, (width, i, text, bar)
    page.set_viewport_size({"width": 1366, "height": 900})
