"""PATCH /api/v1/referrals/{id}: the body the API reads is the one its document declares."""
from __future__ import annotations

from crm.extensions import db
from crm.referrals import operations
from crm.referrals.models import Referral
from tests.referrals.helpers import item, make_list


def test_the_patch_body_is_read_as_it_is_documented(world, api):
    referral_list = make_list(world, [world.merchants["m_a1"]])
    operations.auto_assign(referral_list, world.users["head_a"])
    db.session.commit()
    referral = item(referral_list, world.merchants["m_a1"])
    am = api(world.users["am_a1"])
    declared = am.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["ReferralPatch"]
    assert declared["additionalProperties"] is False
    statuses = declared["properties"]["status"]["anyOf"][0]["enum"]
    note_limit = declared["properties"]["closed_note"]["anyOf"][0]["maxLength"]
    url = f"/api/v1/referrals/{referral.id}"

    for body, field in (({"status": "finished"}, "status"), ({"status": 3}, "status"),
                        ({"status": "closed", "closed_reason": "bored"}, "closed_reason"),
                        ({"status": "closed", "closed_reason": "not_eligible", "closed_note": "x" * (note_limit + 1)},
                         "closed_note"),
                        ({"assignee_id": "someone"}, "assignee_id"), ({"colour": "red"}, "colour")):
        refused = am.patch(url, json=body)
        assert refused.status_code == 422 and set(refused.json["error"]["fields"]) == {field}, body
    assert db.session.get(Referral, referral.id).status == "assigned"

    assert "finished" not in statuses and "contacted" in statuses
    closed = am.patch(url, json={"status": "closed", "closed_reason": "not_eligible", "closed_note": "x" * note_limit})
    assert closed.status_code == 200 and closed.json["closed_note"] == "x" * note_limit
