"""The field-work API: each error rule of POST /visits, POST/PATCH /applications, and /me/agenda."""
from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select

from crm.events.models import Event
from crm.referrals.models import Referral, ReferralList
from crm.timeutil import local_today
from crm.visits.models import Application, FollowUp, Need, Photo, Visit
from tests.api.openapi_check import assert_matches

VISITS = "/api/v1/visits"
APPLICATIONS = "/api/v1/applications"


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_visit_is_created_then_replayed_then_conflicts(world, db, api, make_payload):
    client = api(world.users["am_a1"])
    body = make_payload()
    created = client.post(VISITS, json=body)
    assert created.status_code == 201
    assert_matches(created, "post", "/api/v1/visits")
    replay = client.post(VISITS, json=body)
    assert replay.status_code == 200 and replay.get_json() == created.get_json()
    assert (count(db, Visit), count(db, Need), count(db, FollowUp)) == (1, 2, 1)
    conflict = client.post(VISITS, json={**body, "notes": "different"})
    assert conflict.status_code == 409
    assert_matches(conflict, "post", "/api/v1/visits")
    assert count(db, Visit) == 1


def test_invalid_visits_get_a_message_per_field_and_store_nothing(world, db, api, make_payload):
    client = api(world.users["am_a1"])
    response = client.post(VISITS, json=make_payload(kind="gossip", visited_at="yesterday", satisfaction=0,
                                                     next_follow_up_on="2000-01-01", needs="many"))
    assert response.status_code == 422
    assert_matches(response, "post", "/api/v1/visits")
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"kind", "visited_at", "satisfaction", "needs"} and all(fields.values())
    assert set(client.post(VISITS, json=make_payload(client_id="")).get_json()["error"]["fields"]) == {"client_id"}
    assert client.post(VISITS, data="not json").status_code == 400
    assert (count(db, Visit), count(db, Need), count(db, FollowUp)) == (0, 0, 0)


def test_out_of_scope_merchants_and_drives_are_404(world, db, api, make_payload):
    client = api(world.users["am_a1"])
    for body in (make_payload("m_b1"), make_payload(campaign_id=999), make_payload(merchant={"credit_code": "X"})):
        response = client.post(VISITS, json=body)
        assert response.status_code == 404
        assert_matches(response, "post", "/api/v1/visits")
    assert count(db, Visit) == 0


def test_photos_are_added_once_per_position_by_the_author(world, db, api, make_payload):
    client = api(world.users["am_a1"])
    visit_id = client.post(VISITS, json=make_payload()).get_json()["id"]
    image = io.BytesIO()
    Image.new("RGB", (2400, 1200), "white").save(image, "PNG")

    def upload(position="0", who=client):
        data = {"position": position, "photo": (io.BytesIO(image.getvalue()), "shop.png")}
        return who.post(f"{VISITS}/{visit_id}/photos", data=data, content_type="multipart/form-data")

    first = upload()
    assert first.status_code == 201 and first.get_json()["width"] == 1600
    assert_matches(first, "post", "/api/v1/visits/{visit_id}/photos")
    assert upload().status_code == 200 and count(db, Photo) == 1
    assert upload("7").status_code == 422
    assert upload(who=api(world.users["am_b1"])).status_code == 404
    assert upload(who=api(world.users["liaison_a1"])).status_code == 403


def _application(world, **overrides) -> dict:
    body = {"client_id": "app-1", "campaign_id": world.campaign.id,
            "credit_code": world.merchants["m_a1"].credit_code, "applied_amount": 300000,
            "applied_on": local_today().isoformat()}
    body.update(overrides)
    return body


def test_applications_follow_the_same_rules(world, db, api):
    client = api(world.users["am_a1"])
    created = client.post(APPLICATIONS, json=_application(world))
    assert created.status_code == 201
    assert_matches(created, "post", "/api/v1/applications")
    assert client.post(APPLICATIONS, json=_application(world)).get_json() == created.get_json()
    assert client.post(APPLICATIONS, json=_application(world, applied_amount=1)).status_code == 409
    invalid = client.post(APPLICATIONS, json=_application(world, client_id="app-2", applied_amount=-5,
                                                          applied_on="soon", product_id=12345))
    assert invalid.status_code == 422
    assert set(invalid.get_json()["error"]["fields"]) == {"applied_amount", "applied_on", "product_id"}
    no_code = client.post(APPLICATIONS, json=_application(world, client_id="app-4", credit_code=""))
    assert no_code.status_code == 422 and set(no_code.get_json()["error"]["fields"]) == {"credit_code"}
    hidden = client.post(APPLICATIONS, json=_application(world, client_id="app-3",
                                                         credit_code=world.merchants["m_b1"].credit_code))
    assert hidden.status_code == 404
    assert count(db, Application) == 1


def test_patching_an_outcome(world, db, api):
    client = api(world.users["am_a1"])
    app_id = client.post(APPLICATIONS, json=_application(world)).get_json()["id"]
    url = f"{APPLICATIONS}/{app_id}"
    bad = client.patch(url, json={"drawn_amount": 100, "rate": 3.45, "colour": "red"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"rate", "colour"}
    granted = client.patch(url, json={"granted_amount": 250000, "rate": 0.0345, "first_time_borrower": True})
    assert granted.status_code == 200
    assert_matches(granted, "patch", "/api/v1/applications/{application_id}")
    assert granted.get_json()["granted_on"] == local_today().isoformat()
    assert client.patch(url, json={"granted_amount": 250000}).status_code == 200  # the same patch again
    assert client.patch(url, json={"drawn_amount": 260000}).status_code == 422
    assert client.patch(url, json={"declined_reason": "no"}).status_code == 409
    assert api(world.users["am_b1"]).patch(url, json={"drawn_amount": 1}).status_code == 404
    assert api(world.users["liaison_a1"]).patch(url, json={"drawn_amount": 1}).status_code == 403
    assert api(world.users["head_a"]).patch(url, json={"drawn_amount": 200000}).get_json()["drawn_amount"] == 200000


def test_the_agenda_lists_due_work_soonest_first(world, db, api, make_payload):
    am = world.users["am_a1"]
    client = api(am)
    client.post(VISITS, json=make_payload(next_follow_up_on=(local_today() + timedelta(days=3)).isoformat(),
                                          needs=[{"text": "发票", "due_on": local_today().isoformat()}]))
    referral_list = ReferralList(campaign_id=world.campaign.id, name="七月名单", bank_org_id=world.orgs["branch_a"].id)
    db.session.add(referral_list)
    db.session.flush()
    db.session.add(Referral(list_id=referral_list.id, campaign_id=world.campaign.id,
                            merchant_id=world.merchants["m_a1"].id, status="assigned", assignee_id=am.id,
                            deadline_on=local_today() - timedelta(days=1)))
    db.session.add(Event(campaign_id=world.campaign.id, kind="joint_visit_day", pair_id=world.pairs[0].id,
                         planned_on=local_today().replace(day=1), status="planned", place="丹朱商圈"))
    db.session.commit()
    response = client.get("/api/v1/me/agenda")
    assert response.status_code == 200
    assert_matches(response, "get", "/api/v1/me/agenda")
    body = response.get_json()
    assert [f["due_on"] for f in body["follow_ups"]] == [(local_today() + timedelta(days=3)).isoformat()]
    assert body["referrals"][0]["overdue"] is True
    assert body["joint_visit_days"][0]["event"]["place"] == "丹朱商圈"
    assert [n["text"] for n in body["needs"]] == ["发票"]
    other = api(world.users["am_a2"]).get("/api/v1/me/agenda").get_json()
    assert other["follow_ups"] == [] and other["joint_visit_days"][0]["event"] is None


def test_a_browser_session_must_send_the_csrf_token(world, db, client, login, make_payload):
    login(world.users["am_a1"])
    refused = client.post(VISITS, json=make_payload())
    assert refused.status_code == 400 and count(db, Visit) == 0
