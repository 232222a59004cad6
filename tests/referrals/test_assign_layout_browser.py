"""The branch head's bulk 分配 on a list (in Debian Chromium, in Chinese): at 1366 and 1920 wide and on
a phone, the button is its own size, level with the pickers beside it, and nothing overlaps."""
from __future__ import annotations

import os

from playwright.sync_api import expect

from tests.browser import check, sign_in, sticking_out
from tests.referrals.helpers import make_list

SIZES = {"phone": (390, 844), "desktop": (1366, 900), "wide": (1920, 1080)}


def _overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def test_the_bulk_assign_button_fits_beside_its_pickers_at_every_width(people, live_server, browser, screenshots):
    referral_list = make_list(people, [people.merchants["m_a1"], people.merchants["m_a2"]])
    context, page, watch = sign_in(browser, live_server, "head_a")
    page.goto(f"{live_server}/referrals/{referral_list.id}")
    form = page.locator(".referrals-assign form.filters")
    button = form.get_by_role("button", name="分配")
    expect(button).to_be_visible()
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        boxes = [form.locator(selector).bounding_box() for selector in ("#town_id", "#assignee_id")]
        box = button.bounding_box()
        assert box["height"] <= 48 and box["width"] <= 160, (size, box)  # a button, not a bar
        assert all(not _overlap(box, other) for other in boxes), (size, box, boxes)
        assert not _overlap(*boxes), (size, boxes)
        if size != "phone":  # on one row with the pickers, its bottom level with theirs
            assert abs(box["y"] + box["height"] - (boxes[1]["y"] + boxes[1]["height"])) <= 2, (size, box, boxes)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), size
        assert not sticking_out(page), (size, sticking_out(page))
        form.screenshot(path=os.path.join(screenshots, f"list-assign-{size}.png"))
    check(page, watch)
    context.close()
