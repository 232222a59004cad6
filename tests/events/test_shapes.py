"""One declaration per request shape: the event body the API reads is the one its document shows,
and the rule "a joint visit day of a pair one may see" holds for every caller, not only the API."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from crm.events import operations as ops
from crm.extensions import db
from crm.timeutil import freeze

JULY_15 = datetime(2025, 7, 15, 4, 0)  # the drive below runs from June to December 2025


@pytest.fixture
def drive(world):
    world.campaign.starts_on, world.campaign.ends_on = date(2025, 6, 1), date(2025, 12, 31)
    return world


def test_the_event_body_is_read_as_it_is_documented(drive, api):
    client = api(drive.users["lead"])  # creating the token commits the drive's dates
    declared = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["EventInput"]
    assert declared["required"] == ["kind", "planned_on"]
    limit = declared["properties"]["title"]["anyOf"][0]["maxLength"]
    url = f"/api/v1/campaigns/{drive.campaign.id}/events"
    body = {"kind": "matchmaking", "planned_on": "2025-07-03", "county_id": drive.counties[0].id}
    with freeze(JULY_15):
        too_long = client.post(url, json={**body, "title": "会" * (limit + 1)})
        assert too_long.status_code == 422 and set(too_long.get_json()["error"]["fields"]) == {"title"}
        assert client.post(url, json={**body, "title": "会" * limit}).status_code == 201
        undocumented_missing = client.post(url, json={"county_id": drive.counties[0].id})
    assert set(undocumented_missing.get_json()["error"]["fields"]) == set(declared["required"])


def test_a_joint_visit_day_is_refused_for_a_pair_one_cannot_see_whoever_asks(drive):
    own, other = drive.pairs[0], drive.pairs[2]  # am_a1's pair; county B's pair
    am = drive.users["am_a1"]
    db.session.commit()
    with freeze(JULY_15):
        day = {"kind": "joint_visit_day", "planned_on": date(2025, 7, 10), "region_id": drive.towns[2].id}
        with pytest.raises(ops.EventError) as refused:
            ops.plan_event(drive.campaign, {**day, "pair_id": other.id}, am)
        assert set(refused.value.fields) == {"pair_id"}
        event = ops.plan_event(drive.campaign, {**day, "pair_id": own.id, "region_id": drive.towns[0].id}, am)
        with pytest.raises(ops.EventError) as moved:
            ops.update_plan(event, {**day, "pair_id": other.id}, am)
    assert set(moved.value.fields) == {"pair_id"} and event.pair_id == own.id
