"""What the phone keeps for a day offline (GET /api/v1/me/offline), the visit form opened from
Today, and visits flagged for being far from where they claim to be (the liaison's and lead's page)."""
from __future__ import annotations

import gzip
import json
import random
from datetime import timedelta

from sqlalchemy import insert, select

from crm.merchants import credit_code
from crm.merchants.models import Merchant
from crm.timeutil import freeze, local_now, local_today, utcnow
from crm.visits import operations
from crm.visits.models import FollowUp, Visit
from tests.factories import merchant as make_merchant


def _offline(client, kept: dict | None = None) -> dict:
    query = f"?since={kept['synced_at']}&fingerprint={kept['fingerprint']}" if kept else ""
    response = client.get(f"/api/v1/me/offline{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_phone_keeps_its_area_and_then_only_what_changed(world, db, api, make_payload):
    start = utcnow() + timedelta(minutes=10)  # the world was built well before the first copy
    with freeze(start):
        client = api(world.users["am_a1"])
        db.session.add(FollowUp(campaign_id=world.campaign.id, merchant_id=world.merchants["m_a1"].id,
                                assignee_id=world.users["am_a1"].id, due_on=local_today(), status="planned"))
        first = _offline(client)
    assert first["full"] is True
    (m_a1,) = first["merchants"]  # the pair's town only: not a2's nor b1's merchants
    assert m_a1 == {"id": world.merchants["m_a1"].id, "code": world.merchants["m_a1"].credit_code,
                    "name": "张三干洗店", "initials": "zsgxd", "phone": world.merchants["m_a1"].operator_phone,
                    "district": "丹朱商圈", "last_visit": None}
    assert [f["merchant"]["name"] for f in first["agenda"]["follow_ups"]] == ["张三干洗店"]

    with freeze(start + timedelta(hours=1)):
        nothing = _offline(client, first)
    assert (nothing["full"], nothing["merchants"]) == (False, [])

    with freeze(start + timedelta(hours=2)):
        operations.record_visit(world.users["am_a1"], make_payload())
        make_merchant("新来的商户", world.districts[0])
        db.session.commit()
    with freeze(start + timedelta(hours=3)):
        changed = _offline(client, nothing)
    assert changed["full"] is True  # a merchant joined the area: the phone gets the whole set again
    assert {m["name"]: m["last_visit"] for m in changed["merchants"]} == {
        "张三干洗店": local_today().isoformat(), "新来的商户": None}

    with freeze(start + timedelta(hours=4)):
        db.session.get(Merchant, world.merchants["m_a1"].id).name = "张三干洗店(新址)"
        db.session.commit()
    with freeze(start + timedelta(hours=5)):
        renamed = _offline(client, changed)
    assert (renamed["full"], [m["name"] for m in renamed["merchants"]]) == (False, ["张三干洗店(新址)"])

    with freeze(start + timedelta(hours=6)):
        db.session.get(Merchant, world.merchants["m_a1"].id).town_id = world.towns[1].id
        db.session.commit()
        moved = _offline(client, renamed)
    assert moved["full"] is True and [m["name"] for m in moved["merchants"]] == ["新来的商户"]
    assert client.get("/api/v1/me/offline?since=yesterday").status_code == 422


def test_two_thousand_merchants_fit_the_phone(world, db, api):
    town = world.towns[0]
    rng = random.Random(2000)
    db.session.execute(insert(Merchant), [
        {"credit_code": credit_code.make("140428", rng), "name": f"测试商户{n:04d}", "name_initials": "csshxxxx",
         "operator_phone": f"139{n:08d}", "county_id": town.parent_id, "town_id": town.id,
         "created_at": utcnow(), "updated_at": utcnow()} for n in range(2000)])
    db.session.commit()
    client = api(world.users["am_a1"])
    start = utcnow() + timedelta(minutes=10)  # the world was built well before the first copy
    with freeze(start):
        full = client.get("/api/v1/me/offline", headers={"Accept-Encoding": "gzip"})
    kept = json.loads(gzip.decompress(full.data))
    assert len(kept["merchants"]) == 2001 and len(full.data) <= 300 * 1024
    with freeze(start + timedelta(hours=1)):
        again = client.get(f"/api/v1/me/offline?since={kept['synced_at']}&fingerprint={kept['fingerprint']}",
                           headers={"Accept-Encoding": "gzip"})
    assert len(again.data) <= 20 * 1024 and json.loads(gzip.decompress(again.data) if again.headers.get(
        "Content-Encoding") else again.data)["merchants"] == []


def test_today_opens_a_follow_up_as_a_follow_up_visit_and_the_message_names_the_merchant(world, db, login):
    merchant = world.merchants["m_a1"]
    db.session.add(FollowUp(campaign_id=world.campaign.id, merchant_id=merchant.id,
                            assignee_id=world.users["am_a1"].id, due_on=local_today(), status="planned"))
    client = login(world.users["am_a1"])
    today = client.get("/visits/").get_data(as_text=True)
    link = f"/visits/new?merchant={merchant.id}&amp;kind=follow_up"
    assert link in today and "年" in today  # dates in Chinese
    form = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="follow_up" checked' in form and "张三干洗店" in form and "更换" in form
    response = client.post("/visits/new", data={
        "client_id": "c-1", "campaign_id": str(world.campaign.id), "credit_code": merchant.credit_code,
        "kind": "follow_up", "visited_at": local_now().strftime("%Y-%m-%dT%H:%M"), "satisfaction": "4"},
        follow_redirects=True)
    assert "已登记对张三干洗店的走访。" in response.get_data(as_text=True)


def _visit_at(world, make_payload, lat=None, lng=None):
    location = {"location": {"lat": lat, "lng": lng, "accuracy_m": 10}} if lat is not None else {"location": None}
    visit, _created = operations.record_visit(world.users["am_a1"], make_payload(**location))
    return visit


def test_a_visit_far_from_the_merchant_or_without_position_is_flagged_not_refused(world, db, login, make_payload):
    first = _visit_at(world, make_payload, 36.19, 113.11)  # the merchant's known position from now on
    near = _visit_at(world, make_payload, 36.1920, 113.11)  # about 220 m away
    far = _visit_at(world, make_payload, 36.20, 113.11)  # about 1.1 km away
    blind = _visit_at(world, make_payload)
    db.session.commit()
    assert [(v.location_flag, v.distance_m) for v in (first, near, far, blind)] == [
        (None, None), (None, 222), ("far", 1112), ("missing", None)]
    world.campaign.visit_distance_m = 2000  # the drive's setting
    assert _visit_at(world, make_payload, 36.20, 113.11).location_flag is None
    db.session.commit()

    liaison = login(world.users["liaison_a1"]).get("/visits/flagged").get_data(as_text=True)
    pair_row = liaison.split(f'data-pair="{world.pairs[0].id}"')[1].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in pair_row.split('class="num">')[1:]] == ["5", "2", "40%"]
    assert "距商户 1112 米" in liaison and "无定位" in liaison
    client = login(world.users["liaison_b1"])
    assert "张三干洗店" not in client.get("/visits/flagged").get_data(as_text=True)
    assert "距商户 1112 米" in login(world.users["lead"]).get("/visits/flagged").get_data(as_text=True)
    assert login(world.users["am_a1"]).get("/visits/flagged").status_code == 404
    assert db.session.scalar(select(Visit.id).where(Visit.location_flag == "far")) == far.id
