"""Drives from templates: rules, caps, criteria and products come with them, and stay editable."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from crm.campaigns.models import Campaign
from crm.campaigns.templates import TEMPLATES, create_campaign_from_template
from crm.extensions import db
from crm.products.models import CampaignProduct, Product


def test_shuangbai_and_ccb_templates(world):
    bureau, bank = world.orgs["bureau"], world.orgs["bank"]
    sb = create_campaign_from_template("shuangbai", "双百工程 2026", bureau, bank, world.city, date(2026, 1, 1),
                                       date(2026, 12, 31), actor=world.users["lead"])
    ccb = create_campaign_from_template("ccb_yujian", "遇建美好", bureau, bank, world.city, date(2026, 1, 1),
                                        date(2026, 12, 31))
    db.session.commit()
    assert sb.district_household_threshold == 100 and sb.district_coverage_ratio == Decimal("0.2")
    assert sb.tier_caps["distinguished"] == 1000000 and sb.tier_caps["revenue_share_cap"] == 0.2
    assert ccb.base_conditions["tier_rules"]["growth"] == {"min_months_trading": 24, "min_revenue": 300000}
    assert ccb.plaque_criteria["min_credit_line"] == 500000
    names = {c.name: sorted(db.session.scalars(select(Product.name).join(
        CampaignProduct, CampaignProduct.product_id == Product.id).where(CampaignProduct.campaign_id == c.id)))
        for c in (sb, ccb)}
    assert names == {"双百工程 2026": ["极速贷"], "遇建美好": ["善新贷"]}
    assert [r.user_id for r in sb.lead_rows] == [world.users["lead"].id]  # the lead who made it leads it
    assert ccb.lead_rows == []
    # Rules are plain columns: editing one drive leaves the template alone.
    sb.tier_caps = {**sb.tier_caps, "survival": 150000}
    db.session.commit()
    assert TEMPLATES["shuangbai"]["rules"]["tier_caps"]["survival"] == 100000


def test_page_for_leads(world, login):
    assert login(world.users["am_a1"]).get("/campaigns/new-from-template").status_code == 404
    client = login(world.users["lead"])
    response = client.post("/campaigns/new-from-template", data={
        "template": "ccb_yujian", "name": "遇建美好 长治", "bureau_org_id": world.orgs["bureau"].id,
        "bank_org_id": world.orgs["bank"].id, "territory_id": world.city.id, "starts_on": "2026-01-01",
        "ends_on": "2026-12-31"})
    assert response.status_code == 302
    created = db.session.scalar(select(Campaign).where(Campaign.name == "遇建美好 长治"))
    assert created.template == "ccb_yujian" and created.plaque_criteria["number_prefix"] == "YJ"
    bad = client.post("/campaigns/new-from-template", data={
        "template": "ccb_yujian", "name": "倒序", "bureau_org_id": world.orgs["bureau"].id,
        "bank_org_id": world.orgs["bank"].id, "territory_id": world.city.id, "starts_on": "2026-12-01",
        "ends_on": "2026-01-01"})
    assert bad.status_code == 200 and db.session.scalar(select(Campaign).where(Campaign.name == "倒序")) is None
