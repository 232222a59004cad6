"""Migration 5e1f0c7a9d21 turns an existing drive's quota columns into quotas and gives each rule a source:
001's clause where a 双百 drive has 001's number, "local setting, recorded before sources" for the rest."""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import MetaData, create_engine, select

from crm import create_app
from crm.extensions import db


def _upgrade(url: str, revision: str = "head") -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=current_app.extensions["migrate"].directory, revision=revision)
        db.engine.dispose()


def test_existing_drives_keep_their_rules_with_sources(new_database):
    url = new_database()
    _upgrade(url, "ae6b2c40b204")
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    common = {"bureau_org_id": 1, "bank_org_id": 2, "territory_id": 1, "starts_on": date(2025, 6, 1),
              "ends_on": date(2025, 12, 31), "district_household_threshold": 100, "district_coverage_ratio": 0.2,
              "referral_contact_days": 7, "follow_up_interval_days": 30, "need_due_days": 15,
              "base_conditions": {}, "plaque_criteria": {}, "reminder_settings": {},
              "created_at": datetime(2025, 6, 1), "joint_visit_days_per_month": 1,
              "matchmaking_per_county_per_quarter": 1}
    with engine.begin() as conn:
        conn.execute(meta.tables["regions"].insert(), [{"id": 1, "level": "city", "name": "长治市"}])
        conn.execute(meta.tables["organizations"].insert(), [{"id": 1, "kind": "bureau", "name": "市局"},
                                                             {"id": 2, "kind": "bank", "name": "邮储"}])
        conn.execute(meta.tables["campaigns"].insert(), [
            {**common, "id": 1, "name": "双百", "template": "shuangbai", "level_visits_per_year": 3,
             "focus_trades": ["wholesale_retail", "lodging_catering", "transport_logistics"],
             "tier_caps": {"survival": 100000}},
            {**common, "id": 2, "name": "自定", "template": None, "level_visits_per_year": 0, "focus_trades": [],
             "tier_caps": {}, "need_due_days": 10, "joint_visit_days_per_month": 2},
        ])
    _upgrade(url)
    meta = MetaData()
    meta.reflect(engine)
    campaigns = meta.tables["campaigns"]
    assert "level_visits_per_year" not in campaigns.c
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(campaigns.c.id, campaigns.c.quotas, campaigns.c.rule_sources))}
    engine.dispose()
    shuangbai, own = rows[1], rows[2]
    assert shuangbai.quotas == [
        {"event": "joint_visit_day", "count": 1, "cadence": "month", "scope": "pair"},
        {"event": "matchmaking", "count": 1, "cadence": "quarter", "scope": "county"},
        {"event": "level_visit", "count": 3, "cadence": "year", "scope": "level_pair"}]
    sources = shuangbai.rule_sources
    assert sources["district_household_threshold"]["clause"] == "四、（一）加强宣传走访"
    assert sources["quotas.matchmaking.county.quarter"]["doc"] == "001"
    assert sources["focus_trades"]["doc"] == "001"
    # Not 001's: kept, and marked a local setting made before rules carried their sources.
    assert sources["quotas.level_visit.level_pair.year"] == sources["tier_caps.survival"] == {
        "local": True, "by": None, "user_id": None, "on": None}
    assert "referral_contact_days" not in sources  # the default no document gives, labelled as such
    assert own.quotas == [{"event": "joint_visit_day", "count": 2, "cadence": "month", "scope": "pair"},
                          {"event": "matchmaking", "count": 1, "cadence": "quarter", "scope": "county"}]
    assert own.rule_sources["need_due_days"]["local"] and "district_household_threshold" not in own.rule_sources
    assert "quotas.joint_visit_day.pair.month" in own.rule_sources
