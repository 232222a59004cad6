"""Referral items: the status table, manual moves, automatic moves from visits and applications."""
from __future__ import annotations

from datetime import timedelta

import pytest

from crm.audit.models import AuditEvent
from crm.extensions import db
from crm.referrals import operations
from crm.referrals.operations import TransitionRefused, transition_problem
from crm.signals import application_changed, visit_recorded
from crm.timeutil import local_now, local_today
from crm.visits.models import FollowUp
from tests.referrals.helpers import application, item, make_list, visit


@pytest.mark.parametrize("current,target", [
    ("pending", "assigned"), ("assigned", "contacted"), ("contacted", "visited"), ("visited", "applied"),
    ("applied", "granted"), ("granted", "drawn"), ("assigned", "visited"), ("pending", "closed"),
    ("granted", "closed"),
])
def test_legal_transitions(current, target):
    assert transition_problem(current, target, closed_reason="no_need") is None


@pytest.mark.parametrize("current,target,kw,why", [
    ("visited", "contacted", {}, "forward only"),
    ("drawn", "closed", {"closed_reason": "no_need"}, "drawn"),
    ("closed", "assigned", {}, "closed"),
    ("pending", "contacted", {}, "Assign the item"),
    ("assigned", "closed", {}, "why the item is closed"),
    ("assigned", "closed", {"closed_reason": "bored"}, "why the item is closed"),
    ("assigned", "closed", {"closed_reason": "not_eligible"}, "which condition"),
    ("pending", "closed", {"closed_reason": "not_eligible", "closed_note": "不满一年", "has_assignee": False},
     "Assign the item first"),
    ("assigned", "pending", {}, "not a status"),
    ("pending", "assigned", {"has_assignee": False}, "Choose an account manager"),
])
def test_illegal_transitions_say_why(current, target, kw, why):
    assert why in transition_problem(current, target, **kw)


def _assigned_list(world):
    referral_list = make_list(world, [world.merchants["m_a1"], world.merchants["m_a2"]])
    operations.auto_assign(referral_list, world.users["head_a"])
    db.session.commit()
    return referral_list


def test_change_status_is_audited_and_refused_moves_change_nothing(world):
    referral_list = _assigned_list(world)
    referral = item(referral_list, world.merchants["m_a1"])
    operations.change_status(referral, "contacted", world.users["am_a1"])
    assert referral.status == "contacted"
    event = AuditEvent.query.filter_by(object_type="referrals", object_id=str(referral.id), action="update").one()
    assert event.changes == {"status": ["assigned", "contacted"]}
    with pytest.raises(TransitionRefused):
        operations.change_status(referral, "assigned", world.users["am_a1"])
    assert referral.status == "contacted"


def test_not_eligible_closes_and_plans_a_follow_up(world):
    referral_list = _assigned_list(world)
    referral = item(referral_list, world.merchants["m_a1"])
    operations.change_status(referral, "closed", world.users["am_a1"], closed_reason="not_eligible",
                             closed_note="经营不满一年")
    db.session.commit()
    assert (referral.status, referral.closed_reason, referral.closed_note) == ("closed", "not_eligible", "经营不满一年")
    follow_up = FollowUp.query.one()
    assert follow_up.assignee_id == world.users["am_a1"].id
    assert follow_up.merchant_id == world.merchants["m_a1"].id
    assert follow_up.due_on == local_today() + timedelta(days=world.campaign.follow_up_interval_days)
    assert "经营不满一年" in follow_up.reason


def test_other_reasons_plan_no_follow_up(world):
    referral = item(_assigned_list(world), world.merchants["m_a1"])
    operations.change_status(referral, "closed", world.users["am_a1"], closed_reason="no_need")
    assert FollowUp.query.count() == 0


def test_a_recorded_visit_moves_open_items_forward(world):
    referral_list = _assigned_list(world)
    v = visit(world, world.merchants["m_a1"], world.users["am_a1"])
    visit_recorded.send(v)
    db.session.commit()
    assert item(referral_list, world.merchants["m_a1"]).status == "visited"
    assert item(referral_list, world.merchants["m_a2"]).status == "assigned"


def test_applications_move_items_to_applied_granted_drawn_and_never_back(world):
    referral_list = _assigned_list(world)
    merchant, am = world.merchants["m_a1"], world.users["am_a1"]
    a = application(world, merchant, am)
    application_changed.send(a)
    assert item(referral_list, merchant).status == "applied"
    a.granted_amount = 200000
    application_changed.send(a)
    assert item(referral_list, merchant).status == "granted"
    a.drawn_amount = 150000
    application_changed.send(a)
    assert item(referral_list, merchant).status == "drawn"
    visit_recorded.send(visit(world, merchant, am))  # a later visit does not move it back
    assert item(referral_list, merchant).status == "drawn"


def test_closed_items_and_other_drives_are_not_moved(world):
    referral_list = _assigned_list(world)
    merchant = world.merchants["m_a1"]
    referral = item(referral_list, merchant)
    operations.change_status(referral, "closed", world.users["am_a1"], closed_reason="declined")
    visit_recorded.send(visit(world, merchant, world.users["am_a1"]))
    assert referral.status == "closed"


def test_work_on_an_unassigned_item_assigns_it_to_the_worker(world):
    referral_list = make_list(world, [world.merchants["m_a1"]])
    visit_recorded.send(visit(world, world.merchants["m_a1"], world.users["am_a1"]))
    referral = item(referral_list, world.merchants["m_a1"])
    assert (referral.status, referral.assignee_id) == ("visited", world.users["am_a1"].id)


def test_visits_through_the_visit_operations_move_items(world):
    """The real sender: crm.visits.operations.record_visit sends visit_recorded."""
    from crm.visits import operations as visits

    referral_list = _assigned_list(world)
    merchant = world.merchants["m_a2"]
    payload = {"client_id": "c-1", "campaign_id": world.campaign.id, "merchant": {"credit_code": merchant.credit_code},
               "kind": "first", "visited_at": local_now().isoformat()}
    visits.record_visit(world.users["am_a2"], payload)
    db.session.commit()
    assert item(referral_list, merchant).status == "visited"


def test_the_status_menu_offers_only_legal_moves():
    assert operations.next_statuses("pending") == ["assigned", "closed"]
    assert operations.next_statuses("visited") == ["visited", "applied", "granted", "drawn", "closed"]
    assert operations.next_statuses("drawn") == []
