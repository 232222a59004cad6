"""List and sync through HTTP: a client pages with cursors while another writes, and ends with the server's records."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.referrals.models import Referral, ReferralList
from crm.timeutil import freeze, local_today
from crm.visits.models import FollowUp, Need, Visit
from tests.api.conftest import NEEDS, apply_for, record_visit
from tests.api.openapi_check import assert_matches

RESOURCES = ("visits", "applications", "needs", "follow-ups", "referrals", "plaques", "intake-submissions", "events")


def sync(client, resource: str, state: dict, cursor: str = "", between_pages=None, sent=None, **params) -> str:
    """Page through a list from the cursor, applying items and tombstones to state; the cursor to resume from.

    between_pages(n) runs after page n (another client writing); sent collects every item id received."""
    pages = 0
    while True:
        response = client.get(f"/api/v1/{resource}", query_string={**params, "cursor": cursor})
        assert response.status_code == 200, response.get_json()
        assert_matches(response, "GET", f"/api/v1/{resource}")
        body = response.get_json()
        for item in body["items"]:
            state[item["id"]] = item
            if sent is not None:
                sent.append(item["id"])
        for gone in body["deleted"]:
            state.pop(gone["id"], None)
        cursor, pages = body["next_cursor"], pages + 1
        if not body["has_more"]:
            return cursor
        if between_pages is not None:
            between_pages(pages)


def server_records(client, resource: str) -> dict:
    """What a fresh full read shows now: the truth the syncing client must end with."""
    state: dict = {}
    sync(client, resource, state, limit=500)
    return state


def delete_row(model, row_id: int) -> None:
    """A deletion by the server (no API deletes these records): the client must hear of it."""
    if model is Visit:  # with the follow-up the visit planned
        for follow_up in db.session.scalars(select(FollowUp).where(FollowUp.source_visit_id == row_id)):
            db.session.delete(follow_up)
    db.session.delete(db.session.get(model, row_id))
    db.session.commit()


def test_a_client_syncs_visits_while_another_records_and_deletes(world, api):
    writer, reader = api(world.users["am_a1"]), api(world.users["lead"])
    first = [record_visit(writer, world) for _ in range(5)]

    def write(page: int) -> None:
        record_visit(writer, world)
        if page == 1:
            delete_row(Visit, first[4])  # not yet sent: must simply never arrive
        if page == 2:
            delete_row(Visit, first[0])  # already sent: must arrive as a tombstone

    state: dict = {}
    cursor = sync(reader, "visits", state, between_pages=write, limit=2)
    truth = server_records(reader, "visits")
    assert state == truth
    assert set(truth) == set(db.session.scalars(select(Visit.id))) and first[0] not in truth

    # Later: only what changed since the cursor, deletions included.
    newer = record_visit(writer, world)
    delete_row(Visit, first[1])
    changes = reader.get("/api/v1/visits", query_string={"cursor": cursor}).get_json()
    assert [item["id"] for item in changes["items"]] == [newer]
    assert [gone["id"] for gone in changes["deleted"]] == [first[1]]
    sync(reader, "visits", state, cursor)
    assert state == server_records(reader, "visits")


def test_an_update_between_pages_comes_again_with_its_new_state(world, api):
    writer, reader = api(world.users["am_a1"]), api(world.users["head_a"])
    ids = [apply_for(writer, world, f"app-{n}", 100000 + n) for n in range(4)]

    def grant(page: int) -> None:
        if page == 1:  # ids[0] was on page 1, ids[3] not yet: both end granted, each seen once more at most
            for app_id in (ids[0], ids[3]):
                assert writer.patch(f"/api/v1/applications/{app_id}", json={"granted_amount": 90000}).status_code == 200

    state: dict = {}
    sent: list[int] = []
    cursor = sync(reader, "applications", state, between_pages=grant, sent=sent, limit=2)
    assert sorted(sent) == sorted([*ids, ids[0]])  # the changed one again; nothing else twice
    assert state == server_records(reader, "applications")
    assert {state[i]["granted_amount"] for i in (ids[0], ids[3])} == {90000}
    empty = reader.get("/api/v1/applications", query_string={"cursor": cursor}).get_json()
    assert (empty["items"], empty["deleted"], empty["has_more"], empty["next_cursor"]) == ([], [], False, cursor)


def test_updated_since_gives_only_what_changed_at_or_after_it(world, api):
    writer, reader = api(world.users["am_a1"]), api(world.users["admin"])
    start = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    with freeze(start):
        old = record_visit(writer, world)
        doomed = record_visit(writer, world)
    with freeze(start + timedelta(hours=2)):
        new = record_visit(writer, world)
        delete_row(Visit, doomed)
    since = (start + timedelta(hours=1)).isoformat()
    body = reader.get("/api/v1/visits", query_string={"updated_since": since}).get_json()
    assert [item["id"] for item in body["items"]] == [new]
    assert [gone["id"] for gone in body["deleted"]] == [doomed]
    everything = reader.get("/api/v1/visits").get_json()
    assert [item["id"] for item in everything["items"]] == [old, new]
    local = reader.get("/api/v1/visits", query_string={"updated_since": "2026-11-02T11:00:00+08:00"}).get_json()
    assert [item["id"] for item in local["items"]] == [new]


def test_updated_since_is_exact_when_the_clock_ran_back_between_changes(world, api):
    """The first page starts at the earliest change logged since the moment, wherever the log's order puts it:
    a change logged later with an earlier time (a clock set back) neither hides nor adds anything."""
    writer, reader = api(world.users["am_a1"]), api(world.users["admin"])
    start = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    with freeze(start + timedelta(hours=3)):
        early_in_log = record_visit(writer, world)
    with freeze(start):
        set_back = record_visit(writer, world)  # logged after it, stamped three hours before
    with freeze(start + timedelta(hours=4)):
        late = record_visit(writer, world)

    def ids(since):
        query = {"updated_since": since.isoformat()}
        return [item["id"] for item in reader.get("/api/v1/visits", query_string=query).get_json()["items"]]

    assert ids(start + timedelta(hours=2)) == [early_in_log, late]
    assert ids(start) == [early_in_log, set_back, late]
    assert ids(start + timedelta(hours=5)) == []


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_list_filters_by_region_id_code_or_name_and_scope(full_world, api, resource):
    world = full_world
    admin, outsider = api(world.users["admin"]), api(world.users["am_b1"])
    assert len(server_records(admin, resource)) >= 1
    for county in (str(world.counties[0].id), "140428", "长子县"):
        found = admin.get(f"/api/v1/{resource}", query_string={"region": county, "drive": world.campaign.id})
        assert_matches(found, "GET", f"/api/v1/{resource}")
        assert len(found.get_json()["items"]) >= 1, county
    elsewhere = admin.get(f"/api/v1/{resource}", query_string={"region": "沁县"}).get_json()
    assert elsewhere["items"] == []
    # County B's account manager sees none of county A's work; events are the drive's, as on the event pages.
    assert bool(server_records(outsider, resource)) == (resource == "events")
    assert admin.get(f"/api/v1/{resource}", query_string={"drive": world.campaign.id + 1}).get_json()["items"] == []


def test_filters_by_status_dates_and_pair(full_world, api):
    world, admin = full_world, api(full_world.users["admin"])
    today, pair = local_today(), world.pairs[0].id
    assert len(server_records(admin, "needs")) == 1
    assert admin.get("/api/v1/needs", query_string={"status": "closed"}).get_json()["items"] == []
    assert len(admin.get("/api/v1/follow-ups", query_string={"status": "planned"}).get_json()["items"]) == 1
    later = {"from": (today + timedelta(days=1)).isoformat()}
    assert admin.get("/api/v1/visits", query_string=later).get_json()["items"] == []
    assert admin.get("/api/v1/intake-submissions", query_string=later).get_json()["items"] == []
    window = {"from": today.isoformat(), "to": today.isoformat()}
    assert len(admin.get("/api/v1/intake-submissions", query_string=window).get_json()["items"]) == 1
    assert len(admin.get("/api/v1/referrals", query_string={"pair": pair}).get_json()["items"]) == 1
    assert admin.get("/api/v1/referrals", query_string={"pair": world.pairs[2].id}).get_json()["items"] == []


def test_phones_are_masked_for_those_who_do_not_call_merchants(full_world, api):
    lead = server_records(api(full_world.users["lead"]), "intake-submissions")
    mine = server_records(api(full_world.users["am_a1"]), "intake-submissions")
    assert [s["phone"] for s in lead.values()] == ["139****5678"]
    assert [s["phone"] for s in mine.values()] == ["13912345678"]


@pytest.mark.parametrize("params, field", [
    ({"cursor": "not-a-cursor"}, "cursor"), ({"limit": "0"}, "limit"), ({"limit": "5001"}, "limit"),
    ({"updated_since": "yesterday"}, "updated_since"), ({"from": "2026-13-01"}, "from"), ({"status": "lost"}, "status"),
    ({"region": "火星"}, "region"), ({"drive": "1x"}, "drive"), ({"pair": "９"}, "pair"),
])
def test_bad_parameters_are_refused_with_the_field_named(world, api, params, field):
    response = api(world.users["admin"]).get("/api/v1/referrals", query_string=params)
    assert response.status_code == 422
    assert_matches(response, "GET", "/api/v1/referrals")
    assert field in response.get_json()["error"]["fields"]


def test_a_cursor_belongs_to_its_list(world, api):
    reader = api(world.users["admin"])
    cursor = reader.get("/api/v1/visits").get_json()["next_cursor"]
    assert reader.get("/api/v1/needs", query_string={"cursor": cursor}).status_code == 422


def test_a_deleted_need_leaves_a_tombstone(world, api):
    writer, reader = api(world.users["am_a1"]), api(world.users["admin"])
    record_visit(writer, world, needs=NEEDS)
    state: dict = {}
    cursor = sync(reader, "needs", state)
    [need_id] = state
    delete_row(Need, need_id)
    body = reader.get("/api/v1/needs", query_string={"cursor": cursor}).get_json()
    assert body["items"] == [] and [gone["id"] for gone in body["deleted"]] == [need_id]


def test_a_list_of_referrals_written_in_one_statement_still_reaches_a_synced_client(world, api):
    reader = api(world.users["admin"])
    first = ReferralList(campaign_id=world.campaign.id, name="第一批", bank_org_id=world.orgs["bank"].id)
    db.session.add(first)
    db.session.flush()
    db.session.add(Referral(list_id=first.id, campaign_id=world.campaign.id, merchant_id=world.merchants["m_a2"].id))
    db.session.commit()
    state: dict = {}
    cursor = sync(reader, "referrals", state)  # past a logged change: a row the log missed would come before it
    assert len(state) == 1
    created = api(world.users["admin"]).post("/api/v1/referral-lists", json={
        "campaign_id": world.campaign.id, "bank_org_id": world.orgs["bank"].id, "name": "第二批",
        "credit_codes": [world.merchants["m_a1"].credit_code, world.merchants["m_b1"].credit_code]})
    assert created.status_code == 201, created.get_json()
    sync(reader, "referrals", state, cursor)
    assert sorted(item["merchant_id"] for item in state.values()) == sorted(
        world.merchants[key].id for key in ("m_a1", "m_a2", "m_b1"))


def test_the_ends_of_the_calendar_are_valid_bounds(full_world, api):
    admin = api(full_world.users["admin"])
    for resource in ("intake-submissions", "visits"):
        response = admin.get(f"/api/v1/{resource}", query_string={"from": "0001-01-01", "to": "9999-12-31"})
        assert response.status_code == 200 and len(response.get_json()["items"]) == 1
    far = admin.get("/api/v1/visits", query_string={"updated_since": "0001-01-01T00:00:00"})
    assert far.status_code == 422 and "updated_since" in far.get_json()["error"]["fields"]
