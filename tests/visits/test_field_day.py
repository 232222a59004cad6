"""A whole field day offline, in Debian Chromium on a 360 px phone: sign in online and open Today;
lose the network; reload — Today is there; find merchants of the area by pinyin initials and
phone; record five visits (a due follow-up as 回访, a new merchant, two with photos), one of which
the server will refuse; Today, still offline, shows the follow-up as recorded; the network returns without a reload, and within 10 s four visits and
their photos are stored exactly once while the refused one stays on the phone with its reason.
The second run loses the network again in the middle of sending. Budget: about 15 s per run."""
from __future__ import annotations

import io
import random
from datetime import timedelta
from functools import lru_cache

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from crm.extensions import db as _db
from crm.merchants import credit_code
from crm.merchants.models import Merchant
from crm.visits.models import FollowUp, Photo, Visit
from tests import factories
from tests.browser import wait_until
from tests.factories import PASSWORD

PHONE = {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2,
         "geolocation": {"latitude": 36.1953, "longitude": 113.1163, "accuracy": 15},
         "permissions": ["geolocation"], "timezone_id": "Asia/Shanghai", "locale": "zh-CN"}
TIMEOUT = 15_000
BACK_ONLINE_MS = 10_000


@pytest.fixture
def day(world):
    """am_a1's area (丹朱镇) with a due follow-up on 张三干洗店 and merchants to find."""
    district = world.districts[0]
    merchants = {name: factories.merchant(name, district) for name in ("旺福超市", "李记粮油", "赵六果蔬")}
    _db.session.flush()
    _db.session.add(FollowUp(campaign_id=world.campaign.id, merchant_id=world.merchants["m_a1"].id,
                             assignee_id=world.users["am_a1"].id, due_on=factories.today() - timedelta(days=1),
                             status="planned"))
    _db.session.commit()
    return {"moved_id": merchants["李记粮油"].id, "wangfu_id": merchants["旺福超市"].id, "other_town_id": world.towns[1].id,
            "phone": merchants["赵六果蔬"].operator_phone}


@lru_cache(maxsize=2)
def _photo(seed: int) -> bytes:
    """A 1800×1350 photo with fine grain, about 1 MB: far above 200 KB, as a phone camera makes it."""
    size = (1800, 1350)
    grain = Image.effect_noise(size, 30 + seed)
    image = Image.merge("RGB", (Image.radial_gradient("L").resize(size), grain, Image.linear_gradient("L").resize(size)))
    stream = io.BytesIO()
    image.save(stream, "JPEG", quality=92)
    return stream.getvalue()


def _count(model) -> int:
    _db.session.remove()
    return _db.session.scalar(select(func.count()).select_from(model))


def _sign_in_and_keep_the_day(context, base: str):
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base}/login?next=%2Fvisits%2F")
    page.fill('input[name="username"]', "am_a1")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base}/visits/")
    wait_until(page, "() => navigator.serviceWorker.controller !== null")
    expect(page.locator("[data-synced]")).to_contain_text("本机数据更新于")
    return page


def _save(page, notes: str, merchant: str, photo: int | None = None) -> None:
    page.check('input[name="has_need"][value="no"]')
    page.fill("#notes", notes)
    if photo is not None:
        page.set_input_files("#photo0", files=[{"name": "shop.jpg", "mimeType": "image/jpeg", "buffer": _photo(photo)}])
    page.click('#visit-form button[type="submit"]')
    expect(page.locator("[data-done]")).to_contain_text(merchant)


def _find(page, text: str, merchant: str) -> None:
    page.fill("#vis-q", text)
    page.locator("[data-results] button", has_text=merchant).click()
    expect(page.locator("[data-picked-name]")).to_have_text(merchant)


def _record_the_day_offline(page, day) -> str:
    """Five visits with no network; returns the new merchant's credit code."""
    page.locator('[data-list="follow_ups"] li', has_text="张三干洗店").get_by_role("link", name="走访").click()
    expect(page.locator("[data-picked-name]")).to_have_text("张三干洗店")
    expect(page.locator("[data-unpick]")).to_have_text("更换")
    expect(page.locator("[data-gps]")).to_contain_text("±15 米")
    for radio in page.locator("#visit-form label:has(input[type=radio])").all():  # thumbs, not styluses
        box = radio.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
    expect(page.locator('input[name="kind"][value="follow_up"]')).to_be_checked()
    page.check('input[name="satisfaction"][value="5"]')
    _save(page, "回访一", "张三干洗店", photo=1)

    page.check('input[name="kind"][value="first"]')
    _find(page, "wfcs", "旺福超市")  # pinyin initials
    _save(page, "首访旺福", "旺福超市", photo=2)

    code = credit_code.make("140428", random.Random(7))
    page.click(".vis-new summary")
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    page.fill("#new_credit_code", wrong)
    expect(page.locator("[data-code-check]")).to_contain_text(f"最后一位应为 {code[17]}")
    page.fill("#new_credit_code", code.lower())
    expect(page.locator("[data-code-check]")).to_be_hidden()
    page.fill("#new_name", "新开面馆")
    page.fill("#new_operator_phone", "13912345678")
    _save(page, "新登记", "新开面馆")

    _find(page, "ljly", "李记粮油")
    _save(page, "将被拒绝", "李记粮油")
    _find(page, day["phone"][-6:], "赵六果蔬")  # by phone
    _save(page, "第五家", "赵六果蔬")
    expect(page.locator("[data-pending-text]")).to_have_text("待发送：5 条")
    sizes = page.evaluate("crmStore.queued().then(items => items.flatMap(it => it.photos.filter(Boolean).map(p => p.size)))")
    assert len(sizes) == 2 and all(size <= 200 * 1024 for size in sizes), sizes  # shrunk on the phone
    return code


def _today_knows_what_waits(context, base: str) -> None:
    """Still offline, Today no longer asks for the follow-up just recorded, nor for a first visit to 旺福超市."""
    today = context.new_page()
    today.goto(f"{base}/visits/")
    done = today.locator('[data-list="follow_ups"] li', has_text="张三干洗店")
    expect(done).to_contain_text("已在本机记录，待发送")
    expect(done.get_by_role("link", name="走访")).to_have_count(0)
    expect(done.locator(".tag-overdue")).to_have_count(0)
    today.close()


def _move_out_of_the_area(day) -> None:
    """While the phone is offline the registry moves 李记粮油 to another town: the server refuses."""
    _db.session.remove()
    moved = _db.session.get(Merchant, day["moved_id"])
    moved.town_id, moved.district_id = day["other_town_id"], None
    _db.session.commit()


def _check_stored_once(page, day, code: str) -> None:
    expect(page.locator("[data-queue]")).to_be_hidden(timeout=BACK_ONLINE_MS)
    expect(page.locator("[data-done]")).to_be_hidden()  # "saved on this phone" is no longer true
    refused = page.locator("[data-attention] li")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("李记粮油")
    expect(refused).to_contain_text("商户不存在，或您无权查看。")
    _db.session.remove()
    visits = _db.session.scalars(select(Visit).order_by(Visit.id)).all()
    assert [v.notes for v in visits] == ["回访一", "首访旺福", "新登记", "第五家"]  # each once, in order
    assert [v.kind for v in visits] == ["follow_up", "first", "first", "first"]
    assert visits[0].satisfaction == 5
    assert visits[2].merchant.credit_code == code and visits[2].merchant.name == "新开面馆"
    photos = _db.session.scalars(select(Photo).order_by(Photo.visit_id)).all()
    assert [p.visit_id for p in photos] == [visits[0].id, visits[1].id]
    assert _db.session.scalar(select(FollowUp.status).where(FollowUp.done_visit_id == visits[0].id)) == "done"


def test_a_field_day_offline(day, live_server, browser):
    context = browser.new_context(**PHONE)
    page = _sign_in_and_keep_the_day(context, live_server)
    menu = page.locator(".mainnav a")
    assert all(menu.nth(i).is_visible() and menu.nth(i).bounding_box()["x"] + menu.nth(i).bounding_box()["width"] <= 360
               for i in range(menu.count()))

    context.set_offline(True)
    page.reload()
    expect(page.locator("[data-offline]")).to_be_visible()
    expect(page.locator('[data-list="follow_ups"]')).to_contain_text("张三干洗店")
    code = _record_the_day_offline(page, day)
    assert _count(Visit) == 0
    _today_knows_what_waits(context, live_server)
    _move_out_of_the_area(day)

    context.set_offline(False)  # no reload: the page notices by itself
    _check_stored_once(page, day, code)

    page.locator("[data-attention] li").get_by_role("link", name="修改").click()  # the refused one, fixed
    expect(page.locator("#notes")).to_have_value("将被拒绝")
    page.click("[data-unpick]")
    _find(page, "wfcs", "旺福超市")
    page.click('#visit-form button[type="submit"]')
    expect(page.locator("[data-done]")).to_have_text("已登记对旺福超市的走访。")
    expect(page.locator("[data-attention] li")).to_have_count(0)
    _db.session.remove()
    assert _db.session.scalar(select(Visit.merchant_id).where(Visit.notes == "将被拒绝")) == day["wangfu_id"]
    assert _count(Visit) == 5
    context.close()


def test_a_field_day_with_the_network_dropping_mid_send(day, live_server, browser):
    context = browser.new_context(**PHONE)
    page = _sign_in_and_keep_the_day(context, live_server)
    context.set_offline(True)
    page.reload()
    code = _record_the_day_offline(page, day)
    _move_out_of_the_area(day)
    lost = {"visit": 0, "photo": 0}

    def lose_the_answer(route, kind):
        """The second visit and the first photo reach the server, but the answer is lost."""
        lost[kind] += 1
        response = route.fetch()
        if (kind, lost[kind]) in (("visit", 2), ("photo", 1)):
            route.abort("internetdisconnected")
        else:
            route.fulfill(response=response)

    context.route("**/api/v1/visits", lambda route: lose_the_answer(route, "visit"))
    context.route("**/api/v1/visits/*/photos", lambda route: lose_the_answer(route, "photo"))
    context.set_offline(False)
    _check_stored_once(page, day, code)
    assert lost["visit"] >= 6 and lost["photo"] >= 3  # the lost ones were sent again
    context.close()
