"""GET /api/v1/regions, and every county filter naming a county by id, code (区划代码) or exact name."""
from __future__ import annotations

from crm.extensions import db
from tests import factories
from tests.api.openapi_check import assert_matches


def test_the_region_tree_with_codes(world, api):
    response = api(world.users["am_a1"]).get("/api/v1/regions")
    assert response.status_code == 200
    assert_matches(response, "GET", "/api/v1/regions")
    [city] = response.get_json()["items"]
    assert (city["name"], city["code"], city["level"]) == ("长治市", "140400", "city")
    assert [(c["name"], c["code"]) for c in city["children"]] == [("长子县", "140428"), ("沁县", "140430")]
    changzi = city["children"][0]
    assert [t["name"] for t in changzi["children"]] == ["丹朱镇", "鲍店镇"]  # no code: kept, and null
    assert changzi["children"][0]["code"] is None
    assert [d["name"] for d in changzi["children"][0]["children"]] == ["丹朱商圈"]


def _merchant_names(caller, county: str):
    response = caller.get("/api/v1/merchants", query_string={"county": county})
    assert_matches(response, "GET", "/api/v1/merchants")
    return response.status_code, sorted(m["name"] for m in response.get_json().get("items", []))


def test_a_county_filter_takes_the_id_the_code_or_the_name(world, api):
    caller = api(world.users["admin"])
    changzi = world.counties[0]
    expected = (200, sorted([world.merchants["m_a1"].name, world.merchants["m_a2"].name]))
    assert _merchant_names(caller, str(changzi.id)) == expected
    assert _merchant_names(caller, "140428") == expected
    assert _merchant_names(caller, "长子县") == expected
    assert _merchant_names(caller, "沁县") == (200, [world.merchants["m_b1"].name])


def test_a_county_filter_refuses_what_names_no_county_or_several(world, api):
    caller = api(world.users["admin"])
    for value in ("大同县", "丹朱镇", "999999", "9" * 40):  # unknown, a town, unknown code, beyond any id
        response = caller.get("/api/v1/merchants", query_string={"county": value})
        assert response.status_code == 422, value
        unknown = response.get_json()["error"]["fields"]["county"]
    factories.region("长子县", "county", factories.region("晋城市", "city"))
    db.session.commit()
    twice = caller.get("/api/v1/merchants", query_string={"county": "长子县"})
    assert twice.status_code == 422 and twice.get_json()["error"]["fields"]["county"] != unknown
    assert _merchant_names(caller, "140428")[0] == 200  # the code still names one


def test_events_and_districts_read_the_county_the_same_way(world, api):
    caller = api(world.users["lead"])
    drive = world.campaign.id
    by_name = caller.get(f"/api/v1/campaigns/{drive}/districts", query_string={"county": "沁县"})
    assert_matches(by_name, "GET", "/api/v1/campaigns/{campaign_id}/districts")
    assert [d["name"] for d in by_name.get_json()["items"]] == ["定昌市场"]
    events = caller.get(f"/api/v1/campaigns/{drive}/events", query_string={"county": "140430"})
    assert_matches(events, "GET", "/api/v1/campaigns/{campaign_id}/events")
    assert events.status_code == 200
    assert caller.get(f"/api/v1/campaigns/{drive}/events", query_string={"county": "丹朱镇"}).status_code == 422
