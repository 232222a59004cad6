"""Plaques: each criterion and veto, approval with a number, the certificate, flagging and revoking."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.extensions import db
from crm.merchants.operations import update_merchant
from crm.plaques import operations as ops
from crm.plaques.models import Plaque
from crm.timeutil import local_today, utcnow
from crm.visits.models import Application, FollowUp, Need

CRITERIA = {"tiers": ["development"], "veto_statuses": ["revoked", "abnormal"], "veto_dishonest": True,
            "max_overdue_12m": 1, "min_months_trading": 24, "min_credit_line": 500000}


@pytest.fixture(autouse=True)
def english(app):
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def setup(world):
    world.campaign.plaque_criteria = dict(CRITERIA)
    m = world.merchants["m_a1"]
    m.tier = "development"
    m.registered_on = local_today() - timedelta(days=800)
    db.session.add(Application(client_id="a1", body_hash="x", campaign_id=world.campaign.id, merchant_id=m.id,
                               author_id=world.users["am_a1"].id, applied_amount=Decimal(600000),
                               applied_on=local_today(), granted_amount=Decimal(600000)))
    db.session.commit()
    return world, m


def results(world, merchant):
    return {c["criterion"]: c["passed"] for c in ops.check_criteria(merchant, world.campaign)}


def test_every_criterion_passes(setup):
    world, m = setup
    assert results(world, m) == {"tier": True, "registry_status": True, "dishonest": True, "max_overdue_12m": True,
                                 "months_trading": True, "credit_line": True}


@pytest.mark.parametrize("change, criterion", [
    ({"tier": "growth"}, "tier"),
    ({"registry_status": "abnormal"}, "registry_status"),
    ({"registry_status": "revoked"}, "registry_status"),
    ({"dishonest": True}, "dishonest"),
])
def test_each_veto_and_tier(setup, change, criterion):
    world, m = setup
    for key, value in change.items():
        setattr(m, key, value)
    checks = results(world, m)
    assert checks[criterion] is False
    assert [k for k, passed in checks.items() if not passed] == [criterion]


def test_months_trading(setup):
    world, m = setup
    m.registered_on = local_today() - timedelta(days=300)
    check = next(c for c in ops.check_criteria(m, world.campaign) if c["criterion"] == "months_trading")
    assert not check["passed"] and "needs 24" in check["detail"]


def test_credit_line(setup):
    world, m = setup
    world.campaign.plaque_criteria["min_credit_line"] = 700000
    check = next(c for c in ops.check_criteria(m, world.campaign) if c["criterion"] == "credit_line")
    assert not check["passed"] and check["detail"] == "credit line 600,000 yuan; needs 700,000"


def test_overdue_follow_ups_and_needs(setup):
    world, m = setup
    today, am = local_today(), world.users["am_a1"]
    db.session.add(FollowUp(campaign_id=world.campaign.id, merchant_id=m.id, assignee_id=am.id,
                            due_on=today - timedelta(days=20), status="planned"))
    db.session.commit()
    assert results(world, m)["max_overdue_12m"] is True  # one overdue is allowed
    db.session.add(Need(campaign_id=world.campaign.id, merchant_id=m.id, text="贷款", owner_id=am.id,
                        due_on=today - timedelta(days=40), opened_on=today - timedelta(days=60), status="closed",
                        closed_on=today - timedelta(days=30)))
    db.session.add(Need(campaign_id=world.campaign.id, merchant_id=m.id, text="早已解决", owner_id=am.id,
                        due_on=today - timedelta(days=400), opened_on=today - timedelta(days=420), status="open"))
    db.session.commit()
    assert ops.overdue_count(m, today) == 2  # the one older than 12 months does not count
    assert results(world, m)["max_overdue_12m"] is False


def test_nominate_approve_print_flag_revoke(setup, login):
    world, m = setup
    client = login(world.users["liaison_a1"])
    client.get("/lang/en")
    assert "Passed" in client.get(f"/plaques/nominate/{m.id}").get_data(as_text=True)
    assert client.post(f"/plaques/nominate/{m.id}").status_code == 302
    plaque = db.session.scalar(select(Plaque))
    assert plaque.status == "nominated" and len(plaque.checks) == 6
    # A second nomination of the same merchant is refused.
    client.post(f"/plaques/nominate/{m.id}")
    assert len(db.session.scalars(select(Plaque)).all()) == 1
    # Only a lead decides.
    client.post(f"/plaques/{plaque.id}/approve")
    db.session.refresh(plaque)
    assert plaque.status == "nominated"
    lead = login(world.users["lead"])
    lead.post(f"/plaques/{plaque.id}/approve")
    db.session.refresh(plaque)
    year = local_today().year
    assert plaque.status == "approved" and plaque.number == f"SB-{year}-0001"
    page = lead.get(f"/plaques/{plaque.id}/certificate").get_data(as_text=True)
    assert plaque.number in page and m.name in page
    # A registry change that makes the merchant abnormal flags the plaque for review.
    update_merchant(m, {"registry_status": "abnormal"})
    db.session.commit()
    db.session.refresh(plaque)
    assert plaque.flagged and "abnormal" in plaque.flag_reason
    assert lead.post(f"/plaques/{plaque.id}/revoke", data={"reason": ""}).status_code == 302
    db.session.refresh(plaque)
    assert plaque.status == "approved"
    lead.post(f"/plaques/{plaque.id}/revoke", data={"reason": "经营异常"})
    db.session.refresh(plaque)
    assert plaque.status == "revoked" and plaque.revoked_reason == "经营异常"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "plaques")).all()
    assert actions.count("update") >= 3 and "create" in actions


def test_approval_refused_when_criteria_fail_and_numbers_increase(setup, world):
    _w, m = setup
    lead = world.users["lead"]
    plaque = ops.nominate(m, world.campaign, world.users["liaison_a1"])
    m.dishonest = True
    with pytest.raises(ops.PlaqueError):
        ops.approve(plaque, lead)
    m.dishonest = False
    ops.approve(plaque, lead)
    db.session.add(Plaque(campaign_id=world.campaign.id, merchant_id=world.merchants["m_a2"].id, status="approved",
                          number=f"SB-{local_today().year}-0041", nominated_by_id=lead.id, decided_at=utcnow()))
    db.session.flush()
    assert ops.next_number(world.campaign, local_today().year) == f"SB-{local_today().year}-0042"
