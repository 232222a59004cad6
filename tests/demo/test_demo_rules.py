"""The demo serves a drive whose rules are its template's: when built, and when run again on a database an
older version built (its document-cited rules brought to the template's, a lead's own settings kept)."""
from __future__ import annotations

from sqlalchemy import select

from crm.campaigns.models import Campaign
from crm.campaigns.rule_changes import drive_rules, edit_rules, template_differences
from crm.demo.build import bring_demo_drive_to_template, build_demo
from crm.people.models import User


def test_the_demo_drive_has_its_templates_rules_and_keeps_them_on_a_second_run(db):
    build_demo(seed=5, merchants=60, password="Demo-pass-42")
    drive = db.session.scalar(select(Campaign))
    assert template_differences(drive) == []
    assert bring_demo_drive_to_template() == 0

    # As an older template left it: a cap 001 does not give, cited to it; and a lead's own plaque prefix.
    drive.tier_caps = {"survival": 100000}
    drive.rule_sources = {**drive.rule_sources, "tier_caps.survival": {"doc": "001", "clause": "旧条款"}}
    edit_rules(drive, {"plaque_criteria.number_prefix": "CZ"}, db.session.scalar(select(User).where(
        User.username == "lead")))
    db.session.commit()
    assert bring_demo_drive_to_template() == 1
    db.session.expire_all()
    rules = drive_rules(drive)
    assert "tier_caps.survival" not in rules and rules["plaque_criteria.number_prefix"] == "CZ"
    assert [d.key for d in template_differences(drive)] == ["plaque_criteria.number_prefix"]
