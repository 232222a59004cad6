"""Benchmark data follows the app's own rules: what the app derives from a record (a contact
deadline, a plaque number, the body hash of what the phone sent) is what it would have derived."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, timedelta

from sqlalchemy import select

from crm.campaigns.models import Campaign
from crm.demo.bulk import generate
from crm.merchants.models import Merchant
from crm.people.models import User
from crm.plaques.models import Plaque
from crm.referrals.models import Referral
from crm.timeutil import local_date
from crm.visits.models import Application, Visit


def test_deadlines_numbers_and_replays_are_the_apps(db, api):
    generate("tiny", seed=5, log=lambda *_: None)
    s = db.session
    campaign = s.scalar(select(Campaign))

    assigned = s.scalars(select(Referral).where(Referral.assigned_at.is_not(None))).all()
    assert assigned and all(
        r.deadline_on == local_date(r.assigned_at) + timedelta(days=campaign.referral_contact_days) for r in assigned)

    plaques = s.scalars(select(Plaque)).all()
    issued = sorted((p for p in plaques if p.status in ("approved", "revoked")), key=lambda p: (p.decided_at, p.id))
    assert issued and all(p.number is None for p in plaques if p not in issued)
    serials: dict[int, int] = defaultdict(int)
    for p in issued:
        year = local_date(p.decided_at).year
        serials[year] += 1
        assert p.number == f"SB-{year}-{serials[year]:04d}"

    # A phone that sends a generated visit again (same client_id, same body) gets the stored one back.
    visit = s.scalar(select(Visit).order_by(Visit.id.desc()).limit(1))
    code = s.scalar(select(Merchant.credit_code).where(Merchant.id == visit.merchant_id))
    author = api(s.get(User, visit.author_id))
    sent = {"client_id": visit.client_id, "campaign_id": campaign.id, "merchant": {"credit_code": code},
            "kind": visit.kind, "visited_at": visit.visited_at.replace(tzinfo=UTC).isoformat()}
    replay = author.post("/api/v1/visits", json=sent)
    assert (replay.status_code, replay.get_json()["id"]) == (200, visit.id)
    assert author.post("/api/v1/visits", json={**sent, "kind": "briefing" if visit.kind != "briefing"
                                               else "first"}).status_code == 409

    application = s.scalar(select(Application).order_by(Application.id).limit(1))
    code = s.scalar(select(Merchant.credit_code).where(Merchant.id == application.merchant_id))
    author = api(s.get(User, application.author_id))
    sent = {"client_id": application.client_id, "campaign_id": campaign.id, "credit_code": code,
            "applied_amount": int(application.applied_amount), "applied_on": application.applied_on.isoformat()}
    replay = author.post("/api/v1/applications", json=sent)
    assert (replay.status_code, replay.get_json()["id"]) == (200, application.id)
    assert author.post("/api/v1/applications", json={**sent, "applied_amount": 1}).status_code == 409
