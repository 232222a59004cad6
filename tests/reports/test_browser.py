"""A lead as a new user would: opens the quarter, drills into the weakest county, downloads the notice."""
from __future__ import annotations

import threading

import pytest
from openpyxl import load_workbook
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.factories import PASSWORD

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture
def server(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_quarter_drill_down_and_notice(drive, server, tmp_path):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(accept_downloads=True)
        page.set_default_timeout(30_000)
        page.goto(f"{server}/lang/en")
        page.goto(f"{server}/login")
        page.fill('input[name="username"]', "lead")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url(f"{server}/reports/")  # a lead lands on the progress page
        page.select_option("#period", "2025Q3")
        page.click("form.rep-filters button")
        assert page.locator('[data-figure="merchants_visited"]').inner_text() == "5"
        # The weakest county is last in the ranking table; drill into it.
        page.locator("table.rep-table tbody tr").last.locator("a").click()
        page.wait_for_url(f"**region={drive.county_b.id}**")
        assert page.locator("table.rep-table tbody").inner_text().count("定昌镇") == 1
        assert page.locator('[data-figure="visits"]').inner_text() == "2"
        with page.expect_download() as download:
            page.click('a[href*="notice.xlsx"]')
        path = tmp_path / "notice.xlsx"
        download.value.save_as(path)
        browser.close()
    book = load_workbook(path)
    county = book.worksheets[1]  # the county sheet, named in the user's language
    assert [county.cell(5, c).value for c in (1, 2)] == [1, "沁县"]
    assert "2025-07-01" in county["A2"].value and "2025-09-30" in county["A2"].value
