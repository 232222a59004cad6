"""The API of the drive's mechanics, each response checked against its OpenAPI schema."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from crm.extensions import db
from crm.timeutil import freeze
from tests.api.openapi_check import assert_matches

JULY_15 = datetime(2025, 7, 15, 4, 0)


@pytest.fixture
def drive(world):
    world.campaign.starts_on, world.campaign.ends_on = date(2025, 6, 1), date(2025, 12, 31)
    db.session.commit()
    return world


def test_events_api(drive, api):
    client = api(drive.users["lead"])
    url = f"/api/v1/campaigns/{drive.campaign.id}/events"
    with freeze(JULY_15):
        created = client.post(url, json={"kind": "matchmaking", "planned_on": "2025-07-03", "held_on": "2025-07-03",
                                         "county_id": drive.counties[0].id, "attendance": 50, "intentions": 7,
                                         "signed_amount": 1200000, "place": "长子县会议中心",
                                         "organizers": "县市场监管局 邮储银行"})
        assert created.status_code == 201, created.get_json()
        assert_matches(created, "post", "/api/v1/campaigns/{campaign_id}/events")
        assert created.get_json()["status"] == "held"
        bad = client.post(url, json={"kind": "party", "planned_on": "July", "attendance": -1})
        assert bad.status_code == 422
        assert set(bad.get_json()["error"]["fields"]) == {"kind", "planned_on", "attendance"}
        missing_county = client.post(url, json={"kind": "matchmaking", "planned_on": "2025-07-04"})
        assert set(missing_county.get_json()["error"]["fields"]) == {"county_id"}
        listed = client.get(url + "?kind=matchmaking")
    assert listed.status_code == 200 and listed.get_json()["total"] == 1
    assert_matches(listed, "get", "/api/v1/campaigns/{campaign_id}/events")
    assert client.get("/api/v1/campaigns/999/events").status_code == 404


def test_districts_and_products_api_shapes(world, api):
    client = api(world.users["lead"])
    districts = client.get(f"/api/v1/campaigns/{world.campaign.id}/districts")
    assert districts.status_code == 200 and len(districts.get_json()["items"]) == 3
    assert_matches(districts, "get", "/api/v1/campaigns/{campaign_id}/districts")
    code = world.merchants["m_a1"].credit_code
    products = client.get(f"/api/v1/merchants/{code}/products?campaign_id={world.campaign.id}")
    assert products.status_code == 200
    assert_matches(products, "get", "/api/v1/merchants/{credit_code}/products")
    assert products.get_json()["suggested_cap"] == 200000  # a growth merchant in the world's drive
    hidden = api(world.users["am_b1"]).get(f"/api/v1/merchants/{code}/products?campaign_id={world.campaign.id}")
    assert hidden.status_code == 404
