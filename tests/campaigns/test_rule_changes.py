"""A lead edits a drive's caps, plaque criteria and products on its rules pages (each change a dated local
setting, audited in readable Chinese; bad values refused, nothing changed), and brings an older drive to its
template's current rules by page or command, keeping local settings unless asked."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.campaigns.rule_changes import drive_rules, edit_rules
from crm.campaigns.rules import rule_source
from crm.campaigns.templates import create_campaign_from_template
from crm.extensions import db
from crm.products.models import CampaignProduct, Product
from crm.products.operations import match
from crm.timeutil import local_today
from tests import factories
from tests.browser import identifier_problems


def _row(page: str, key: str) -> str:
    found = re.search(rf'<tr data-rule="{re.escape(key)}">(.*?)</tr>', page, re.DOTALL)
    assert found, key
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


def _readable(page: str, *typed: str) -> list[str]:
    """Codes, ids or stray Latin words in the page's visible text (the typed plaque prefixes left out)."""
    text = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", page.split('<main class="page">', 1)[-1], flags=re.DOTALL)
    for word in typed:
        text = text.replace(word, "")
    return identifier_problems(text)


def _drive(world, template: str):
    drive = create_campaign_from_template(template, "2026 年活动", world.orgs["bureau_b"],
                                          world.orgs["branch_b"], world.city, date(2026, 1, 1), date(2026, 12, 31),
                                          actor=world.users["lead"])
    db.session.commit()
    return drive


def _form(drive, **changed) -> dict:
    """The edit page's fields as they stand (no product rows: those not sent are left alone), then `changed`."""
    rules = drive_rules(drive)
    data = {name: str(rules.get(f"tier_caps.{name}", "")) for name in ("survival", "growth", "development",
                                                                       "distinguished")}
    share = rules.get("tier_caps.revenue_share_cap")
    data["revenue_share_percent"] = "" if share is None else str(share * 100)
    for name in ("min_months_trading", "min_loan_months", "max_overdue_12m", "min_credit_line", "number_prefix"):
        data[name] = str(rules.get(f"plaque_criteria.{name}", ""))
    for name in ("tiers", "veto_statuses"):
        data[name] = rules.get(f"plaque_criteria.{name}", [])
    for name in ("no_bad_loans", "veto_false_reporting", "veto_dishonest"):
        if rules.get(f"plaque_criteria.{name}", name == "veto_dishonest"):
            data[name] = "y"
    data.update(changed)
    return {key: value for key, value in data.items() if value is not None}


def test_a_lead_edits_criteria_caps_and_products_each_a_local_setting(world, login):
    lead = world.users["lead"]
    drive = _drive(world, "ccb_yujian")
    county = world.counties[0]
    client = login(lead)
    assert "最近 12 个月" in client.get(f"/campaigns/{drive.id}/rules").get_data(as_text=True)
    page = client.get(f"/campaigns/{drive.id}/rules/edit").get_data(as_text=True)
    assert 'value="500000"' in page and "极速贷" in page and _readable(page) == []

    answer = client.post(f"/campaigns/{drive.id}/rules/edit", data=_form(
        drive, max_overdue_12m="2", revenue_share_percent="15", **{
            "products-0-name": "极速贷", "products-0-offered": "y", "products-0-credit": "300000",
            "products-0-region_ids": [str(county.id)]}))
    assert answer.status_code == 302
    page = client.get(f"/campaigns/{drive.id}/rules?lang=en").get_data(as_text=True)
    mine = f"Local setting by {lead.display_name} on {local_today().isoformat()}"
    assert " 2 " in _row(page, "plaque_criteria.max_overdue_12m") and mine in _row(page, "plaque_criteria.max_overdue_12m")
    assert "15%" in _row(page, "tier_caps.revenue_share_cap") and mine in _row(page, "tier_caps.revenue_share_cap")
    assert "24 个月" in _row(page, "plaque_criteria.min_loan_months")  # untouched: still the clause
    assert "30" in _row(page, "products.极速贷.caps.credit") and county.name in _row(page, "products.极速贷.region_ids")
    assert mine in _row(page, "products.极速贷")

    # The drive's own cap and area are what matching applies (the catalogue is left as it was).
    merchant = factories.merchant("周记百货", world.districts[2], kind="individual",
                                  registered_on=date(2020, 1, 1), operator_birth_date=date(1980, 1, 1))
    db.session.commit()
    assert "极速贷" in [p.name for p, _reasons in match(merchant, drive, local_today()).does_not_fit]
    assert db.session.scalar(select(Product).where(Product.name == "极速贷")).rules["caps"]["credit"] == 2_000_000

    # Set back to the document's number, the rule takes its clause back.
    client.post(f"/campaigns/{drive.id}/rules/edit", data=_form(drive, max_overdue_12m="3"))
    assert rule_source(drive, "plaque_criteria.max_overdue_12m").clause.endswith("2.")

    # The audit log reads in Chinese: the rule's name and its values, no keys or ids.
    admin = login(world.users["admin"])
    log = admin.get("/admin/audit/?object_type=campaigns").get_data(as_text=True)
    assert "最近 12 个月" in log and "极速贷" in log and county.name in log
    assert [problem for problem in _readable(log) if problem.startswith("code")] == []  # numbers and names allowed


def test_bad_values_are_refused_and_only_the_drives_leads_may_edit(world, login):
    drive = _drive(world, "ccb_yujian")
    before = drive_rules(drive)
    client = login(world.users["lead"])
    page = client.post(f"/campaigns/{drive.id}/rules/edit", data=_form(drive, revenue_share_percent="150",
                                                                        max_overdue_12m="-1"))
    assert page.status_code == 200 and "请修改标出的字段" in page.get_data(as_text=True)
    page = client.post(f"/campaigns/{drive.id}/rules/edit", data=_form(drive, number_prefix="牌号"),
                       follow_redirects=True)
    assert "牌匾编号前缀" in page.get_data(as_text=True)
    db.session.expire_all()
    assert drive_rules(drive) == before
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "update",
                                                         AuditEvent.object_type == "campaigns")) is None

    other_lead = factories.user("lead2", ["lead"], world.orgs["bureau"])
    db.session.commit()
    for user in (other_lead, world.users["am_a1"], world.users["liaison_a1"]):
        assert login(user).get(f"/campaigns/{drive.id}/rules/edit").status_code == 404
        assert login(user).get(f"/campaigns/{drive.id}/rules/template").status_code == 404
    assert login(world.users["admin"]).get(f"/campaigns/{drive.id}/rules/edit").status_code == 200


def _made_by_an_older_template(world):
    """A 双百 drive as the older template made it: BOC's caps and the ≤ 3 "overdue" criterion cited to 001,
    one of its products missing; and a lead's own contact time (a local setting)."""
    drive = _drive(world, "shuangbai")
    old = {"doc": "001", "title": "长市监发〔2025〕50号", "clause": "旧条款", "quote": "旧引文"}
    drive.tier_caps = {"survival": 100000}
    drive.plaque_criteria = {**drive.plaque_criteria, "max_overdue_12m": 3}
    drive.rule_sources = {**drive.rule_sources, "tier_caps.survival": old, "plaque_criteria.max_overdue_12m": old}
    db.session.execute(CampaignProduct.__table__.delete().where(
        CampaignProduct.campaign_id == drive.id,
        CampaignProduct.product_id == select(Product.id).where(Product.name == "商贸贷").scalar_subquery()))
    db.session.commit()
    edit_rules(drive, {"plaque_criteria.number_prefix": "CZ"}, world.users["lead"])
    db.session.commit()
    return drive


def test_the_page_shows_the_differences_and_brings_the_drive_to_its_template(world, login):
    drive = _made_by_an_older_template(world)
    client = login(world.users["lead"])
    page = client.get(f"/campaigns/{drive.id}/rules").get_data(as_text=True)
    assert f"/campaigns/{drive.id}/rules/template" in page
    page = client.get(f"/campaigns/{drive.id}/rules/template").get_data(as_text=True)
    assert "旧条款" in _row(page, "plaque_criteria.max_overdue_12m")
    assert "本活动提供" in _row(page, "products.商贸贷") and "五、（二）1." in _row(page, "products.商贸贷")
    assert "SB" in _row(page, "plaque_criteria.number_prefix") and "本地设置" in _row(page, "plaque_criteria.number_prefix")
    assert _readable(page, "SB", "CZ", world.users["lead"].display_name) == []

    assert client.post(f"/campaigns/{drive.id}/rules/template", data={}).status_code == 302
    db.session.expire_all()
    rules = drive_rules(drive)
    assert "tier_caps.survival" not in rules and "plaque_criteria.max_overdue_12m" not in rules
    assert rules["products.商贸贷"] is True and rule_source(drive, "products.商贸贷").kind == "document"
    assert rules["plaque_criteria.number_prefix"] == "CZ"  # the lead's own, kept
    page = client.get(f"/campaigns/{drive.id}/rules/template").get_data(as_text=True)
    assert "plaque_criteria.number_prefix" in page and "tier_caps.survival" not in page

    client.post(f"/campaigns/{drive.id}/rules/template", data={"include_local": "y"})
    db.session.expire_all()
    assert drive_rules(drive)["plaque_criteria.number_prefix"] == "SB"
    assert "与模板现行规则一致" in client.get(f"/campaigns/{drive.id}/rules/template").get_data(as_text=True)
    log = login(world.users["admin"]).get("/admin/audit/?object_type=campaigns").get_data(as_text=True)
    assert "商贸贷" in log and "逾期" in log


def test_the_command_lists_then_applies_the_differences(world, app):
    drive = _made_by_an_older_template(world)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["crm", "campaigns", "sync-template", str(drive.id), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "plaque_criteria.max_overdue_12m: 3 -> (none)" in dry.output
    assert "plaque_criteria.number_prefix: CZ -> SB" in dry.output and "[local setting, kept]" in dry.output
    db.session.expire_all()
    assert drive_rules(drive)["tier_caps.survival"] == 100000  # a dry run changes nothing

    done = runner.invoke(args=["crm", "campaigns", "sync-template", drive.name])
    assert done.exit_code == 0, done.output
    assert "3 of 4 rules brought to the template's" in done.output
    db.session.expire_all()
    assert drive_rules(drive)["plaque_criteria.number_prefix"] == "CZ"
    assert runner.invoke(args=["crm", "campaigns", "sync-template", str(world.campaign.id)]).exit_code == 1
