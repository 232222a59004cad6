"""Fixtures of the API tests: a world with one record of every listed kind."""
from __future__ import annotations

from datetime import timedelta

import pytest

from crm.events.models import Event
from crm.extensions import db
from crm.plaques.models import Plaque
from crm.referrals.models import IntakeSubmission, Referral, ReferralList
from crm.timeutil import local_today
from tests.visits.conftest import payload_for

NEEDS = [{"text": "想了解线上缴税"}]


def record_visit(writer, world, merchant="m_a1", **overrides) -> int:
    """A visit with no needs unless given (a need refers to its visit, which could then not be deleted)."""
    overrides.setdefault("needs", [])
    overrides.setdefault("financing_need", {"has_need": False})
    response = writer.post("/api/v1/visits", json=payload_for(world, merchant, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def apply_for(writer, world, client_id: str, amount: int) -> int:
    response = writer.post("/api/v1/applications", json={
        "client_id": client_id, "campaign_id": world.campaign.id, "credit_code": world.merchants["m_a1"].credit_code,
        "applied_amount": amount, "applied_on": local_today().isoformat()})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def full_world(world, api):
    """A record of every listed kind in county A (town a1): through HTTP where the API writes it, else the ORM."""
    writer = api(world.users["am_a1"])
    record_visit(writer, world, next_follow_up_on=(local_today() + timedelta(days=3)).isoformat(), needs=NEEDS)
    apply_for(writer, world, "app-a", 100000)
    users, merchant, town_pair = world.users, world.merchants["m_a1"], world.pairs[0]
    referral_list = ReferralList(campaign_id=world.campaign.id, name="第一批", bank_org_id=world.orgs["bank"].id)
    db.session.add(referral_list)
    db.session.flush()
    db.session.add_all([
        Referral(list_id=referral_list.id, campaign_id=world.campaign.id, merchant_id=merchant.id, status="assigned",
                 assignee_id=users["am_a1"].id, pair_id=town_pair.id),
        Plaque(campaign_id=world.campaign.id, merchant_id=merchant.id, nominated_by_id=users["liaison_a1"].id,
               checks=[]),
        IntakeSubmission(pair_id=town_pair.id, campaign_id=world.campaign.id, business_name="刘记小卖部",
                         credit_code="92140428MA0L000001", phone="13912345678", consent=True,
                         client_address_hash="0" * 64),
        Event(campaign_id=world.campaign.id, kind="matchmaking", county_id=world.counties[0].id,
              planned_on=local_today()),
    ])
    db.session.commit()
    return world


