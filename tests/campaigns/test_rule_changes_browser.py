"""A lead, in Chromium and in Chinese, changes a plaque criterion and a product's cap on the drive's rules
pages and brings the drive back to its template: every page readable, no console error or failed request."""
from __future__ import annotations

import os
from datetime import date

from crm.campaigns.templates import create_campaign_from_template
from crm.extensions import db
from tests.browser import check, sign_in


def test_a_lead_edits_and_syncs_the_drives_rules_in_the_browser(world, live_server, browser, screenshots):
    lead = world.users["lead"]
    lead.display_name = "李主任"
    drive = create_campaign_from_template("ccb_yujian", "遇建美好 2026", world.orgs["bureau_b"],
                                          world.orgs["branch_b"], world.city, date(2026, 1, 1), date(2026, 12, 31),
                                          actor=lead)
    db.session.commit()
    context, page, watch = sign_in(browser, live_server, "lead")
    page.goto(f"{live_server}/campaigns/{drive.id}/rules")
    page.get_by_role("link", name="编辑额度、评定标准和产品").click()
    page.wait_for_url(f"**/campaigns/{drive.id}/rules/edit")
    check(page, watch)
    page.fill('input[name="max_overdue_12m"]', "1")
    product = page.locator('details[data-product="惠商贷"]')
    product.locator("summary").click()
    product.get_by_label("本活动提供此产品").check()
    product.get_by_label("信用贷款额度上限（元）").fill("150000")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/campaigns/{drive.id}/rules")
    row = page.locator('tr[data-rule="plaque_criteria.max_overdue_12m"]')
    assert "1" in row.inner_text() and "本地设置" in row.inner_text()
    assert "15" in page.locator('tr[data-rule="products.惠商贷.caps.credit"]').inner_text()

    page.get_by_role("link", name="与模板对照").click()
    page.wait_for_url(f"**/campaigns/{drive.id}/rules/template")
    check(page, watch)
    page.get_by_label("同时替换本地设置").check()
    page.get_by_role("button", name="将活动规则更新为模板规则").click()
    page.wait_for_url(f"**/campaigns/{drive.id}/rules")
    assert "最近 12 个月内（含 12 个月）累计逾期次数不超过 3 次" in \
        page.locator('tr[data-rule="plaque_criteria.max_overdue_12m"]').inner_text()
    assert page.locator('tr[data-rule="products.惠商贷"]').count() == 0
    check(page, watch)
    # Photographed last: a full-page screenshot leaves the page's click positions off in this Chromium.
    for name in ("edit", "template"):
        page.goto(f"{live_server}/campaigns/{drive.id}/rules/{name}")
        page.screenshot(path=os.path.join(screenshots, f"drive-rules-{name}.png"), full_page=True)
    context.close()
