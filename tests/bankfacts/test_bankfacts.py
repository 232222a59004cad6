"""Bank facts: a branch records the loan facts its criteria need, by hand or from its .xlsx export."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from crm.bankfacts.models import BankFact
from crm.extensions import db
from crm.timeutil import local_today
from tests.imports.helpers import write_xlsx

HEADER = ["统一社会信用代码", "数据日期", "累计用款期限（月）", "不良贷款记录", "近12个月逾期次数", "授信额度（万元）",
          "虚假报送数据"]


def count() -> int:
    return db.session.scalar(select(func.count(BankFact.id)))


def post_import(client, path, name: str):
    with open(path, "rb") as handle:
        return client.post("/bank-facts/import", data={"file": (handle, name)}, content_type="multipart/form-data")


def test_branch_head_records_a_report(world, login):
    m = world.merchants["m_a1"]
    client = login(world.users["head_a"])
    day = local_today() - timedelta(days=2)
    response = client.post(f"/merchants/{m.id}/bank-facts", data={
        "as_of": day.isoformat(), "source": "信贷管理系统", "loan_months": "26", "bad_loans": "no",
        "overdue_12m": "", "credit_line_wan": "55", "false_reporting": ""})
    assert response.status_code == 302
    fact = db.session.scalar(select(BankFact))
    assert (fact.as_of, fact.source, fact.loan_months, fact.bad_loans, fact.overdue_12m, fact.credit_line,
            fact.false_reporting, fact.bank_org_id) == (day, "信贷管理系统", 26, False, None, Decimal(550000), None,
                                                        world.orgs["branch_a"].id)
    page = client.get(f"/merchants/{m.id}/bank-facts").get_data(as_text=True)
    assert "信贷管理系统" in page and "邮储银行长子县支行" in page


def test_bad_reports_change_nothing_and_say_why_in_chinese(world, login):
    m = world.merchants["m_a1"]
    client = login(world.users["am_a1"])
    future = client.post(f"/merchants/{m.id}/bank-facts", data={
        "as_of": (local_today() + timedelta(days=1)).isoformat(), "source": "系统", "loan_months": "30"})
    assert future.status_code == 422 and "银行数据日期不能晚于今天" in future.get_data(as_text=True)
    empty = client.post(f"/merchants/{m.id}/bank-facts", data={"as_of": local_today().isoformat(), "source": "系统"})
    assert empty.status_code == 422 and "请至少填写一项贷款信息" in empty.get_data(as_text=True)
    negative = client.post(f"/merchants/{m.id}/bank-facts", data={
        "as_of": local_today().isoformat(), "source": "系统", "overdue_12m": "-1"})
    assert negative.status_code == 422
    assert count() == 0


def test_only_the_branch_staff_who_see_the_merchant_record(world, login):
    m = world.merchants["m_a1"]
    data = {"as_of": local_today().isoformat(), "source": "系统", "loan_months": "30"}
    liaison = login(world.users["liaison_a1"])
    assert liaison.get(f"/merchants/{m.id}/bank-facts").status_code == 200  # reads the facts
    assert liaison.post(f"/merchants/{m.id}/bank-facts", data=data).status_code == 404
    assert liaison.get("/bank-facts/import").status_code == 404
    other = login(world.users["am_b1"])  # another county's account manager
    assert other.post(f"/merchants/{m.id}/bank-facts", data=data).status_code == 404
    assert count() == 0


def test_import_good_and_bad_rows(world, login, tmp_path):
    ma1, ma2, mb1 = (world.merchants[k] for k in ("m_a1", "m_a2", "m_b1"))
    day = local_today() - timedelta(days=5)
    rows = [
        [ma1.credit_code, datetime.combine(day, datetime.min.time()), 30, "无", 2, 60, "否"],
        [ma2.credit_code, day.strftime("%Y年%m月%d日"), 12, "", None, None, None],  # empty: not known
        ["91140400MA0KXXXX1X", day.isoformat(), 30, "无", 0, 60, "否"],  # not a valid code
        [mb1.credit_code, day.isoformat(), 30, "无", 0, 60, "否"],  # another county's merchant
        [ma1.credit_code, day.isoformat(), 30, "无", "三次", 60, "否"],  # not a number
        [ma1.credit_code, (local_today() + timedelta(days=3)).isoformat(), 30, "无", 0, 60, "否"],  # future
        [ma1.credit_code, "", 30, "无", 0, 60, "否"],  # no date
        [ma1.credit_code, "2026年13月45日", 30, "无", 0, 60, "否"],  # not a date
        [ma1.credit_code, day.isoformat(), None, "", None, None, ""],  # no fact at all
        [ma1.credit_code, day.isoformat(), 30, "也许", 0, 60, "否"],  # neither yes nor no
        [ma1.credit_code, day.isoformat(), 30, "无", 2.5, 60, "否"],  # half an overdue
    ]
    path = write_xlsx(tmp_path / "建行导出.xlsx", rows, header=HEADER)
    response = post_import(login(world.users["head_a"]), path, "建行导出.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已记录 2 行，拒绝 9 行" in page
    for text in ("校验码错误", "不在您辖区的名录库中", "逾期次数", "不是有效日期", "银行数据日期不能晚于今天",
                 "请填写银行数据的日期", "请至少填写一项贷款信息", "既不是“是”也不是“否”", "不是整数"):
        assert text in page, text
    facts = {f.merchant_id: f for f in db.session.scalars(select(BankFact))}
    assert set(facts) == {ma1.id, ma2.id}  # the rejected rows changed nothing
    a1 = facts[ma1.id]
    assert (a1.as_of, a1.loan_months, a1.bad_loans, a1.overdue_12m, a1.credit_line, a1.false_reporting, a1.source) \
        == (day, 30, False, 2, Decimal(600000), False, "建行导出.xlsx")
    a2 = facts[ma2.id]
    assert (a2.as_of, a2.loan_months, a2.bad_loans, a2.overdue_12m, a2.credit_line) == (day, 12, None, None, None)


def test_import_refuses_a_file_without_the_code_column(world, login, tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", [["a", date(2026, 1, 1)]], header=["名称", "日期"])
    response = post_import(login(world.users["head_a"]), path, "x.xlsx")
    assert response.status_code == 422 and "统一社会信用代码" in response.get_data(as_text=True)
    assert count() == 0


def test_a_branch_system_reports_and_reads_through_the_api(world, api):
    m = world.merchants["m_a1"]
    bank = api(world.users["am_a1"])
    day = (local_today() - timedelta(days=1)).isoformat()
    created = bank.post(f"/api/v1/merchants/{m.credit_code}/bank-facts", json={
        "as_of": day, "source": "信贷系统接口", "loan_months": 28, "bad_loans": False, "credit_line": "520000"})
    assert created.status_code == 201
    assert created.get_json()["credit_line"] == 520000 and created.get_json()["overdue_12m"] is None
    bad = bank.post(f"/api/v1/merchants/{m.credit_code}/bank-facts", json={"as_of": day, "source": "x",
                                                                          "overdue_12m": -2})
    assert bad.status_code == 422 and "overdue_12m" in bad.get_json()["error"]["fields"]
    empty = bank.post(f"/api/v1/merchants/{m.credit_code}/bank-facts", json={"as_of": day, "source": "x"})
    assert empty.status_code == 422
    assert api(world.users["liaison_a1"]).post(f"/api/v1/merchants/{m.credit_code}/bank-facts", json={
        "as_of": day, "source": "x", "loan_months": 1}).status_code == 404  # the bureau reads, never reports
    assert api(world.users["am_b1"]).get(f"/api/v1/merchants/{m.credit_code}/bank-facts").status_code == 404
    items = api(world.users["liaison_a1"]).get(f"/api/v1/merchants/{m.credit_code}/bank-facts").get_json()["items"]
    assert [(i["as_of"], i["loan_months"], i["source"]) for i in items] == [(day, 28, "信贷系统接口")]
