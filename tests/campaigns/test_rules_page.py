"""The drive's rules page traces every number to a clause or to a local setting; an edit becomes a local
setting of the editor's; the public form promises a contact time only when the drive sets one."""
from __future__ import annotations

import re
from datetime import date

from crm.campaigns.rules import rule_source
from crm.campaigns.templates import create_campaign_from_template
from crm.extensions import db
from crm.timeutil import local_today


def _row(page: str, key: str) -> str:
    match = re.search(rf'<tr data-rule="{re.escape(key)}">(.*?)</tr>', page, re.DOTALL)
    assert match, key
    return re.sub(r"<[^>]+>", " ", match.group(1))


def _rules_form(campaign, **kw) -> dict:
    data = {"district_household_threshold": str(campaign.district_household_threshold), "coverage_percent": "20",
            "referral_contact_days": str(campaign.referral_contact_days),
            "follow_up_interval_days": str(campaign.follow_up_interval_days),
            "need_due_days": str(campaign.need_due_days), "visit_distance_m": str(campaign.visit_distance_m),
            "focus_trades": list(campaign.focus_trades)}
    for i, quota in enumerate(campaign.quotas):
        data.update({f"quota_rows-{i}-{k}": str(quota.get(k) or "") for k in ("event", "count", "cadence", "scope",
                                                                               "weekday")})
    data.update(kw)
    return data


def test_the_rules_page_shows_each_rule_with_its_source(world, login):
    lead = world.users["lead"]
    drive = create_campaign_from_template("shuangbai", "双百工程 2026", world.orgs["bureau_b"], world.orgs["branch_b"],
                                          world.city, date(2026, 1, 1), date(2026, 12, 31), actor=lead)
    db.session.commit()
    client = login(lead)
    client.get("/lang/en")
    page = client.get(f"/campaigns/{drive.id}/rules").get_data(as_text=True)
    assert "Programme: 双百工程（长治 · 邮储银行）" in page
    threshold = _row(page, "district_household_threshold")
    assert "100" in threshold and "长市监发〔2025〕50号" in threshold and "原则上商圈走访应达到100户以上" in threshold
    meetings = _row(page, "quotas.matchmaking.county.quarter")
    assert "At least 1 per Quarter, for each: County" in meetings and "五、（一）1. 县域全覆盖计划" in meetings
    assert "对诚信经营户授予" in _row(page, "plaque_criteria.veto_dishonest")
    assert "附件" in _row(page, "products.极速贷")
    for key in ("referral_contact_days", "follow_up_interval_days", "need_due_days"):
        assert "Default: no document gives this" in _row(page, key)
    assert "tier_caps" not in page  # 001 sets no caps

    # A lead edits a rule: it becomes her local setting; the others keep their clause.
    edit = client.post(f"/admin/campaigns/{drive.id}/edit", data=_rules_form(drive, referral_contact_days="5"))
    assert edit.status_code == 302
    page = client.get(f"/campaigns/{drive.id}/rules").get_data(as_text=True)
    assert f"Local setting by {lead.display_name} on {local_today().isoformat()}" in _row(page, "referral_contact_days")
    assert "长市监发〔2025〕50号" in _row(page, "district_household_threshold")
    assert rule_source(drive, "quotas.joint_visit_day.pair.month").kind == "document"

    # Someone who does not see the drive does not see its rules.
    assert login(world.users["am_a1"]).get(f"/campaigns/{drive.id}/rules").status_code == 404


def test_the_public_form_promises_only_what_the_drive_sets(world, client, login):
    pair = world.pairs[0]
    form = client.get(f"/apply/{pair.intake_token}?lang=en").get_data(as_text=True)
    assert "an account manager will contact you and visit you" in form and " days" not in form
    lead = login(world.users["lead"])
    edit = lead.post(f"/admin/campaigns/{world.campaign.id}/edit",
                     data=_rules_form(world.campaign, referral_contact_days="3"))
    assert edit.status_code == 302
    client.get("/logout")
    form = client.get(f"/apply/{pair.intake_token}?lang=en").get_data(as_text=True)
    assert "will contact you within 3 days" in form
