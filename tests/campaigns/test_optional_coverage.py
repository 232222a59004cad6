"""The district coverage rule (100 households or 20%) is 双百工程's (001 四、（一）). A drive without it counts the
merchants visited in each district but gives no verdict anywhere: the districts page and API, the dashboard's
tiles, the figures, the notice's quotas, the reminders and the rules page."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import MetaData, create_engine, select

from crm.campaigns.coverage import district_rows
from crm.extensions import db
from crm.reminders.rules import campaign_shortfalls, districts_below_rule
from crm.reports import notice as notices
from crm.reports.periods import parse_period
from crm.reports.rollup import compute
from crm.timeutil import local_today
from tests.campaigns.test_coverage import visit
from tests.campaigns.test_rules_migration import _upgrade
from tests.campaigns.test_rules_page import _rules_form


@pytest.fixture
def visited(world):
    """A merchant visited in 丹朱商圈 (120 households): short of 100 or 20% under 双百工程's rule."""
    visit(world, world.merchants["m_a1"], world.users["am_a1"])
    db.session.commit()
    return world


def _drop_rule(campaign) -> None:
    campaign.district_household_threshold = campaign.district_coverage_ratio = None
    db.session.commit()


def test_the_same_visits_with_and_without_the_rule(visited, app):
    world = visited
    campaign = world.campaign
    with app.test_request_context("/"):
        ruled = {r.name: r for r in district_rows(campaign, world.users["lead"])}
        assert (ruled["丹朱商圈"].meets_rule, ruled["丹朱商圈"].visits_needed) == (False, 23)
        assert districts_below_rule(campaign) and compute(campaign, "all").totals["districts_meeting_rule"] == 0
        _drop_rule(campaign)
        plain = {r.name: r for r in district_rows(campaign, world.users["lead"])}
        assert (plain["丹朱商圈"].merchants_visited, plain["丹朱商圈"].meets_rule, plain["丹朱商圈"].visits_needed) \
            == (1, None, None)
        assert districts_below_rule(campaign) == []
        assert not any("coverage" in line for line in campaign_shortfalls(campaign, local_today(), {}))
        result = compute(campaign, "all")
        assert result.totals["districts"] == 3 and result.totals["districts_meeting_rule"] is None
        assert all(row["districts_meeting_rule"] is None for row in result.rows)
        built = notices.build(campaign, parse_period("all", campaign), campaign.territory)
        assert all(q.coverage_met is None and q.districts_meeting_rule is None for q in built.quotas)
        assert all("coverage" not in q.missed() for q in built.quotas)


def test_pages_and_api_show_counts_without_a_verdict(visited, login, api):
    world = visited
    campaign = world.campaign
    client = login(world.users["lead"])
    client.get("/lang/en")
    dashboard = client.get(f"/reports/?campaign={campaign.id}").get_data(as_text=True)
    assert 'data-figure="districts_meeting_rule"' in dashboard and "Coverage map" in dashboard
    assert 'name="coverage_shortfall.enabled"' in client.get(f"/reminders/settings/{campaign.id}").get_data(as_text=True)
    _drop_rule(campaign)
    reminders = client.get(f"/reminders/settings/{campaign.id}").get_data(as_text=True)
    assert 'name="coverage_shortfall.enabled"' not in reminders and 'name="follow_up_due.enabled"' in reminders
    page = client.get(f"/districts/?campaign={campaign.id}").get_data(as_text=True)
    assert "This drive has no coverage rule" in page and "Meets the rule" not in page and "Visits needed" not in page
    assert re.search(r"<b>1</b><span>Merchants visited</span>", page)
    detail = client.get(f"/districts/{world.districts[0].id}?campaign={campaign.id}").get_data(as_text=True)
    assert "no coverage rule" in detail and "more merchants to visit" not in detail
    dashboard = client.get(f"/reports/?campaign={campaign.id}").get_data(as_text=True)
    assert 'data-figure="districts_meeting_rule"' not in dashboard and "Coverage map" not in dashboard
    rules = client.get(f"/campaigns/{campaign.id}/rules").get_data(as_text=True)
    assert 'data-rule="district_household_threshold"' not in rules
    assert 'data-rule="district_coverage_ratio"' not in rules
    rows = api(world.users["lead"]).get(f"/api/v1/campaigns/{campaign.id}/districts").get_json()["items"]
    assert {(r["meets_rule"], r["visits_needed"]) for r in rows} == {(None, None)}
    drive = next(d for d in api(world.users["lead"]).get("/api/v1/campaigns").get_json()["items"]
                 if d["id"] == campaign.id)
    assert (drive["rules"]["district_household_threshold"], drive["rules"]["district_coverage_ratio"]) == (None, None)
    rollup = api(world.users["lead"]).get(f"/api/v1/campaigns/{campaign.id}/rollup?period=all").get_json()
    assert rollup["totals"]["districts_meeting_rule"] is None


def test_a_lead_clears_the_rule_or_sets_both_numbers(world, login):
    campaign = world.campaign
    client = login(world.users["lead"])
    half = client.post(f"/admin/campaigns/{campaign.id}/edit", data=_rules_form(
        campaign, coverage_percent="", **{"caps-0-tier": "", "caps-0-amount": ""}))
    assert half.status_code == 200 and "flash-error" in half.get_data(as_text=True)
    db.session.refresh(campaign)
    assert campaign.district_household_threshold == 100
    cleared = client.post(f"/admin/campaigns/{campaign.id}/edit",
                          data=_rules_form(campaign, district_household_threshold="", coverage_percent=""))
    assert cleared.status_code == 302
    db.session.refresh(campaign)
    assert (campaign.district_household_threshold, campaign.district_coverage_ratio) == (None, None)
    assert "district_household_threshold" not in campaign.rule_sources  # a rule that is gone has no source
    set_again = client.post(f"/admin/campaigns/{campaign.id}/edit",
                            data=_rules_form(campaign, district_household_threshold="50", coverage_percent="10"))
    assert set_again.status_code == 302
    db.session.refresh(campaign)
    assert (campaign.district_household_threshold, campaign.district_coverage_ratio) == (50, Decimal("0.1"))
    assert campaign.rule_sources["district_household_threshold"]["local"]


def test_the_migration_drops_the_default_rule_from_other_programmes_drives_only(new_database):
    url = new_database()
    _upgrade(url, "5c0f3e9a1d27")
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    common = {"bureau_org_id": 1, "bank_org_id": 2, "territory_id": 1, "starts_on": date(2026, 1, 1),
              "ends_on": date(2026, 12, 31), "district_household_threshold": 100, "district_coverage_ratio": 0.2,
              "referral_contact_days": 7, "follow_up_interval_days": 30, "need_due_days": 15, "visit_distance_m": 500,
              "focus_trades": [], "tier_caps": {}, "base_conditions": {}, "plaque_criteria": {},
              "reminder_settings": {}, "quotas": [], "created_at": datetime(2026, 1, 1)}
    cited = {"doc": "001", "clause": "四、（一）加强宣传走访"}
    local = {"local": True, "by": "王主任", "user_id": 1, "on": "2026-02-01"}
    with engine.begin() as conn:
        conn.execute(meta.tables["regions"].insert(), [{"id": 1, "level": "city", "name": "长治市"}])
        conn.execute(meta.tables["organizations"].insert(), [{"id": 1, "kind": "bureau", "name": "市局"},
                                                             {"id": 2, "kind": "bank", "name": "中行"}])
        conn.execute(meta.tables["campaigns"].insert(), [
            {**common, "id": 1, "name": "双百", "template": "shuangbai",
             "rule_sources": {"district_household_threshold": cited, "district_coverage_ratio": cited}},
            {**common, "id": 2, "name": "惠商贷", "template": "boc_huishang", "rule_sources": {}},
            {**common, "id": 3, "name": "晋商", "template": "jinshang", "district_household_threshold": 50,
             "rule_sources": {"district_household_threshold": local}},
            {**common, "id": 4, "name": "自定", "template": None, "rule_sources": {}},
        ])
    _upgrade(url)
    meta = MetaData()
    meta.reflect(engine)
    campaigns = meta.tables["campaigns"]
    with engine.connect() as conn:
        rows = {r.id: (r.district_household_threshold, r.district_coverage_ratio and float(r.district_coverage_ratio))
                for r in conn.execute(select(campaigns))}
    engine.dispose()
    # 双百 keeps 001's rule; BOC's default is gone; a lead's own setting and a drive set up by hand stay.
    assert rows == {1: (100, 0.2), 2: (None, None), 3: (50, 0.2), 4: (100, 0.2)}
