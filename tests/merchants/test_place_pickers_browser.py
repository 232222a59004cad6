"""The merchant form's places narrow to the county chosen (static/js/page.js, in Debian Chromium, in Chinese)."""
from __future__ import annotations

from crm.extensions import db
from tests.browser import check, offered, sign_in


def test_choosing_a_county_leaves_only_its_towns_and_districts(world, live_server, browser):
    world.users["admin"].display_name = "管理员"  # the page shows people's names, not usernames
    db.session.commit()
    context, page, watch = sign_in(browser, live_server, "admin")
    page.goto(f"{live_server}/merchants/new")
    everywhere = offered(page, "#region_id")
    assert len(everywhere) == 6  # every town and district of the city until a county is chosen
    page.select_option("#county_id", label="沁县")
    assert offered(page, "#region_id") == ["沁县 / 定昌镇", "沁县 / 定昌镇 / 定昌市场"]
    assert page.locator("#region_id").input_value() == page.locator(
        "#region_id option", has_text="沁县 / 定昌镇").first.get_attribute("value")  # a place still offered
    page.select_option("#county_id", index=0)
    assert offered(page, "#region_id") == everywhere
    check(page, watch)
    # editing a merchant: its county is chosen and its places are the ones offered
    page.goto(f"{live_server}/merchants/{world.merchants['m_a1'].id}/edit")
    county = world.merchants["m_a1"].county.name
    assert page.locator("#county_id option:checked").inner_text() == county
    assert all(place.startswith(f"{county} / ") for place in offered(page, "#region_id"))
    check(page, watch)
    context.close()
