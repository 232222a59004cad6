"""Building a list (filters, codes), handing it over, assigning it, and its progress figures."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from crm.audit.models import AuditEvent
from crm.extensions import db
from crm.referrals import operations
from crm.referrals.models import Referral
from crm.timeutil import freeze, local_now, local_today
from tests import factories
from tests.referrals.helpers import application, item, make_list, visit


def _filters(**kw):
    return operations.Filters(**kw)


def test_filters_select_visible_operating_merchants(world):
    liaison = world.users["admin"]
    extra = factories.merchant("李记饭店", world.districts[0], trade="lodging_catering", tier="survival",
                               distinguished=True)
    factories.merchant("吊销商店", world.districts[0], registry_status="revoked")
    db.session.commit()
    total, first = operations.preview(liaison, world.campaign, _filters(county_id=world.counties[0].id))
    assert total == 3 and {m.name for m in first} == {"张三干洗店", "李氏五金店", "李记饭店"}
    assert operations.preview(liaison, world.campaign, _filters(trade="lodging_catering",
                                                                county_id=world.counties[0].id))[0] == 1
    assert operations.preview(liaison, world.campaign, _filters(tier="survival"))[0] == 1
    assert operations.preview(liaison, world.campaign, _filters(distinguished=True))[1] == [extra]
    assert operations.preview(liaison, world.campaign, _filters(town_id=world.towns[1].id))[0] == 1


def test_not_visited_and_not_listed_filters(world):
    admin = world.users["admin"]
    make_list(world, [world.merchants["m_a1"]])
    visit(world, world.merchants["m_a2"], world.users["am_a2"])
    db.session.commit()
    assert operations.preview(admin, world.campaign, _filters())[0] == 2  # m_a1 is on a list already
    assert operations.preview(admin, world.campaign, _filters(not_listed=False))[0] == 3
    assert operations.preview(admin, world.campaign, _filters(not_visited=True))[1] == [world.merchants["m_b1"]]


def test_a_liaison_sees_only_the_towns_of_their_office(world):
    total, first = operations.preview(world.users["liaison_a1"], world.campaign, _filters())
    assert (total, first) == (1, [world.merchants["m_a1"]])


def test_each_rejected_code_says_the_true_reason_and_the_names_to_add_are_listed(world):
    from crm.merchants.credit_code import make

    never_imported = make()
    closed = factories.merchant("关门小店", world.districts[0], registry_status="revoked")
    flagged = factories.merchant("失信商行", world.districts[0], dishonest=True)
    db.session.commit()
    codes = [never_imported, closed.credit_code, flagged.credit_code, world.merchants["m_a1"].credit_code]
    check = operations.check_codes(world.users["liaison_a1"], world.campaign, codes)
    reasons = {r["credit_code"]: r["reason"] for r in check.rejected}
    assert reasons == {never_imported: "not in the registry: never imported, or its row was rejected at import",
                       closed.credit_code: "not trading (Revoked in the registry)",
                       flagged.credit_code: "on the dishonest-persons list"}
    assert [m.name for m in check.adding] == ["张三干洗店"]


def test_codes_are_checked_with_a_reason_for_each_rejection(world):
    make_list(world, [world.merchants["m_a2"]], creator="admin")
    codes = operations.split_codes(f"{world.merchants['m_a1'].credit_code}, {world.merchants['m_a1'].credit_code}\n"
                                   f"{world.merchants['m_a2'].credit_code}；91350100M000100Y44 "
                                   f"{world.merchants['m_b1'].credit_code}")
    check = operations.check_codes(world.users["liaison_a1"], world.campaign, codes)
    assert check.merchant_ids == [world.merchants["m_a1"].id]
    reasons = {r["credit_code"]: r["reason"] for r in check.rejected}
    assert reasons["91350100M000100Y44"] == "not a valid credit code"
    assert reasons[world.merchants["m_b1"].credit_code] == (
        "in the registry, but outside your area or this drive's territory")
    assert reasons[world.merchants["m_a1"].credit_code] == "listed twice"
    assert len(check.rejected) == 4  # m_a2 is outside the liaison's town as well
    by_admin = operations.check_codes(world.users["admin"], world.campaign, [world.merchants["m_a2"].credit_code])
    assert by_admin.rejected == [{"credit_code": world.merchants["m_a2"].credit_code,
                                  "reason": "already on a list of this drive"}]


def test_create_list_is_audited_and_hand_over_sets_the_time(world):
    referral_list = make_list(world, [world.merchants["m_a1"], world.merchants["m_a2"]], handed=False)
    assert referral_list.handed_over_at is None
    assert Referral.query.filter_by(list_id=referral_list.id, status="pending").count() == 2
    operations.hand_over(referral_list, world.users["liaison_a1"])
    db.session.commit()
    assert referral_list.handed_over_at is not None
    actions = [e.action for e in AuditEvent.query.filter_by(object_type="referral_lists")]
    assert actions == ["create", "hand_over"]


def test_auto_assign_follows_the_pairs_and_sets_the_deadline(world):
    extra = factories.merchant("无对子商店", world.districts[2])  # county B: no pair of branch A
    db.session.commit()
    referral_list = make_list(world, [world.merchants["m_a1"], world.merchants["m_a2"], extra], creator="admin")
    assigned, unmatched = operations.auto_assign(referral_list, world.users["head_a"])
    assert (assigned, unmatched) == (2, 1)
    first = item(referral_list, world.merchants["m_a1"])
    assert (first.status, first.assignee_id, first.pair_id) == ("assigned", world.users["am_a1"].id,
                                                                world.pairs[0].id)
    assert first.deadline_on == local_today() + timedelta(days=world.campaign.referral_contact_days)
    assert item(referral_list, world.merchants["m_a2"]).assignee_id == world.users["am_a2"].id
    assert item(referral_list, extra).status == "pending"


def test_a_county_pair_takes_the_towns_without_their_own(world):
    from crm.campaigns.models import LiaisonPair

    LiaisonPair.query.filter_by(region_id=world.towns[1].id).delete()
    county_pair = factories.pair(world.campaign, world.towns[0], world.users["liaison_a1"], world.users["am_a1"])
    county_pair.region = world.counties[0]
    db.session.commit()
    referral_list = make_list(world, [world.merchants["m_a2"]])
    operations.auto_assign(referral_list, world.users["head_a"])
    assert item(referral_list, world.merchants["m_a2"]).assignee_id == world.users["am_a1"].id


def test_bulk_assign_by_town_and_reassign(world):
    referral_list = make_list(world, [world.merchants["m_a1"], world.merchants["m_a2"]])
    head, am = world.users["head_a"], world.users["am_a2"]
    assert operations.assign(operations.pending_items(referral_list, world.towns[0].id), am, head) == 1
    assert item(referral_list, world.merchants["m_a2"]).status == "pending"
    referral = item(referral_list, world.merchants["m_a1"])
    assert referral.assignee_id == am.id
    operations.change_status(referral, "contacted", am)
    deadline = referral.deadline_on
    with freeze(local_now() + timedelta(days=3)):
        operations.assign([referral], world.users["am_a1"], head)
    assert (referral.assignee_id, referral.status, referral.deadline_on) == (world.users["am_a1"].id, "contacted",
                                                                          deadline)


def test_progress_counts_overdue_reasons_and_amounts(world):
    extra = factories.merchant("赵家超市", world.districts[0])
    db.session.commit()
    merchants = [world.merchants["m_a1"], world.merchants["m_a2"], extra]
    referral_list = make_list(world, merchants)
    operations.auto_assign(referral_list, world.users["head_a"])
    operations.change_status(item(referral_list, extra), "closed", world.users["am_a1"], closed_reason="declined")
    application(world, world.merchants["m_a1"], world.users["am_a1"], granted=200000, drawn=150000)
    application(world, world.merchants["m_b1"], world.users["am_b1"], granted=90000)  # not on the list
    db.session.commit()
    figures = operations.progress(referral_list)
    assert figures["counts"]["assigned"] == 2 and figures["counts"]["closed"] == 1
    assert figures["closed_reasons"]["declined"] == 1
    assert (figures["granted_amount"], figures["drawn_amount"]) == (Decimal(200000), Decimal(150000))
    assert figures["overdue"] == 0
    with freeze(local_now() + timedelta(days=world.campaign.referral_contact_days + 1)):
        assert operations.progress(referral_list)["overdue"] == 2
