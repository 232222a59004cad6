"""Product matching: each rule with a concrete reason, the suggested cap, the pages and the API."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm.extensions import db
from crm.products.models import CampaignProduct, Product
from crm.products.operations import match, months_between, suggested_cap
from crm.timeutil import local_today

ON = date(2025, 7, 15)


@pytest.fixture(autouse=True)
def english(app):
    """Reasons come in the user's language: these tests read them in English."""
    with app.test_request_context("/?lang=en"):
        yield


def product(world, rules, name="测试贷", link=True):
    p = Product(name=name, bank_name="测试银行", max_amount=Decimal(500000), rules=rules)
    db.session.add(p)
    db.session.flush()
    if link:
        db.session.add(CampaignProduct(campaign_id=world.campaign.id, product_id=p.id))
    db.session.commit()
    return p


def reasons_for(world, merchant, rules):
    p = product(world, rules)
    result = match(merchant, world.campaign, ON)
    fits = [fit for fit in result.fits if fit.product.id == p.id]
    misses = [r for x, r in result.does_not_fit if x.id == p.id]
    return (bool(fits), misses[0] if misses else [])


@pytest.fixture
def merchant(world):
    m = world.merchants["m_a1"]
    m.operator_birth_date = date(1980, 1, 1)
    m.registered_on = date(2024, 11, 1)  # 8 full months trading on ON
    m.annual_revenue = Decimal(80000)
    m.tier = "survival"
    db.session.commit()
    return m


def test_months_between_counts_whole_months():
    assert months_between(date(2024, 11, 1), ON) == 8
    assert months_between(date(2024, 7, 15), ON) == 12
    assert months_between(date(2024, 7, 16), ON) == 11


def test_age_rule(world, merchant):
    merchant.operator_birth_date = date(1958, 1, 1)  # 67 on ON
    assert reasons_for(world, merchant, {"min_age": 18, "max_age": 65}) == (False, ["operator aged 67, must be 18–65"])
    merchant.operator_birth_date = date(1960, 7, 16)  # 64, a day before 65
    assert reasons_for(world, merchant, {"min_age": 18, "max_age": 65})[0]


def test_months_trading_rule(world, merchant):
    assert reasons_for(world, merchant, {"min_months_trading": 12}) == (False, ["trading 8 months, needs 12"])
    assert reasons_for(world, merchant, {"min_months_trading": 8})[0]


def test_tier_rule(world, merchant):
    fits, reasons = reasons_for(world, merchant, {"tiers": ["growth", "development"]})
    assert not fits and reasons == ["tier Survival not in Growth, Development"]


def test_trade_rule(world, merchant):
    fits, reasons = reasons_for(world, merchant, {"trades": ["lodging_catering"]})
    assert not fits and reasons == ["trade Wholesale & retail not in Lodging & catering"]


def test_kind_rule(world, merchant):
    fits, reasons = reasons_for(world, merchant, {"kinds": ["small_enterprise"]})
    assert not fits and "Small enterprise" in reasons[0]


def test_revenue_floor(world, merchant):
    assert reasons_for(world, merchant, {"min_revenue": 100000}) == (False, ["revenue 80,000 below 100,000"])
    assert reasons_for(world, merchant, {"min_revenue": 80000})[0]


def test_region_rule(world, merchant):
    fits, reasons = reasons_for(world, merchant, {"region_ids": [world.counties[1].id]})
    assert not fits and reasons == ["located outside 沁县"]
    assert reasons_for(world, merchant, {"region_ids": [world.counties[0].id]})[0]


def test_unknown_facts_fit_with_a_note(world, merchant):
    merchant.operator_birth_date = None
    p = product(world, {"min_age": 18, "max_age": 65})
    result = match(merchant, world.campaign, ON)
    assert p.id in result.unknown and [fit for fit in result.fits if fit.product.id == p.id]


def test_suggested_cap_by_tier_distinguished_and_revenue_share(world, merchant):
    world.campaign.tier_caps = {"survival": 100000, "growth": 200000, "development": 300000,
                                "distinguished": 1000000, "revenue_share_cap": 0.2}
    merchant.tier = "growth"
    merchant.annual_revenue = Decimal(10_000_000)
    assert suggested_cap(merchant, world.campaign, ON) == 200000
    merchant.distinguished, merchant.distinguished_until = True, ON + timedelta(days=1)
    assert suggested_cap(merchant, world.campaign, ON) == 1000000
    merchant.distinguished_until = ON - timedelta(days=1)  # the mark has lapsed
    assert suggested_cap(merchant, world.campaign, ON) == 200000
    merchant.annual_revenue = Decimal(600000)  # 20% of revenue is the lower cap
    assert suggested_cap(merchant, world.campaign, ON) == 120000


def test_base_conditions_withhold_the_cap(world, merchant):
    world.campaign.base_conditions = {"min_age": 18, "max_age": 65,
                                      "tier_rules": {"survival": {"min_months_trading": 12, "min_revenue": 100000}}}
    result = match(merchant, world.campaign, ON)
    assert result.suggested_cap is None
    assert result.base_reasons == ["trading 8 months, needs 12", "revenue 80,000 below 100,000"]


def test_page_api_and_catalogue_edit(world, merchant, login, api):
    p = product(world, {"min_months_trading": 12}, name="极速贷")
    merchant.registered_on = local_today() - timedelta(days=200)
    db.session.commit()
    months = months_between(merchant.registered_on, local_today())
    client = login(world.users["am_a1"])
    client.get("/lang/en")
    page = client.get(f"/merchants/{merchant.id}/products").get_data(as_text=True)
    assert "极速贷" in page and f"trading {months} months, needs 12" in page
    assert client.get(f"/merchants/{world.merchants['m_b1'].id}/products").status_code == 404
    body = api(world.users["am_a1"]).get(
        f"/api/v1/merchants/{merchant.credit_code}/products?campaign_id={world.campaign.id}&lang=en").get_json()
    assert body["fits"] == [] and body["does_not_fit"][0]["product_id"] == p.id
    assert body["does_not_fit"][0]["reasons"] == [f"trading {months} months, needs 12"]
    assert api(world.users["am_a1"]).get(f"/api/v1/merchants/{merchant.credit_code}/products").status_code == 422
    # Only leads and admins edit the catalogue; rules are saved as data.
    assert client.get(f"/products/{p.id}/edit").status_code == 404
    lead = login(world.users["lead"])
    response = lead.post(f"/products/{p.id}/edit", data={
        "name": "极速贷", "bank_name": "邮储", "min_age": "18", "max_age": "65", "min_months_trading": "12",
        "tiers": ["growth"], "credit": "2000000", "active": "y"})
    assert response.status_code == 302
    db.session.refresh(p)
    assert p.rules == {"min_age": 18, "max_age": 65, "min_months_trading": 12, "tiers": ["growth"],
                       "caps": {"credit": 2000000}}
    bad = lead.post(f"/products/{p.id}/edit", data={"name": "极速贷", "bank_name": "邮储", "min_age": "40",
                                                    "max_age": "30"})
    assert bad.status_code == 200
    db.session.refresh(p)
    assert p.rules["min_age"] == 18


def test_a_fitting_product_shows_the_drives_own_term_and_rate_else_the_catalogues(world, merchant, login, api):
    """What the account manager tells the merchant: the drive's terms where its lead set them."""
    own = product(world, {}, name="惠商贷")
    plain = product(world, {}, name="极速贷")
    for p in (own, plain):
        p.term_months, p.rate_text = 12, "LPR+100BP"
    db.session.execute(CampaignProduct.__table__.update().where(CampaignProduct.product_id == own.id)
                       .values(terms={"term_months": 36, "rate_text": "3.65%", "caps": {"credit": 300000}}))
    db.session.commit()
    fits = {fit.product.name: fit for fit in match(merchant, world.campaign, local_today()).fits}
    assert (fits["惠商贷"].cap, fits["惠商贷"].term_months, fits["惠商贷"].rate_text) == (Decimal(300000), 36, "3.65%")
    assert (fits["极速贷"].term_months, fits["极速贷"].rate_text) == (12, "LPR+100BP")

    client = login(world.users["am_a1"])
    page = client.get(f"/merchants/{merchant.id}/products").get_data(as_text=True)
    assert "36 个月 · 利率 3.65%" in page and "12 个月 · 利率 LPR+100BP" in page
    body = api(world.users["am_a1"]).get(
        f"/api/v1/merchants/{merchant.credit_code}/products?campaign_id={world.campaign.id}").get_json()
    shown = {fit["name"]: (fit["cap"], fit["term_months"], fit["rate_text"]) for fit in body["fits"]}
    assert shown["惠商贷"] == (300000, 36, "3.65%") and shown["极速贷"][1:] == (12, "LPR+100BP")
