"""A demo visit is stored as the app stores one a phone sent: the phone sending it again gets it back."""
from __future__ import annotations

from datetime import UTC

from sqlalchemy import select

from crm.demo.build import build_demo
from crm.merchants.models import Merchant
from crm.people.models import User
from crm.visits.models import Visit


def test_a_demo_visit_sent_again_is_the_stored_one(db, api):
    build_demo(seed=4, merchants=200, password="Demo-pass-42")
    visit = db.session.scalar(select(Visit).order_by(Visit.id).limit(1))
    code = db.session.scalar(select(Merchant.credit_code).where(Merchant.id == visit.merchant_id))
    phone = api(db.session.get(User, visit.author_id))
    sent = {"client_id": visit.client_id, "campaign_id": visit.campaign_id, "merchant": {"credit_code": code},
            "kind": visit.kind, "visited_at": visit.visited_at.replace(tzinfo=UTC).isoformat()}
    replay = phone.post("/api/v1/visits", json=sent)
    assert (replay.status_code, replay.get_json()["id"]) == (200, visit.id)
    assert phone.post("/api/v1/visits", json={**sent, "visited_at": "2020-01-01T09:00:00+08:00"}).status_code == 409
