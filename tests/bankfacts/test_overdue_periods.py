"""BOC 惠商贷 (002 中国银行 服务方案 三、准入条件（三）): "原则上借款人或配偶近两年无连续3期或累计6期及以上逾期记录".

The branch records the two facts (the longest run of overdue periods and the overdue periods in all, over the
last 24 months) by hand, from its .xlsx export or through the API; the BOC drive's pre-credit check reads them:
pass, fail, or unknown when the bank has not reported them, each with the clause.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.bankfacts import operations as facts
from crm.bankfacts.models import BankFact
from crm.extensions import db
from crm.intake.operations import screen
from crm.products.operations import base_check, match
from crm.timeutil import local_today
from tests.bankfacts.test_bankfacts import post_import
from tests.factories import template_drive
from tests.imports.helpers import write_xlsx

CLAUSE = "服务方案 三、准入条件（三）"


def _report(world, merchant, **values):
    facts.record(merchant, values, local_today() - timedelta(days=1), "信贷系统", world.users["head_a"])
    db.session.commit()


@pytest.fixture
def boc(world):
    return template_drive(world, "boc_huishang")


def test_the_branch_records_both_facts_and_a_run_longer_than_the_total_is_refused(world, login):
    m = world.merchants["m_a1"]
    client = login(world.users["head_a"])
    day = (local_today() - timedelta(days=1)).isoformat()
    bad = client.post(f"/merchants/{m.id}/bank-facts", data={
        "as_of": day, "source": "信贷系统", "overdue_run_24m": "4", "overdue_periods_24m": "2"})
    assert bad.status_code == 422 and "连续逾期的最长期数不能多于累计逾期期数" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(BankFact.id))) == 0
    good = client.post(f"/merchants/{m.id}/bank-facts", data={
        "as_of": day, "source": "信贷系统", "overdue_run_24m": "2", "overdue_periods_24m": "5"})
    assert good.status_code == 302
    fact = db.session.scalar(select(BankFact))
    assert (fact.overdue_run_24m, fact.overdue_periods_24m, fact.source) == (2, 5, "信贷系统")
    page = client.get(f"/merchants/{m.id}/bank-facts").get_data(as_text=True)
    assert "连续逾期期数" in page and "累计逾期期数" in page


def test_import_reads_the_headers_a_bank_export_uses(world, login, tmp_path):
    ma1, ma2 = world.merchants["m_a1"], world.merchants["m_a2"]
    day = local_today() - timedelta(days=3)
    header = ["统一社会信用代码", "数据日期", "近两年最大连续逾期期数", "近24个月累计逾期期数（期）"]
    rows = [[ma1.credit_code, day.isoformat(), 1, 4],
            [ma2.credit_code, day.isoformat(), 5, 3],  # a run longer than the total: rejected
            [ma2.credit_code, day.isoformat(), "两期", 3]]  # not a number: rejected
    path = write_xlsx(tmp_path / "中行导出.xlsx", rows, header=header)
    response = post_import(login(world.users["head_a"]), path, "中行导出.xlsx")
    page = response.get_data(as_text=True)
    assert "已记录 1 行，拒绝 2 行" in page and "连续逾期的最长期数不能多于累计逾期期数" in page
    assert "连续逾期期数" in page  # the rejected cell is named in the reason
    recorded = db.session.scalars(select(BankFact)).all()
    assert [(f.merchant_id, f.overdue_run_24m, f.overdue_periods_24m) for f in recorded] == [(ma1.id, 1, 4)]


def test_the_api_reports_and_reads_both_facts(world, api):
    m = world.merchants["m_a1"]
    bank = api(world.users["am_a1"])
    day = (local_today() - timedelta(days=1)).isoformat()
    created = bank.post(f"/api/v1/merchants/{m.credit_code}/bank-facts", json={
        "as_of": day, "source": "信贷系统接口", "overdue_run_24m": 0, "overdue_periods_24m": 1})
    assert created.status_code == 201
    assert (created.get_json()["overdue_run_24m"], created.get_json()["overdue_periods_24m"]) == (0, 1)
    bad = bank.post(f"/api/v1/merchants/{m.credit_code}/bank-facts", json={
        "as_of": day, "source": "x", "overdue_periods_24m": -1})
    assert bad.status_code == 422 and "overdue_periods_24m" in bad.get_json()["error"]["fields"]
    items = bank.get(f"/api/v1/merchants/{m.credit_code}/bank-facts").get_json()["items"]
    assert [(i["overdue_run_24m"], i["overdue_periods_24m"]) for i in items] == [(0, 1)]


@pytest.mark.parametrize(("run", "periods", "expected"), [
    (None, None, {"overdue_run_24m": "unknown", "overdue_periods_24m": "unknown"}),  # nothing reported
    (2, 5, {"overdue_run_24m": "pass", "overdue_periods_24m": "pass"}),  # just under: 2 in a row, 5 in all
    (3, 3, {"overdue_run_24m": "fail", "overdue_periods_24m": "pass"}),  # 连续3期
    (1, 6, {"overdue_run_24m": "pass", "overdue_periods_24m": "fail"}),  # 累计6期及以上
])
def test_the_boc_condition_passes_fails_or_is_unknown_with_its_clause(world, boc, run, periods, expected):
    m = world.merchants["m_a1"]
    if run is not None:
        _report(world, m, overdue_run_24m=run, overdue_periods_24m=periods)
    checks = match(m, boc, local_today()).bank_checks
    assert {c["criterion"]: c["result"] for c in checks} == expected
    assert {c["rule"] for c in checks} == {"base_conditions.no_overdue_run_24m",
                                           "base_conditions.no_overdue_periods_24m"}
    assert all(c["source"]["clause"] == CLAUSE and "连续3期或累计6期" in c["source"]["quote"] for c in checks)
    fails, unknown = base_check(m, boc, local_today())
    assert bool(fails) == ("fail" in expected.values())  # a failed condition: the drive's pre-credit does not apply
    assert bool(unknown) == ("unknown" in expected.values())


def test_a_failed_condition_screens_out_and_the_page_shows_each_check(world, boc, login):
    m = world.merchants["m_a1"]
    _report(world, m, overdue_run_24m=3, overdue_periods_24m=4)
    pair = world.pairs[0]
    pair.campaign = boc
    assert screen(pair, m)["outcome"] == "not_eligible"
    client = login(world.users["lead"])
    page = client.get(f"/merchants/{m.id}/products?campaign={boc.id}").get_data(as_text=True)
    assert re.search(r'data-criterion="overdue_run_24m" data-result="fail"', page)
    assert re.search(r'data-criterion="overdue_periods_24m" data-result="pass"', page)
    assert CLAUSE in page and "不适用" in page


def test_other_drives_do_not_apply_the_boc_condition(world):
    m = world.merchants["m_a1"]
    _report(world, m, overdue_run_24m=9, overdue_periods_24m=12)
    assert match(m, world.campaign, local_today()).bank_checks == []  # 双百工程 (001) has no such condition
