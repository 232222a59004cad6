"""Webhook subscriptions: an admin registers an endpoint; domain events reach it through the outbox, signed,
retried while it is down or refuses, each delivery accepted exactly once; the payloads are in the OpenAPI
document's `webhooks`."""
from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import socket
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.plaques.models import Plaque
from crm.plaques.operations import flag_for_review
from crm.reminders.delivery import deliver_due
from crm.reminders.models import OutboxMessage
from crm.subscriptions.models import Subscription
from crm.subscriptions.operations import EVENT_NAMES
from crm.timeutil import freeze, local_today
from tests.api.conftest import apply_for, record_visit

START = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


class Receiver:
    """An integrator's endpoint on 127.0.0.1: checks each signature, answers 500 to the first `refuse`
    requests, and keeps what it accepted by Idempotency-Key (a repeat of a key would show as a second entry)."""

    def __init__(self):
        with socket.socket() as probe:  # a port nothing listens on yet: the receiver is down
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.secrets: dict[str, str] = {}  # path → secret
        self.accepted: dict[str, list[dict]] = {}
        self.refused = 0
        self.refuse = 0
        self.bad_signatures = 0
        self.server = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def verified(self, path: str, headers, body: bytes) -> bool:
        parts = dict(part.split("=", 1) for part in headers.get("X-CRM-Signature", "").split(","))
        expected = hmac.new(self.secrets[path].encode(), f"{parts.get('t')}.".encode() + body, hashlib.sha256)
        return hmac.compare_digest(expected.hexdigest(), parts.get("v1", ""))

    def start(self, refuse: int = 0):
        receiver, receiver.refuse = self, refuse

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if not receiver.verified(self.path, self.headers, body):
                    receiver.bad_signatures += 1
                    status = 401
                elif receiver.refuse:
                    receiver.refuse, receiver.refused, status = receiver.refuse - 1, receiver.refused + 1, 500
                else:
                    payload = json.loads(body)
                    assert self.headers["X-CRM-Event"] == payload["type"]
                    receiver.accepted.setdefault(self.headers["Idempotency-Key"], []).append(
                        {"path": self.path, **payload})
                    status = 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def receiver(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", ["127.0.0.1"])  # loopback named exactly
    receiver = Receiver()
    yield receiver
    receiver.stop()


def subscribe(admin, receiver: Receiver, path: str, events) -> dict:
    response = admin.post("/api/v1/subscriptions", json={"name": f"仓库{path}", "url": receiver.url(path),
                                                         "events": list(events)})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    receiver.secrets[path] = body["secret"]
    return body


def test_events_reach_a_receiver_that_was_down_signed_and_each_exactly_once(full_world, api, receiver):
    world, admin, writer = full_world, api(full_world.users["admin"]), api(full_world.users["am_a1"])
    subscribe(admin, receiver, "/all", EVENT_NAMES)
    subscribe(admin, receiver, "/loans", ["application.granted"])
    subscribe(admin, receiver, "/visits", ["visit.recorded"])
    admin.patch(f"/api/v1/subscriptions/{receiver_subscription('/visits')}", json={"active": False})

    with freeze(START):
        visit_id = record_visit(writer, world)
        app_id = apply_for(writer, world, "app-hook", 50000)
        today = local_today().isoformat()
        for outcome in ({"granted_amount": 50000, "rate": 0.0345}, {"drawn_amount": 30000, "drawn_on": today}):
            assert writer.patch(f"/api/v1/applications/{app_id}", json=outcome).status_code == 200
        plaque = db.session.scalar(select(Plaque))
        plaque.status, plaque.number = "approved", "2026-001"
        db.session.commit()
        flag_for_review(plaque.merchant, "经营异常")
        db.session.commit()
        down = deliver_due()  # nobody listens: every delivery waits for its next try
    total = db.session.query(OutboxMessage).count()
    assert (down.sent, down.retrying, down.failed) == (0, total, 0)

    receiver.start(refuse=1)  # back up, but the first answer is a 500: that delivery is not done
    with freeze(START + timedelta(seconds=30)):
        assert deliver_due().sent == 0  # still backing off
    with freeze(START + timedelta(minutes=1)):
        first = deliver_due()
    assert (first.sent, first.retrying, receiver.refused) == (total - 1, 1, 1)
    with freeze(START + timedelta(minutes=3)):
        assert deliver_due().sent == 1
    with freeze(START + timedelta(days=1)):
        assert deliver_due().sent == 0

    keys = {f"crm-outbox-{i}" for i in db.session.scalars(select(OutboxMessage.id))}
    assert set(receiver.accepted) == keys and all(len(seen) == 1 for seen in receiver.accepted.values())
    assert receiver.bad_signatures == 0
    assert set(db.session.scalars(select(OutboxMessage.status))) == {"sent"}
    events = [receiver.accepted[key][0] for key in sorted(receiver.accepted, key=lambda k: int(k.rsplit("-", 1)[1]))]
    by_type = Counter((e["path"], e["type"]) for e in events)
    assert by_type[("/all", "visit.recorded")] == by_type[("/loans", "application.granted")] == 1
    assert not any(path == "/visits" for path, _type in by_type)  # switched off before anything happened
    assert {t for path, t in by_type if path == "/all"} == set(EVENT_NAMES)
    assert {path for path, t in by_type if t == "application.granted"} == {"/all", "/loans"}
    data = {e["type"]: e["data"] for e in events if e["path"] == "/all"}
    assert data["visit.recorded"]["id"] == visit_id and data["visit.recorded"]["merchant_id"] == plaque.merchant_id
    assert (data["application.granted"]["id"], data["application.granted"]["granted_amount"]) == (app_id, 50000)
    assert data["application.drawn"]["drawn_amount"] == 30000
    assert (data["plaque.approved"]["number"], data["plaque.flagged"]["flag_reason"]) == ("2026-001", "经营异常")
    moves = [(e["data"]["previous_status"], e["data"]["status"]) for e in events
             if e["type"] == "referral.status_changed" and e["path"] == "/all"]  # in the order they happened
    assert moves == [("assigned", "visited"), ("visited", "applied"), ("applied", "granted"), ("granted", "drawn")]


def receiver_subscription(path: str) -> int:
    return db.session.scalar(select(Subscription.id).where(Subscription.url.endswith(path)))


def test_a_rolled_back_change_sends_nothing_and_a_switched_off_endpoint_gets_nothing_more(full_world, api, receiver):
    admin, writer = api(full_world.users["admin"]), api(full_world.users["am_a1"])
    created = subscribe(admin, receiver, "/hook", ["visit.recorded"])
    bad = writer.post("/api/v1/visits", json={"campaign_id": full_world.campaign.id})
    assert bad.status_code == 422 and db.session.query(OutboxMessage).count() == 0
    record_visit(writer, full_world)
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert admin.patch(f"/api/v1/subscriptions/{created['id']}", json={"active": False}).status_code == 200
    receiver.start()
    report = deliver_due()
    assert (report.sent, report.failed) == (0, 1) and receiver.accepted == {}
    db.session.refresh(message)
    assert message.status == "failed" and "switched off" in message.last_error


def test_only_an_admin_subscribes_to_an_allowed_host_and_known_events(world, api, receiver):
    admin, manager = api(world.users["admin"]), api(world.users["am_a1"])
    good = {"name": "数据仓库", "url": receiver.url("/hook"), "events": ["plaque.flagged"]}
    assert manager.post("/api/v1/subscriptions", json=good).status_code == 403
    assert manager.get("/api/v1/subscriptions").status_code == 403
    for bad, field in (({"url": "http://10.0.0.1/hook"}, "subscription"), ({"events": ["visit.deleted"]}, "subscription"),
                       ({"events": "visit.recorded"}, "events"), ({"secret": "mine"}, "secret")):
        response = admin.post("/api/v1/subscriptions", json={**good, **bad})
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"], bad
    created = admin.post("/api/v1/subscriptions", json=good).get_json()
    assert len(created["secret"]) == 64 and created["active"] is True
    rotated = admin.patch(f"/api/v1/subscriptions/{created['id']}", json={"rotate_secret": True}).get_json()
    assert rotated["secret"] != created["secret"]
    assert [s["id"] for s in admin.get("/api/v1/subscriptions").get_json()] == [created["id"]]
    assert admin.get("/api/v1/subscriptions/999999").status_code == 404


def test_the_admin_registers_an_endpoint_on_its_screen(world, login, receiver, client):
    form = {"name": "群机器人", "url": "http://example.org/hook", "events": ["visit.recorded", "plaque.approved"],
            "active": "y"}
    login(world.users["am_a1"])
    assert client.get("/admin/subscriptions/").status_code == 404
    login(world.users["admin"])
    assert "/admin/subscriptions/" in client.get("/admin/").get_data(as_text=True)
    refused = client.post("/admin/subscriptions/new", data=form)
    assert refused.status_code == 200 and "127.0.0.1" in refused.get_data(as_text=True)  # the hosts allowed
    assert db.session.query(Subscription).count() == 0
    created = client.post("/admin/subscriptions/new", data={**form, "url": receiver.url("/robot")})
    assert created.status_code == 302
    subscription = db.session.scalar(select(Subscription))
    assert subscription.events == ["visit.recorded", "plaque.approved"]
    shown = client.get(created.headers["Location"]).get_data(as_text=True)
    assert subscription.secret in shown and "走访已记录" in shown and "0 已送达" in shown
    old = subscription.secret
    edited = client.post(f"/admin/subscriptions/{subscription.id}/edit", data={**form, "url": receiver.url("/robot"),
                                                                               "rotate_secret": "y"})
    assert edited.status_code == 302
    db.session.refresh(subscription)
    assert subscription.secret != old and subscription.url == receiver.url("/robot")


def test_the_openapi_document_describes_every_webhook(api, world):
    document = api(world.users["admin"]).get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert sorted(document["webhooks"]) == sorted(EVENT_NAMES)
    granted = document["webhooks"]["application.granted"]["post"]
    assert {p["name"] for p in granted["parameters"]} >= {"X-CRM-Signature", "Idempotency-Key"}
    body = granted["requestBody"]["content"]["application/json"]["schema"]
    assert "granted_amount" in body["properties"]["data"]["properties"]
    assert "/api/v1/subscriptions/{subscription_id}" in document["paths"]
