"""The phone in a village: headless Chromium on a phone viewport records visits online, offline,
and through a connection that drops mid-send — and each visit is stored exactly once."""
from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from crm.extensions import db as _db
from crm.visits.models import Photo, Visit
from tests.browser import assert_readable, wait_until
from tests.factories import PASSWORD

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2,
         "geolocation": {"latitude": 36.1953, "longitude": 113.1163, "accuracy": 15},
         "permissions": ["geolocation"], "timezone_id": "Asia/Shanghai"}
TIMEOUT = 30_000


def _photo() -> bytes:
    stream = io.BytesIO()
    Image.new("RGB", (2000, 1500), (180, 120, 40)).save(stream, "JPEG")
    return stream.getvalue()


def _sign_in(page, base: str) -> None:
    page.set_default_timeout(TIMEOUT)
    # Signing in starts a new session, so English is chosen right after it, before the Today page
    # installs the service worker (whose first requests would race the language cookie).
    page.goto(f"{base}/login?next=%2Flang%2Fen%3Fnext%3D%252Fvisits%252F")
    page.fill('input[name="username"]', "am_a1")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base}/visits/")


def _record(page, notes: str, kind: str = "follow_up", photo: bool = False) -> None:
    """Fill the form like an account manager: search by pinyin initials, tap the merchant, save."""
    page.fill("#vis-q", "zsgx")
    page.locator("[data-results] button", has_text="张三干洗店").click()
    page.check(f'input[name="kind"][value="{kind}"]')
    if kind == "follow_up":
        page.check('input[name="satisfaction"][value="4"]')
    page.check('input[name="has_need"][value="no"]')
    page.fill("#notes", notes)
    if photo:
        page.set_input_files("#photo0", files=[{"name": "shop.jpg", "mimeType": "image/jpeg", "buffer": _photo()}])
    page.click('#visit-form button[type="submit"]')


def _visits_on_merchant_page(page, base: str, merchant_id: int) -> int:
    page.goto(f"{base}/merchants/{merchant_id}")
    assert_readable(page)
    return page.locator('li[data-kind="visit"]').count()


def _retry_until_sent(page) -> None:
    """Nudge the queue as the 'online' event would (it also retries every 30 s by itself)."""
    for _attempt in range(6):
        page.evaluate("window.dispatchEvent(new Event('online'))")
        try:
            expect(page.locator("[data-queue]")).to_be_hidden(timeout=5_000)
            return
        except AssertionError:
            continue
    expect(page.locator("[data-queue]")).to_be_hidden(timeout=35_000)


def _count(model) -> int:
    _db.session.remove()
    return _db.session.scalar(select(func.count()).select_from(model))


def _named(world) -> None:
    """People have names: the pages show them, not the usernames."""
    world.users["am_a1"].display_name = "张晓明"
    _db.session.commit()


def test_online_then_offline_then_online_stores_three_visits(world, live_server, browser):
    _named(world)
    merchant_id = world.merchants["m_a1"].id
    context = browser.new_context(**PHONE)
    page = context.new_page()
    _sign_in(page, live_server)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # Today installs the worker
    expect(page.locator("[data-synced]")).to_contain_text("Phone copy updated")  # offline search needs the copy
    page.click("a.vis-record")
    page.wait_for_url(f"{live_server}/visits/new")  # an evaluate while the page changes would fail
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    expect(page.locator("[data-gps]")).to_contain_text("±15 m")

    _record(page, "第一次, 在线", kind="first", photo=True)
    expect(page.locator("[data-done]")).to_have_text("Visit to 张三干洗店 recorded.")

    context.set_offline(True)
    page.reload()  # the service worker serves the form with no network
    expect(page.locator("#visit-form")).to_be_visible()
    _record(page, "离线一")
    expect(page.locator("[data-pending-text]")).to_have_text("Waiting to send: 1")
    _record(page, "离线二")
    expect(page.locator("[data-pending-text]")).to_have_text("Waiting to send: 2")
    assert _count(Visit) == 1

    context.set_offline(False)
    expect(page.locator("[data-queue]")).to_be_hidden(timeout=45_000)
    assert _visits_on_merchant_page(page, live_server, merchant_id) == 3
    assert (_count(Visit), _count(Photo)) == (3, 1)
    notes = set(_db.session.scalars(select(Visit.notes)))
    assert notes == {"第一次, 在线", "离线一", "离线二"}
    context.close()


def test_a_connection_dropping_mid_send_still_stores_each_visit_once(world, live_server, browser):
    _named(world)
    # The route sits between page and live_server; a service worker would hide requests from it.
    merchant_id = world.merchants["m_a1"].id
    context = browser.new_context(**PHONE, service_workers="block")
    page = context.new_page()
    _sign_in(page, live_server)
    dropped = {"visit": 0, "photo": 0}

    def drop_first_answer(route, kind):
        response = route.fetch()  # the live_server stores it ...
        if dropped[kind] == 0:
            dropped[kind] += 1
            route.abort("connectionreset")  # ... but the phone never hears back
        else:
            route.fulfill(response=response)

    page.route("**/api/v1/visits", lambda route: drop_first_answer(route, "visit"))
    page.route("**/api/v1/visits/*/photos", lambda route: drop_first_answer(route, "photo"))
    page.goto(f"{live_server}/visits/new")
    _record(page, "信号不好", kind="first", photo=True)
    expect(page.locator("[data-pending-text]")).to_have_text("Waiting to send: 1")
    assert _count(Visit) == 1  # stored, though the phone does not know yet

    _retry_until_sent(page)
    assert dropped == {"visit": 1, "photo": 1}
    _record(page, "第二家")
    expect(page.locator("[data-done]")).to_have_text("Visit to 张三干洗店 recorded.")
    assert _visits_on_merchant_page(page, live_server, merchant_id) == 2
    assert (_count(Visit), _count(Photo)) == (2, 1)
    context.close()
