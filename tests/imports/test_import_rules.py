"""Registry import: each rule of reading, checking and applying a file."""
from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.extensions import db
from crm.imports import parsing
from crm.imports.operations import ImportRefused, apply_import, plan_import, rejected_workbook
from crm.merchants import credit_code
from crm.merchants.models import Merchant
from crm.signals import merchant_flagged
from tests.imports.helpers import HEADER_ZH, write_csv, write_xlsx


def code(n: int) -> str:
    body = f"92140428MA{n:07d}"
    return body + credit_code.check_character(body)


def row(n, **kw):
    values = {"code": code(n), "name": f"测试商店{n}", "operator": "张三", "phone": "13900000000",
              "date": "2024-01-05", "trade": "批发零售", "tier": "生存型", "mark": "否", "status": "存续",
              "county": "长子县", "town": "丹朱镇", "district": "丹朱商圈", "revenue": 300000}
    values.update(kw)
    return list(values.values())


def merchant(code_: str) -> Merchant:
    return Merchant.query.filter_by(credit_code=code_).one()


@pytest.mark.parametrize("header,field", [("统一社会信用代码", "credit_code"), ("credit_code", "credit_code"),
                                          ("名 称", "name"), ("（县区）", None), ("县(区)", "county"),
                                          ("县（区）", "county"), ("年营业收入（万元）", "annual_revenue"),
                                          ("registered_on", "registered_on"), ("名特优新有效期", "distinguished_until"),
                                          ("*登记状态", "registry_status"), ("whatever", None)])
def test_headers_are_recognised_in_chinese_and_english(header, field):
    assert parsing.header_field(header)[0] == field


def test_revenue_in_ten_thousands_is_scaled():
    assert parsing.header_field("年营业收入（万元）")[1] == 10000
    assert parsing.parse_amount("12.5", 10000) == Decimal("125000.00")
    assert parsing.parse_amount("3万") == Decimal("30000.00")


@pytest.mark.parametrize("value", [45296, 45296.0, "45296", "2024-01-05", "2024/1/5", "2024年1月5日", "2024.01.05",
                                   "20240105", "２０２４－０１－０５", date(2024, 1, 5)])
def test_each_date_format_is_read(value):
    assert parsing.parse_date(value) == date(2024, 1, 5)


@pytest.mark.parametrize("value", ["2024-13-01", "soon", "1/5/2024"])
def test_bad_dates_are_refused(value):
    with pytest.raises(parsing.CellError):
        parsing.parse_date(value)


@pytest.mark.parametrize("value,expected", [("批发零售", "wholesale_retail"), ("批发和零售业", "wholesale_retail"),
                                            ("住宿和餐饮业", "lodging_catering"), ("交通运输、仓储和邮政业",
                                                                                  "transport_logistics"),
                                            ("信息技术", "other"), ("", "other")])
def test_trades_in_chinese(value, expected):
    assert parsing.parse_trade(value) == expected


@pytest.mark.parametrize("value,expected", [("存续", "operating"), ("在业", "operating"), ("吊销", "revoked"),
                                            ("吊销，未注销", "revoked"), ("注销", "cancelled"), ("异常", "abnormal"),
                                            ("经营异常", "abnormal"), ("abnormal", "abnormal")])
def test_statuses_in_chinese(value, expected):
    assert parsing.parse_status(value) == expected


def test_full_width_and_spaces_are_normalised():
    assert parsing.text("　张三 干洗店　") == "张三干洗店"
    assert parsing.text("ＡＢＣ  Shop") == "ABC Shop"
    assert parsing.parse_phone("１３９ ００００ ００００") == "13900000000"


def test_messy_file_dry_run_reports_each_kind_and_writes_nothing(world, tmp_path):
    existing = world.merchants["m_a1"]
    rows = [
        row(1),
        row(2, code=" ".join(code(2)).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            date=45296.0),
        row(3, code=code(3)[:-1] + ("0" if code(3)[-1] != "0" else "1")),
        row(4, code=code(4)[:10]),
        row(5, county="火星县"),
        row(1, name="重复"),
        row(6, name=""),
        row(7, date="someday"),
        row(8, district="不存在的商圈"),
        [existing.credit_code, existing.name, existing.operator_name, existing.operator_phone, "", "批发零售",
         "成长型", "否", "存续", "长子县", "丹朱镇", "丹朱商圈", 999999],
    ]
    path = write_xlsx(tmp_path / "名录.xlsx", rows)
    before = db_counts()
    plan = plan_import(path, "名录.xlsx")
    assert plan.counts() == {"rows": 10, "created": 2, "updated": 1, "unchanged": 0, "rejected": 7}
    reasons = {r.row: r.reason for r in plan.rejected}
    assert "check character" in reasons[4]
    assert "18 characters" in reasons[5]
    assert "unknown county" in reasons[6]
    assert "duplicate of row 2" in reasons[7]
    assert "name is missing" in reasons[8]
    assert "not a date" in reasons[9]
    assert "unknown district" in reasons[10]
    assert db_counts() == before


def db_counts():
    return (db.session.scalar(select(func.count(Merchant.id))), db.session.scalar(select(func.count(AuditEvent.id))))


def test_apply_creates_normalised_merchants_and_reimport_changes_nothing(world, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [row(1, name="　测试 商店", phone="１３９００００００００", date="2024年1月5日"),
                                            row(2, date=45296, tier="发展型", mark="是", trade="住宿餐饮")])
    plan = apply_import(path, "a.xlsx")
    assert plan.counts()["created"] == 2
    first = merchant(code(1))
    assert (first.name, first.operator_phone, first.registered_on) == ("测试商店", "13900000000", date(2024, 1, 5))
    assert first.name_initials == "cssd"
    assert first.town_id == world.towns[0].id and first.district_id == world.districts[0].id
    second = merchant(code(2))
    assert (second.tier, second.distinguished, second.trade) == ("development", True, "lodging_catering")
    stamp = second.updated_at
    assert AuditEvent.query.filter_by(action="create", object_type="merchants").count() == 2
    events = db_counts()[1]

    again = apply_import(path, "a.xlsx")
    assert again.counts() == {"rows": 2, "created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert db_counts()[1] == events  # neither merchant audit rows nor an import row
    assert merchant(code(2)).updated_at == stamp


def test_changes_are_audited_per_merchant_with_field_diffs(world, tmp_path):
    apply_import(write_xlsx(tmp_path / "a.xlsx", [row(1)]), "a.xlsx")
    apply_import(write_xlsx(tmp_path / "b.xlsx", [row(1, tier="成长型", revenue=450000)]), "b.xlsx")
    m = merchant(code(1))
    updates = AuditEvent.query.filter_by(action="update", object_type="merchants", object_id=str(m.id)).all()
    assert len(updates) == 1
    assert updates[0].changes["tier"] == ["survival", "growth"]
    assert updates[0].changes["annual_revenue"][1] == "450000.00"
    imports = AuditEvent.query.filter_by(action="import").order_by(AuditEvent.id).all()
    assert [e.summary for e in imports] == ["a.xlsx", "b.xlsx"]
    assert imports[1].changes["updated"] == 1


@pytest.mark.parametrize("column,value,reason", [(8, "吊销", "revoked"), (8, "经营异常", "abnormal")])
def test_status_turning_revoked_or_abnormal_is_flagged(world, tmp_path, column, value, reason):
    apply_import(write_xlsx(tmp_path / "a.xlsx", [row(1)]), "a.xlsx")
    flagged = []
    receiver = lambda sender, reason: flagged.append((sender.credit_code, reason))
    merchant_flagged.connect(receiver)
    try:
        changed = row(1)
        changed[column] = value
        apply_import(write_xlsx(tmp_path / "b.xlsx", [changed]), "b.xlsx")
    finally:
        merchant_flagged.disconnect(receiver)
    m = merchant(code(1))
    assert m.registry_status == reason and m.needs_review and reason in m.review_reason
    assert flagged == [(code(1), m.review_reason)]


def test_dishonest_flag_is_flagged(world, tmp_path):
    header = ["统一社会信用代码", "名称", "县区", "失信"]
    apply_import(write_xlsx(tmp_path / "a.xlsx", [[code(1), "店", "长子县", "否"]], header), "a.xlsx")
    apply_import(write_xlsx(tmp_path / "b.xlsx", [[code(1), "店", "长子县", "是"]], header), "b.xlsx")
    m = merchant(code(1))
    assert m.dishonest and m.needs_review and "dishonest" in m.review_reason


def test_gbk_and_bom_csv_with_english_headers(world, tmp_path):
    english = ["credit_code", "name", "county", "town", "registered_on", "registry_status"]
    gbk = write_csv(tmp_path / "gbk.csv", [row(1)], encoding="gbk")
    bom = write_csv(tmp_path / "bom.csv", [[code(2), "王记面馆", "沁县", "定昌镇", "2024/1/5", "在业"]], english,
                    encoding="utf-8-sig")
    apply_import(gbk, "gbk.csv")
    apply_import(bom, "bom.csv")
    assert merchant(code(1)).name == "测试商店1"
    second = merchant(code(2))
    assert (second.county_id, second.town_id, second.registered_on) == (world.counties[1].id, world.towns[2].id,
                                                                        date(2024, 1, 5))


def test_strict_mode_imports_nothing_when_a_row_is_bad(world, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [row(1), row(2, county="火星县")])
    with pytest.raises(ImportRefused):
        apply_import(path, "a.xlsx", strict=True)
    assert Merchant.query.filter(Merchant.credit_code.in_([code(1), code(2)])).count() == 0
    plan = apply_import(path, "a.xlsx")
    assert plan.counts()["created"] == 1 and plan.counts()["rejected"] == 1


def test_a_file_without_a_credit_code_column_is_refused(world, tmp_path):
    with pytest.raises(ImportRefused):
        plan_import(write_xlsx(tmp_path / "a.xlsx", [["x"]], ["名称"]), "a.xlsx")


def test_title_row_above_the_header_is_skipped(world, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [HEADER_ZH, row(1)], ["长子县个体工商户名录（2025年6月）"])
    plan = plan_import(path, "a.xlsx")
    assert plan.counts()["created"] == 1 and plan.created[0][0] == code(1)


def test_rejected_rows_download_lists_row_and_reason(world, tmp_path):
    plan = plan_import(write_xlsx(tmp_path / "a.xlsx", [row(1), row(2, county="火星县"), row(3, name="@SUM(A1)", town="")]),
                       "a.xlsx")
    target = tmp_path / "rejected.xlsx"
    rejected_workbook(plan, target)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Row", "Reason", "统一社会信用代码")
    assert rows[1][0] == 3 and "unknown county" in rows[1][1]
    assert rows[2][0] == 4 and "district needs its town" in rows[2][1]
    assert rows[2][3] == "'@SUM(A1)"  # a spreadsheet must not run it
    assert len(rows) == 3


def test_rows_outside_the_users_area_are_rejected(world, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [row(1), row(2, county="沁县", town="定昌镇", district="定昌市场")])
    plan = plan_import(path, "a.xlsx", world.users["liaison_a1"])
    assert plan.counts()["created"] == 1
    assert "outside the area" in plan.rejected[0].reason


def test_a_file_that_is_not_a_spreadsheet_is_refused(world, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(ImportRefused):
        plan_import(str(path), "a.xlsx")


def test_an_unchanged_row_is_known_by_its_hash_until_the_merchant_is_edited_in_the_app(world, tmp_path):
    from crm.merchants.operations import update_merchant

    path = write_xlsx(tmp_path / "a.xlsx", [row(1), row(2)])
    apply_import(path, "a.xlsx")
    stored = merchant(code(1)).registry_hash
    assert stored and stored != merchant(code(2)).registry_hash
    assert plan_import(path, "a.xlsx").counts() == {"rows": 2, "created": 0, "updated": 0, "unchanged": 2,
                                                    "rejected": 0}
    update_merchant(merchant(code(1)), {"name": "改过的名字"})  # edited in the app: its row is read again
    db.session.commit()
    assert merchant(code(1)).registry_hash is None
    merchant(code(2)).needs_review = True  # not a registry field: the row still matches
    db.session.commit()
    assert merchant(code(2)).registry_hash
    plan = plan_import(path, "a.xlsx")
    assert (len(plan.updated), plan.unchanged) == (1, 1)
    assert plan.updated[0][3]["name"] == ["改过的名字", "测试商店1"]
    apply_import(path, "a.xlsx")
    assert merchant(code(1)).registry_hash == stored


def test_strict_import_refused_late_in_the_file_leaves_nothing(world, tmp_path, monkeypatch):
    """New merchants are written chunk by chunk as the file is checked; a bad row in the last chunk
    still leaves the registry as it was, and their audit rows too."""
    from crm.imports import operations

    monkeypatch.setattr(operations, "CHUNK", 2)
    rows = [row(n) for n in range(1, 6)] + [row(6, district="不存在的商圈")]
    path = write_xlsx(tmp_path / "a.xlsx", rows)
    before = set(db.session.scalars(select(Merchant.credit_code)))
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(ImportRefused):
        apply_import(path, "a.xlsx", strict=True)
    assert set(db.session.scalars(select(Merchant.credit_code))) == before
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    plan = apply_import(path, "a.xlsx")  # without strict mode: the five good rows, in chunks of two
    assert plan.counts()["created"] == 5 and len(plan.rejected) == 1
    assert set(db.session.scalars(select(Merchant.credit_code))) == before | {code(n) for n in range(1, 6)}
    assert all(merchant(code(n)).name_initials for n in range(1, 6))


def test_a_code_registered_meanwhile_fails_the_import_and_leaves_nothing(world, tmp_path, monkeypatch):
    """Another user registers a code after the import looked it up and before it writes it: the database
    refuses the row (on PostgreSQL in a COPY running in the background, reported all the same), and
    none of the file's rows stays."""
    from crm.imports import operations

    monkeypatch.setattr(operations, "CHUNK", 2)
    monkeypatch.setattr(operations._Planner, "_registered", lambda _planner, _codes: {})  # looked up before
    taken = world.merchants["m_a1"].credit_code
    path = write_xlsx(tmp_path / "a.xlsx", [row(1), row(2, code=taken), row(3), row(4), row(5)])
    before = set(db.session.scalars(select(Merchant.credit_code)))
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
        apply_import(path, "a.xlsx")
    assert set(db.session.scalars(select(Merchant.credit_code))) == before


def test_merchants_an_import_turns_abnormal_get_their_plaques_flagged_and_the_figures_stay_right(world, tmp_path):
    """The merchants of a chunk are updated together (one flush): each flagged merchant's plaque still is."""
    from crm.plaques.models import Plaque
    from crm.reports import ledger

    apply_import(write_xlsx(tmp_path / "a.xlsx", [row(1), row(2), row(3)]), "a.xlsx")
    db.session.add_all([Plaque(campaign_id=world.campaign.id, merchant_id=merchant(code(n)).id, status="approved",
                               nominated_by_id=world.users["lead"].id) for n in (1, 2, 3)])
    db.session.commit()
    apply_import(write_xlsx(tmp_path / "b.xlsx", [row(1, status="经营异常"), row(2, status="吊销"), row(3, tier="成长型")]),
                 "b.xlsx")
    flagged = {p.merchant.credit_code: (p.flagged, p.flag_reason) for p in Plaque.query.all()}
    assert [flagged[code(n)] for n in (1, 2, 3)] == [
        (True, "registry status turned abnormal"), (True, "registry status turned revoked"), (False, None)]
    assert ledger.check(db.session.connection(), repair=False) == {}
