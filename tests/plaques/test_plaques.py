"""Plaques: each criterion and veto, approval with a number, the certificate, flagging and revoking."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.bankfacts import operations as facts
from crm.extensions import db
from crm.merchants.operations import update_merchant
from crm.people.models import Organization
from crm.plaques import operations as ops
from crm.plaques.models import Plaque
from crm.timeutil import local_today, utcnow

_ANNEX_2 = {"doc": "002", "title": "晋市监发〔2024〕86号 附件2 示范标杆商户"}
CCB_PLAQUE_SOURCES = {
    "tiers": {**_ANNEX_2, "clause": "一、1", "quote": "须符合“发展型”标准的个体工商户"},
    "min_loan_months": {**_ANNEX_2, "clause": "一、2", "quote": "在建设银行累计用款期限 24 个月（含）以上"},
    "no_bad_loans": {**_ANNEX_2, "clause": "一、2", "quote": "在建设银行无不良贷款记录"},
    "max_overdue_12m": {**_ANNEX_2, "clause": "一、2", "quote": "最近 12 个月内（含 12 个月）累计逾期次数不超过 3 次"},
    "min_credit_line": {**_ANNEX_2, "clause": "一、3", "quote": "在建设银行授信额度在 50 万元以上（含 50 万元）"},
    "veto_false_reporting": {**_ANNEX_2, "clause": "二、1", "quote": "虚假报送数据的个体工商户"},
    "veto_statuses": {**_ANNEX_2, "clause": "二、2", "quote": "标记为吊销未注销状态、异常状态的个体工商户"},
    "veto_dishonest": {**_ANNEX_2, "clause": "二、3", "quote": "列入失信联合惩戒对象名单、失信被执行人名单的个体工商户"},
}
# CCB 示范标杆商户 (002 附件2), with the clause of each criterion.
CRITERIA = {"tiers": ["development"], "veto_statuses": ["revoked", "abnormal"], "veto_dishonest": True,
            "min_loan_months": 24, "no_bad_loans": True, "max_overdue_12m": 3, "min_credit_line": 500000,
            "veto_false_reporting": True, "sources": CCB_PLAQUE_SOURCES}
GOOD = {"loan_months": 30, "bad_loans": False, "overdue_12m": 1, "credit_line": Decimal(600000),
        "false_reporting": False}
CLAUSES = {"tier": "一、1", "registry_status": "二、2", "dishonest": "二、3", "loan_months": "一、2",
           "bad_loans": "一、2", "max_overdue_12m": "一、2", "credit_line": "一、3", "false_reporting": "二、1"}


@pytest.fixture(autouse=True)
def english(app):
    with app.test_request_context("/?lang=en"):
        yield


def report(world, merchant, values, days_ago=3, source="信贷系统", actor="head_a"):
    facts.record(merchant, values, local_today() - timedelta(days=days_ago), source, world.users[actor])
    db.session.commit()


@pytest.fixture
def setup(world):
    world.campaign.plaque_criteria = dict(CRITERIA)
    m = world.merchants["m_a1"]
    m.tier = "development"
    db.session.commit()
    report(world, m, GOOD)
    return world, m


def results(world, merchant):
    return {c["criterion"]: c["result"] for c in ops.check_criteria(merchant, world.campaign)}


def test_every_criterion_passes_with_its_clause(setup):
    world, m = setup
    checks = ops.check_criteria(m, world.campaign)
    assert {c["criterion"]: c["result"] for c in checks} == dict.fromkeys(CLAUSES, "pass")
    assert {c["criterion"]: c["source"]["clause"] for c in checks} == CLAUSES
    assert all(c["source"]["doc"] == "002" and "附件2" in c["source"]["title"] for c in checks)
    line = next(c for c in checks if c["criterion"] == "credit_line")
    assert line["detail"] == (f"credit line 600,000 yuan; needs 500,000 (reported "
                              f"{(local_today() - timedelta(days=3)).isoformat()}, 信贷系统)")


@pytest.mark.parametrize("change, criterion", [
    ({"tier": "growth"}, "tier"),
    ({"registry_status": "abnormal"}, "registry_status"),
    ({"registry_status": "revoked"}, "registry_status"),
    ({"dishonest": True}, "dishonest"),
])
def test_each_registry_veto_and_tier(setup, change, criterion):
    world, m = setup
    for key, value in change.items():
        setattr(m, key, value)
    checks = results(world, m)
    assert [k for k, result in checks.items() if result != "pass"] == [criterion]
    assert checks[criterion] == "fail"


@pytest.mark.parametrize("fact, value, criterion", [
    ("loan_months", 23, "loan_months"),  # 24 months (含) needed
    ("bad_loans", True, "bad_loans"),
    ("overdue_12m", 4, "max_overdue_12m"),  # at most 3
    ("credit_line", Decimal(499999), "credit_line"),  # 50 万 (含) needed
    ("false_reporting", True, "false_reporting"),
])
def test_each_bank_fact_failing(setup, fact, value, criterion):
    world, m = setup
    report(world, m, {fact: value}, days_ago=1, source="bank-export.xlsx")
    checks = results(world, m)
    assert [k for k, result in checks.items() if result != "pass"] == [criterion]
    assert checks[criterion] == "fail"
    check = next(c for c in ops.check_criteria(m, world.campaign) if c["criterion"] == criterion)
    assert "bank-export.xlsx" in check["detail"] and check["source"]["clause"] == CLAUSES[criterion]


def test_limits_themselves_pass(setup):
    """The document's limits are inclusive: 24 months (含), 3 overdue, 50 万 (含)."""
    world, m = setup
    report(world, m, {"loan_months": 24, "overdue_12m": 3, "credit_line": Decimal(500000)}, days_ago=1)
    assert set(results(world, m).values()) == {"pass"}


def test_missing_bank_facts_are_unknown_never_guessed(world):
    world.campaign.plaque_criteria = dict(CRITERIA)
    m = world.merchants["m_a2"]
    m.tier = "development"
    m.registered_on = local_today() - timedelta(days=3000)  # long registered: no proxy for loan use
    db.session.commit()
    bank = {"loan_months", "bad_loans", "max_overdue_12m", "credit_line", "false_reporting"}
    checks = results(world, m)
    assert {k for k, r in checks.items() if r == "unknown"} == bank
    assert {k for k, r in checks.items() if r == "pass"} == {"tier", "registry_status", "dishonest"}
    # Some facts reported, others still unknown; an empty fact in a later report does not hide an earlier one.
    report(world, m, {"loan_months": 36, "credit_line": Decimal(800000)}, days_ago=20)
    report(world, m, {"overdue_12m": 0}, days_ago=2)
    checks = results(world, m)
    assert {k for k, r in checks.items() if r == "unknown"} == {"bad_loans", "false_reporting"}
    detail = next(c["detail"] for c in ops.check_criteria(m, world.campaign) if c["criterion"] == "bad_loans")
    assert detail == "not reported by the drive's bank"


def test_newest_report_wins_and_other_banks_do_not_count(setup, world):
    _w, m = setup
    report(world, m, {"overdue_12m": 5}, days_ago=10)  # older than the good report: superseded
    assert results(world, m)["max_overdue_12m"] == "pass"
    other_bank = Organization(name="建设银行长治分行", kind="bank")
    db.session.add(other_bank)
    db.session.flush()
    head = world.users["head_b"]
    head.organization = other_bank
    db.session.commit()
    facts.record(m, {"overdue_12m": 9}, local_today(), "他行", head)
    db.session.commit()
    assert results(world, m)["max_overdue_12m"] == "pass"  # not the drive's bank


def test_no_proxy_is_read(setup, world):
    """Late follow-ups of the account manager and a short registration say nothing about loans."""
    from crm.visits.models import FollowUp

    _w, m = setup
    m.registered_on = local_today() - timedelta(days=100)
    for days in (20, 40, 60, 80, 100):
        db.session.add(FollowUp(campaign_id=world.campaign.id, merchant_id=m.id, assignee_id=world.users["am_a1"].id,
                                due_on=local_today() - timedelta(days=days), status="planned"))
    db.session.commit()
    assert set(results(world, m).values()) == {"pass"}


@pytest.mark.usefixtures("setup")
def test_a_check_shows_each_result_and_clause(world, login):
    m2 = world.merchants["m_a2"]
    m2.tier = "development"
    report(world, m2, {"loan_months": 12})
    client = login(world.users["lead"])
    client.get("/lang/en")
    page = client.get(f"/plaques/nominate/{m2.id}").get_data(as_text=True)
    assert 'data-criterion="loan_months" data-result="fail"' in page
    assert 'data-criterion="bad_loans" data-result="unknown"' in page
    assert 'data-criterion="tier" data-result="pass"' in page
    assert "一、2" in page and "在建设银行累计用款期限 24 个月（含）以上" in page and "Unknown" in page


def test_unknown_blocks_approval(world):
    world.campaign.plaque_criteria = dict(CRITERIA)
    m = world.merchants["m_a2"]
    m.tier = "development"
    db.session.commit()
    plaque = ops.nominate(m, world.campaign, world.users["liaison_a2"])
    with pytest.raises(ops.PlaqueError, match="unknown"):
        ops.approve(plaque, world.users["lead"])
    report(world, m, GOOD)
    ops.approve(plaque, world.users["lead"])
    assert plaque.status == "approved"


def test_nominate_approve_print_flag_revoke(setup, login):
    world, m = setup
    client = login(world.users["liaison_a1"])
    client.get("/lang/en")
    assert "Passed" in client.get(f"/plaques/nominate/{m.id}").get_data(as_text=True)
    assert client.post(f"/plaques/nominate/{m.id}").status_code == 302
    plaque = db.session.scalar(select(Plaque))
    assert plaque.status == "nominated" and len(plaque.checks) == 8
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
