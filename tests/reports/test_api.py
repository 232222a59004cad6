"""GET /api/v1/campaigns/{id}/rollup: figures, views, errors and scoping; responses match the OpenAPI schema."""
from __future__ import annotations

import pytest

from tests.api.openapi_check import assert_matches

ROUTE = "/api/v1/campaigns/{}/rollup"
PATH = "/api/v1/campaigns/{campaign_id}/rollup"


def test_quarterly_rollup_by_county(drive, api):
    client = api(drive.world.users["lead"])
    response = client.get(ROUTE.format(drive.campaign.id) + "?period=2025Q3&by=county")
    assert response.status_code == 200
    assert_matches(response, "GET", PATH)
    body = response.get_json()
    assert body["period"] == {"start": "2025-07-01", "end": "2025-09-30"}
    assert body["totals"]["merchants_visited"] == 5 and body["totals"]["grant_rate"] == pytest.approx(1.3333)
    rows = {row["name"]: row for row in body["rows"]}
    assert rows["长子县"]["granted_amount"] == 200000 and rows["沁县"]["avg_granted_rate"] is None


@pytest.mark.parametrize("by", ["town", "pair", "trade", "tier"])
def test_every_view_matches_the_schema(drive, api, by):
    response = api(drive.world.users["admin"]).get(ROUTE.format(drive.campaign.id) + f"?period=all&by={by}")
    assert response.status_code == 200
    assert_matches(response, "GET", PATH)
    assert response.get_json()["rows"]


@pytest.mark.parametrize("query, field", [("?period=2025Q9", "period"), ("?period=2024Q1", "period"),
                                          ("?by=district", "by"), ("?by=nonsense", "by")])
def test_bad_period_or_view_is_422(drive, api, query, field):
    response = api(drive.world.users["lead"]).get(ROUTE.format(drive.campaign.id) + query)
    assert response.status_code == 422
    assert_matches(response, "GET", PATH)
    assert field in response.get_json()["error"]["fields"]


def test_drive_the_user_may_not_see_is_404(drive, api):
    assert api(drive.world.users["am_a1"]).get(ROUTE.format(drive.campaign.id)).status_code == 404
    assert api(drive.world.users["lead"]).get(ROUTE.format(drive.campaign.id + 99)).status_code == 404


def test_branch_head_gets_their_county_only(drive, api):
    body = api(drive.world.users["head_b"]).get(ROUTE.format(drive.campaign.id) + "?period=2025Q3").get_json()
    assert [row["name"] for row in body["rows"]] == ["沁县"]
    assert body["totals"]["visits"] == 2 and body["totals"]["counties"] == 1
