"""The branch head's bulk assignment rules, as plain functions and on a real list."""
from __future__ import annotations

from datetime import timedelta

from crm.extensions import db
from crm.referrals import operations
from crm.referrals.models import Referral
from crm.referrals.operations import Waiting, plan_by_pair, plan_by_town, plan_evenly
from crm.timeutil import local_today
from tests import factories
from tests.referrals.helpers import make_list

# Towns 10 and 11 in county 1 (town 10 has a pair with manager 100); town 20 in county 2 (no pair).
ITEMS = [Waiting(1, 10, 1), Waiting(2, 11, 1), Waiting(3, 10, 1), Waiting(4, 20, 2), Waiting(5, 20, 2)]


def test_by_pair_leaves_out_names_whose_town_has_no_pair():
    assert plan_by_pair(ITEMS, {10: 100}) == {1: 100, 3: 100}
    assert plan_by_pair(ITEMS, {10: 100, 1: 101}) == {1: 100, 2: 101, 3: 100}  # a county-wide pair


def test_by_town_keeps_each_town_whole_and_gives_unpaired_towns_to_the_lightest():
    plan = plan_by_town(ITEMS, {10: 100}, {100: 0, 200: 5, 300: 1})
    assert plan[1] == plan[3] == 100
    assert plan[2] == 300  # the lightest load
    # Then 100 holds 2 (town 10), 300 holds 2 (town 11), 200 holds 5: town 20, whole, to 100 (a tie: lower id).
    assert plan[4] == plan[5] == 100
    assert plan_by_town(ITEMS, {}, {}) == {}


def test_evenly_by_load_fills_the_lightest_first():
    plan = plan_evenly(ITEMS, {100: 2, 200: 0})
    assert sorted(plan.values()).count(200) == 3 and sorted(plan.values()).count(100) == 2
    assert plan_evenly(ITEMS, {}) == {}


def test_rules_on_a_list_assign_every_waiting_name_and_set_deadlines(world):
    extra = factories.merchant("赵家小卖部", world.districts[1])
    third = factories.merchant("丹朱茶庄", world.districts[0])
    db.session.commit()
    # am_a2 already holds an open name: evenly by load starts with am_a1.
    busy = make_list(world, [world.merchants["m_a2"]])
    operations.assign(operations.pending_items(busy), world.users["am_a2"], world.users["head_a"])
    db.session.commit()
    fresh = make_list(world, [world.merchants["m_a1"], extra, third])
    assigned, waiting = operations.assign_by_rule(fresh, "load", world.users["head_a"])
    db.session.commit()
    assert (assigned, waiting) == (3, 0)
    managers = [world.users["am_a1"].id, world.users["am_a2"].id]
    assert operations.open_loads(managers) == dict.fromkeys(managers, 2)  # even, counting the name held before
    deadline = local_today() + timedelta(days=world.campaign.referral_contact_days)
    assert {r.deadline_on for r in Referral.query.filter_by(list_id=fresh.id)} == {deadline}


def test_by_town_on_a_list_follows_pairs_and_keeps_the_town_together(world):
    second = factories.merchant("鲍店粮油", world.districts[1])
    db.session.commit()
    referral_list = make_list(world, [world.merchants["m_a1"], world.merchants["m_a2"], second])
    assert operations.assign_by_rule(referral_list, "town", world.users["head_a"]) == (3, 0)
    db.session.commit()
    by_merchant = {r.merchant.name: r.assignee.username for r in Referral.query.filter_by(list_id=referral_list.id)}
    assert by_merchant == {"张三干洗店": "am_a1", "李氏五金店": "am_a2", "鲍店粮油": "am_a2"}
