"""Each role in Chromium, in Chinese: signs in, lands on its home and does its main job from there,
with no console error, no failed request and no code or raw id on any page it reaches. Each home is
photographed at phone and desktop size for review (see README: screenshots)."""
from __future__ import annotations

import os

from playwright.sync_api import expect
from sqlalchemy import select

from crm.extensions import db as _db
from crm.referrals import operations
from crm.referrals.models import Referral, ReferralList
from crm.visits.models import Visit
from tests.browser import DESKTOP, check, offered, sign_in, sticking_out
from tests.referrals.helpers import make_list

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2,
         "geolocation": {"latitude": 36.1953, "longitude": 113.1163, "accuracy": 15},
         "permissions": ["geolocation"], "timezone_id": "Asia/Shanghai"}
SIZES = {"phone": (390, 844), "desktop": (1366, 900), "wide": (1920, 1080)}
def _photograph(page, screenshots, role):
    """The home at phone and desktop size (and 1920 wide), with nothing wider than the screen."""
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (role, size)
        assert not sticking_out(page), (role, size, sticking_out(page))
        page.screenshot(path=os.path.join(screenshots, f"home-{role}-{size}.png"), full_page=True)


def test_the_account_manager_visits_a_referral_from_today(people, live_server, browser, screenshots):
    referral_list = make_list(people, [people.merchants["m_a1"]])
    operations.auto_assign(referral_list, people.users["head_a"])
    _db.session.commit()
    list_id = referral_list.id
    context, page, watch = sign_in(browser, live_server, "am_a1", PHONE)
    assert page.url == f"{live_server}/visits/"
    check(page, watch)
    page.locator('[data-list="referrals"] li', has_text="张三干洗店").get_by_role("link", name="走访").click()
    page.wait_for_url("**/visits/new?merchant=*")  # its script must be running before the form is filled
    page.check('input[name="has_need"][value="no"]')
    page.fill("#notes", "店主在")
    page.click('#visit-form button[type="submit"]')
    expect(page.locator("[data-done]")).to_have_text("已登记对张三干洗店的走访。")
    check(page, watch)
    _db.session.remove()
    assert _db.session.scalar(select(Referral.status).where(Referral.list_id == list_id)) == "visited"
    assert _db.session.scalar(select(Visit.notes)) == "店主在"
    page.goto(f"{live_server}/visits/")
    _photograph(page, screenshots, "account_manager")
    check(page, watch)
    context.close()


def test_the_liaison_builds_a_list_from_codes_and_hands_it_over(people, live_server, browser, screenshots):
    people.users["liaison_a1"].organization = people.orgs["bureau_a"]  # a county bureau's liaison: 长子县
    _db.session.commit()
    context, page, watch = sign_in(browser, live_server, "liaison_a1", DESKTOP)
    assert page.url == f"{live_server}/home/liaison"
    check(page, watch)
    _photograph(page, screenshots, "liaison")
    page.set_viewport_size(DESKTOP["viewport"])
    page.get_by_role("link", name="新建送贷名单").click()
    page.wait_for_url("**/referrals/new")  # loaded: the pickers narrow once page.js runs
    assert offered(page, "#county_id") == ["全部", "长子县"]  # the liaison's area only: 沁县's merchants are not theirs
    page.select_option("#county_id", label="长子县")  # the pickers narrow: county → town → district
    assert offered(page, "#town_id") == ["全部", "长子县 / 丹朱镇", "长子县 / 鲍店镇"]
    page.select_option("#town_id", label="长子县 / 鲍店镇")
    assert offered(page, "#district_id") == ["全部", "长子县 / 鲍店镇 / 鲍店市场"]
    page.select_option("#county_id", index=0)  # every county again; the town chosen still narrows
    assert len(offered(page, "#town_id")) == 3 and len(offered(page, "#district_id")) == 2
    page.select_option("#town_id", index=0)
    assert len(offered(page, "#district_id")) == 3
    codes = [people.merchants["m_a1"].credit_code, people.merchants["m_b1"].credit_code]
    page.fill("#codes", "\n".join(codes))
    page.click('button[name="action"][value="preview"]')
    expect(page.locator("[data-adding]")).to_contain_text("张三干洗店")
    expect(page.locator("[data-rejected]")).to_contain_text(people.merchants["m_b1"].credit_code)
    check(page, watch)
    page.fill("#name", "丹朱镇十二月名单")
    page.select_option("#bank_org_id", label=f'{people.orgs["bank"].name} / {people.orgs["branch_a"].name}')
    page.click('button[name="action"][value="create"]')
    page.get_by_role("button", name=f"移交给 {people.orgs['branch_a'].name}").click()
    expect(page.locator(".flash")).to_contain_text("已移交")
    check(page, watch)
    page.goto(f"{live_server}/home/liaison")
    expect(page.locator('[data-home="lists"]')).to_contain_text("丹朱镇十二月名单")
    check(page, watch)
    context.close()


def test_the_branch_head_assigns_a_list_evenly_from_the_home(people, live_server, browser, screenshots):
    referral_list = make_list(people, [people.merchants["m_a1"], people.merchants["m_a2"]])
    list_id, managers = referral_list.id, sorted([people.users["am_a1"].id, people.users["am_a2"].id])
    context, page, watch = sign_in(browser, live_server, "head_a", DESKTOP)
    assert page.url == f"{live_server}/home/branch"
    check(page, watch)
    _photograph(page, screenshots, "branch_head")
    page.set_viewport_size(DESKTOP["viewport"])
    row = page.locator(f'[data-home="assign"] [data-list="{list_id}"]')
    row.locator("select").select_option("load")
    row.get_by_role("button", name="分配 2 户").click()
    expect(page.locator('[data-home="assign"]')).to_contain_text("已全部分配")
    expect(page.locator('[data-home="loads"]')).to_contain_text("张晓明")
    check(page, watch)
    _db.session.remove()
    owners = _db.session.scalars(select(Referral.assignee_id).where(Referral.list_id == list_id)).all()
    assert sorted(owners) == managers
    context.close()


def test_the_lead_opens_a_quarter_on_the_dashboard(people, live_server, browser, screenshots):
    context, page, watch = sign_in(browser, live_server, "lead", DESKTOP)
    assert page.url.startswith(f"{live_server}/reports/")
    check(page, watch)
    _photograph(page, screenshots, "lead")
    page.set_viewport_size(DESKTOP["viewport"])
    quarter = page.locator("#period option").nth(1).get_attribute("value")
    page.select_option("#period", quarter)
    page.click("form.rep-filters button")
    page.wait_for_url(f"**period={quarter}*")  # the old page had the quarter chosen too
    expect(page.locator("#period")).to_have_value(quarter)
    check(page, watch)
    context.close()


def test_the_admin_reads_who_was_given_a_name_in_the_audit_log(people, live_server, browser, screenshots):
    referral_list = make_list(people, [people.merchants["m_a1"]])
    operations.auto_assign(referral_list, people.users["head_a"])
    _db.session.commit()
    name = referral_list.name
    context, page, watch = sign_in(browser, live_server, "admin", DESKTOP)
    assert page.url == f"{live_server}/admin/"
    check(page, watch)
    _photograph(page, screenshots, "admin")
    page.set_viewport_size(DESKTOP["viewport"])
    page.get_by_role("link", name="审计日志").click()
    page.select_option("#action", "assign")
    page.click(".filters button")
    page.wait_for_url("**action=assign*")  # the unfiltered log may hold the same lines
    expect(page.locator(".admin-changes").first).to_contain_text("客户经理")
    expect(page.locator(".admin-changes").first).to_contain_text("张晓明")
    check(page, watch)
    assert _db.session.scalar(select(ReferralList.name)) == name
    context.close()
