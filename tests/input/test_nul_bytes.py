"""A NUL character in any text the app receives is a 422 in the user's language and changes nothing
(PostgreSQL cannot store one; today it is a 500 there) — issue 14 #12."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.visits.models import Visit
from tests.visits.conftest import payload_for

NUL_MESSAGE = "不能包含空字符"


def test_a_nul_in_the_merchant_search_is_refused_on_the_page_and_in_the_api(world, login, api):
    page = login(world.users["admin"]).get("/merchants/", query_string={"q": "张三\x00"})
    assert page.status_code == 422
    assert NUL_MESSAGE in page.get_data(as_text=True)
    listed = api(world.users["admin"]).get("/api/v1/merchants", query_string={"q": "\x00"})
    assert listed.status_code == 422
    assert NUL_MESSAGE in listed.get_json()["error"]["message"]


def test_a_nul_in_a_credit_code_in_the_address_is_refused(world, api):
    response = api(world.users["admin"]).get("/api/v1/merchants/9214%00")
    assert response.status_code == 422


def test_a_visit_with_a_nul_in_its_notes_or_client_id_is_refused_and_nothing_is_recorded(world, api, db):
    client = api(world.users["am_a1"])
    body = payload_for(world, notes="谈了贷款\x00")
    assert client.post("/api/v1/visits", json=body).status_code == 422
    assert client.post("/api/v1/visits", json={**body, "notes": "ok", "client_id": "\x00"}).status_code == 422
    assert client.post("/api/v1/visits", json={**body, "notes": "ok", "merchant": {
        "credit_code": "\x00", "name": "新店"}}).status_code == 422
    assert db.session.scalar(select(func.count(Visit.id))) == 0
    assert client.post("/api/v1/visits", json={**body, "notes": "谈了贷款"}).status_code == 201  # the same, clean


def test_a_sign_in_with_a_nul_in_the_username_is_refused_and_not_counted(world, client, db):
    response = client.post("/login", data={"username": "admin\x00", "password": "whatever"})
    assert response.status_code == 422
    assert NUL_MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0
