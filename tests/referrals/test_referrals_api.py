"""/api/v1/referral-lists and /api/v1/referrals/{id}: shapes, scoping, and the 409 on illegal moves."""
from __future__ import annotations

from crm.extensions import db
from crm.referrals import operations
from crm.referrals.models import Referral, ReferralList
from tests.api.openapi_check import assert_matches
from tests.referrals.helpers import application, item, make_list


def test_post_creates_a_handed_over_list_and_reports_rejections(world, api):
    client = api(world.users["liaison_a1"])
    codes = [world.merchants["m_a1"].credit_code, "91350100M000100Y44", world.merchants["m_b1"].credit_code]
    response = client.post("/api/v1/referral-lists", json={
        "campaign_id": world.campaign.id, "name": "丹朱镇名单", "bank_org_id": world.orgs["branch_a"].id,
        "credit_codes": codes})
    assert response.status_code == 201, response.json
    assert_matches(response, "POST", "/api/v1/referral-lists")
    body = response.json
    assert body["created"] == 1
    assert {r["credit_code"] for r in body["rejected"]} == set(codes[1:])
    referral_list = db.session.get(ReferralList, body["id"])
    assert referral_list.handed_over_at is not None and referral_list.source == "upload"


def test_post_validates_fields(world, api):
    client = api(world.users["liaison_a1"])
    response = client.post("/api/v1/referral-lists", json={"campaign_id": "x", "name": "", "credit_codes": []})
    assert response.status_code == 422
    assert_matches(response, "POST", "/api/v1/referral-lists")
    assert set(response.json["error"]["fields"]) == {"campaign_id", "bank_org_id", "name", "credit_codes"}
    wrong_bank = client.post("/api/v1/referral-lists", json={
        "campaign_id": world.campaign.id, "name": "x", "bank_org_id": world.orgs["office_a1"].id,
        "credit_codes": [world.merchants["m_a1"].credit_code]})
    assert wrong_bank.status_code == 422 and "bank_org_id" in wrong_bank.json["error"]["fields"]
    assert ReferralList.query.count() == 0
    assert api(world.users["am_a1"]).post("/api/v1/referral-lists", json={}).status_code == 404


def test_get_progress_and_scoping(world, api):
    referral_list = make_list(world, [world.merchants["m_a1"], world.merchants["m_a2"]])
    operations.auto_assign(referral_list, world.users["head_a"])
    application(world, world.merchants["m_a1"], world.users["am_a1"], granted=200000, drawn=50000)
    db.session.commit()
    url = f"/api/v1/referral-lists/{referral_list.id}"
    response = api(world.users["lead"]).get(url)
    assert response.status_code == 200
    assert_matches(response, "GET", "/api/v1/referral-lists/{list_id}")
    body = response.json
    assert body["counts"]["assigned"] == 2 and body["counts"]["granted"] == 0  # the row was written without a signal
    assert (body["granted_amount"], body["drawn_amount"], body["overdue"]) == (200000.0, 50000.0, 0)
    missing = api(world.users["liaison_b1"]).get(url)
    assert missing.status_code == 404
    assert_matches(missing, "GET", "/api/v1/referral-lists/{list_id}")
    assert api(world.users["head_b"]).get(url).status_code == 404


def test_patch_moves_an_item_and_refuses_illegal_moves_with_409(world, api):
    referral_list = make_list(world, [world.merchants["m_a1"]])
    referral = item(referral_list, world.merchants["m_a1"])
    head = api(world.users["head_a"])
    url = f"/api/v1/referrals/{referral.id}"
    illegal = head.patch(url, json={"status": "visited"})
    assert illegal.status_code == 409 and illegal.json["error"]["code"] == "illegal_transition"
    assert illegal.json["error"]["message"]  # the reason, in the user's language
    assert_matches(illegal, "PATCH", "/api/v1/referrals/{referral_id}")
    assigned = head.patch(url, json={"assignee_id": world.users["am_a1"].id})
    assert assigned.status_code == 200
    assert_matches(assigned, "PATCH", "/api/v1/referrals/{referral_id}")
    assert assigned.json["status"] == "assigned" and assigned.json["deadline_on"]
    am = api(world.users["am_a1"])
    assert am.patch(url, json={"status": "contacted"}).json["status"] == "contacted"
    back = am.patch(url, json={"status": "assigned"})
    assert back.status_code == 409 and back.json["error"]["code"] == "illegal_transition"
    english = am.patch(url + "?lang=en", json={"status": "assigned"})
    assert "forward only" in english.json["error"]["message"]
    closed = am.patch(url, json={"status": "closed", "closed_reason": "not_eligible", "closed_note": "无营业执照"})
    assert closed.json["closed_reason"] == "not_eligible"
    assert db.session.get(Referral, referral.id).status == "closed"


def test_patch_scoping_and_validation(world, api):
    referral_list = make_list(world, [world.merchants["m_a1"]])
    operations.auto_assign(referral_list, world.users["head_a"])
    db.session.commit()
    url = f"/api/v1/referrals/{item(referral_list, world.merchants['m_a1']).id}"
    assert api(world.users["am_a2"]).patch(url, json={"status": "contacted"}).status_code == 404
    assert api(world.users["liaison_a1"]).patch(url, json={"status": "contacted"}).status_code == 404
    am = api(world.users["am_a1"])
    assert am.patch(url, json={"assignee_id": world.users["am_a2"].id}).status_code == 404  # only heads reassign
    bad = am.patch(url, json={"colour": "red"})
    assert bad.status_code == 422 and "colour" in bad.json["error"]["fields"]
    outsider = api(world.users["head_a"]).patch(url, json={"assignee_id": world.users["am_b1"].id})
    assert outsider.status_code == 422
