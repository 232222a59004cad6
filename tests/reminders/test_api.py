"""GET /api/v1/me/reminders and POST /api/v1/me/reminders/{id}/read, checked against the OpenAPI document."""
from __future__ import annotations

from tests.api.openapi_check import assert_matches


def test_api_lists_my_reminders_and_marks_one_read(reminded, api, reminders_of):
    me = reminded.users["am_a1"]
    caller = api(me)
    response = caller.get("/api/v1/me/reminders?unread=1")
    assert_matches(response, "GET", "/api/v1/me/reminders")
    body = response.get_json()
    assert sorted(item["id"] for item in body) == [r.id for r in reminders_of(me)]
    assert {item["rule"] for item in body} == {"joint_visit_day", "follow_up_overdue"}
    assert all(item["read"] is False for item in body)

    first = body[0]["id"]
    marked = caller.post(f"/api/v1/me/reminders/{first}/read")
    assert_matches(marked, "POST", "/api/v1/me/reminders/{reminder_id}/read")
    assert marked.get_json()["read"] is True
    assert [item["id"] for item in caller.get("/api/v1/me/reminders?unread=1").get_json()] == [
        r.id for r in reminders_of(me) if r.id != first]
    assert len(caller.get("/api/v1/me/reminders").get_json()) == 2

    invalid = caller.get("/api/v1/me/reminders?unread=yes")
    assert invalid.status_code == 422 and "unread" in invalid.get_json()["error"]["fields"]
    theirs = reminders_of(reminded.users["am_a2"])[0].id
    missing = caller.post(f"/api/v1/me/reminders/{theirs}/read")
    assert_matches(missing, "POST", "/api/v1/me/reminders/{reminder_id}/read")
    assert missing.status_code == 404


def test_a_reminder_carries_its_items_and_where_to_act(reminded, api, app):
    """The overdue follow-up digest names the merchant and links to the follow-ups page."""
    caller = api(reminded.users["am_a1"])
    app.config["PUBLIC_URL"] = "https://crm.example.cn/"
    try:
        response = caller.get("/api/v1/me/reminders")
    finally:
        app.config["PUBLIC_URL"] = ""
    assert_matches(response, "GET", "/api/v1/me/reminders")
    [overdue] = [item for item in response.get_json() if item["rule"] == "follow_up_overdue"]
    merchant = reminded.merchants["m_a1"].name
    assert [line.split(" (")[0] for line in overdue["items"]] == [merchant]
    assert merchant in overdue["body"]
    assert overdue["link"].startswith("/") and overdue["url"] == "https://crm.example.cn" + overdue["link"]
    without_base = caller.get("/api/v1/me/reminders").get_json()
    assert {item["url"] for item in without_base} == {None}
