"""The circulation notice (通报) of a generated drive, opened as the real .xlsx; Tai'an's published rates
reproduced from records; changes measured against the same days of the previous quarter.

The generated drive (today 2025-12-02, Q4 so far 10-01…12-02, 63 days; rule 100 households or 20%):
- 长子县: 丹朱商圈 (120 households) 30 merchants visited in Q4, 鲍店市场 (80) 20 → 50, coverage met;
  pairs 丹朱镇 (3 joint visit days held of 3 due) and 鲍店镇 (1 of 3) → 4 of 6, not met; one matchmaking
  meeting; one application: 100万 applied, 80万 granted, 60万 drawn.
- 沁县: 定昌市场 (60) 5 merchants → 5 < 12, coverage not met; pair 定昌镇 3 of 3; no meeting.
- 屯留区: 麟绛市场 (50) 12 merchants → meets; no pair (joint visit days not assessed); two meetings;
  town 余吾镇 has no district and no visit.
- Q3: 10 merchants visited on 08-15 (within Q3's first 63 days, 07-01…09-01) and 20 more on 09-15.
- Referrals listed in Q4: 长子县 12 (2 assigned, 3 contacted, 2 visited, 2 applied, 1 granted, 2 drawn),
  沁县 8 (5 visited merchants and 3 not visited: 2 assigned, 2 contacted, 1 visited, 1 applied, 1 granted, 1 closed).
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from io import BytesIO
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from crm.events.models import Event
from crm.extensions import db
from crm.referrals.models import Referral, ReferralList
from crm.reports.export import RANKING_FIGURES
from crm.reports.operations import dashboard
from crm.reports.periods import calendar_bounds, comparison, parse_period, previous_code
from crm.reports.rollup import compute
from crm.timeutil import LOCAL_TZ, freeze
from tests import factories
from tests.reports.conftest import application, at, visit

TODAY = datetime(2025, 12, 2, 10, 0, tzinfo=LOCAL_TZ)
_names = itertools.count(1)


def _merchants(district, count: int) -> list:
    return [factories.merchant(f"商户{next(_names)}号", district) for _ in range(count)]


@pytest.fixture
def generated(app):
    with freeze(TODAY):
        world = factories.build_world()
        camp, am = world.campaign, world.users["am_a1"]
        camp.starts_on, camp.ends_on = date(2025, 6, 1), date(2025, 12, 31)
        ca, cb = world.counties
        cc = factories.region("屯留区", "county", world.city, code="140405")
        c1, c2 = factories.region("麟绛镇", "town", cc), factories.region("余吾镇", "town", cc)
        d_c1 = factories.region("麟绛市场", "district", c1, district_kind="market", households=50)
        d_a1, d_a2, d_b1 = world.districts
        for pair in world.pairs:
            pair.created_at = at(date(2025, 6, 1), 9)
        db.session.flush()
        groups = {"a1": _merchants(d_a1, 30), "a2": _merchants(d_a2, 20), "b1": _merchants(d_b1, 5),
                  "c1": _merchants(d_c1, 12), "q3": _merchants(d_a1, 30), "b1 listed": _merchants(d_b1, 3)}
        for key in ("a1", "a2", "b1", "c1"):
            for n, m in enumerate(groups[key]):
                visit(camp, m, date(2025, 10, 1) + timedelta(days=n), am)
        for n, m in enumerate(groups["q3"]):
            visit(camp, m, date(2025, 8, 15) if n < 10 else date(2025, 9, 15), am)
        application(camp, groups["a1"][0], am, date(2025, 10, 10), 1000000, date(2025, 10, 20), 800000, "0.04",
                    date(2025, 11, 1), 600000)
        a1, a2, b1 = world.pairs
        for pair, held in ((a1, 3), (a2, 1), (b1, 3)):
            for day in (date(2025, 10, 12), date(2025, 11, 12), date(2025, 12, 1))[:held]:
                db.session.add(Event(campaign_id=camp.id, kind="joint_visit_day", status="held", pair_id=pair.id,
                                     county_id=pair.county_id, region_id=pair.region_id, planned_on=day, held_on=day))
        for county, day in ((ca, date(2025, 11, 5)), (cc, date(2025, 10, 20)), (cc, date(2025, 11, 20))):
            db.session.add(Event(campaign_id=camp.id, kind="matchmaking", status="held", county_id=county.id,
                                 planned_on=day, held_on=day))
        rl = ReferralList(campaign_id=camp.id, name="十月名单", bank_org_id=world.orgs["bank"].id)
        db.session.add(rl)
        db.session.flush()
        statuses = {"a1": ["assigned"] * 2 + ["contacted"] * 3 + ["visited"] * 2 + ["applied"] * 2 + ["granted"]
                    + ["drawn"] * 2,
                    "b1": ["assigned"] * 2 + ["contacted"] * 2 + ["visited", "applied", "granted", "closed"]}
        for key, states in statuses.items():
            listed = groups[key] + groups["b1 listed"] if key == "b1" else groups[key]
            for m, status in zip(listed, states, strict=False):
                db.session.add(Referral(list_id=rl.id, campaign_id=camp.id, merchant_id=m.id, status=status,
                                        created_at=at(date(2025, 10, 8)), status_changed_at=at(date(2025, 10, 20)),
                                        deadline_on=date(2025, 12, 31)))
        db.session.commit()
        yield SimpleNamespace(world=world, campaign=camp, counties=(ca, cb, cc), towns=(c1, c2))


def _notice(client, login, generated, lang: str):
    login(generated.world.users["lead"])
    client.get(f"/lang/{lang}")
    with freeze(TODAY):
        response = client.get(f"/reports/notice.xlsx?campaign={generated.campaign.id}&period=2025Q4")
    assert response.status_code == 200
    return load_workbook(BytesIO(response.data))


def _table(sheet, first_row: int = 5) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=first_row)
            if any(cell.value is not None for cell in row)]


def test_notice_ranks_funnel_quotas_laggards_and_findings(generated, client, login):
    book = _notice(client, login, generated, "en")
    assert book.sheetnames == ["Notice", "County", "Town", "Liaison pair", "Referral funnel", "Quotas", "Laggards",
                               "Definitions"]
    county = book["County"]
    assert county["A3"].value == ("Amounts in 10k yuan. Changes vs the same days of the previous quarter "
                                  "(2025-07-01 to 2025-09-01).")
    header = [cell.value for cell in county[4]]
    assert header[:2] == ["Rank", "County"] and len(header) == 2 + len(RANKING_FIGURES)
    col = {name: header.index(name) for name in ("Merchants visited", "Amount applied (10k yuan)",
                                                  "Amount granted (10k yuan)", "Amount drawn (10k yuan)",
                                                  "Utilization rate")}
    rows = _table(county)
    assert [(r[0], r[1], r[col["Merchants visited"]]) for r in rows] == [
        (1, "长子县", 50), (2, "屯留区", 12), (3, "沁县", 5), (None, "Total", 67)]
    assert [rows[0][col[k]] for k in ("Amount applied (10k yuan)", "Amount granted (10k yuan)",
                                      "Amount drawn (10k yuan)", "Utilization rate")] == [100, 80, 60, 0.75]
    towns = _table(book["Town"])
    assert [(r[0], r[1], r[2]) for r in towns[:5]] == [(1, "丹朱镇", "长子县"), (2, "鲍店镇", "长子县"),
                                                        (3, "麟绛镇", "屯留区"), (4, "定昌镇", "沁县"),
                                                        (5, "余吾镇", "屯留区")]
    funnel = _table(book["Referral funnel"])
    assert [(r[0], r[1]) for r in funnel[:6]] == [("Handed over", 20), ("Contacted", 15), ("Visited", 10),
                                                  ("Applied", 7), ("Granted", 4), ("Drawn", 2)]
    assert funnel[1][2] == pytest.approx(0.75) and funnel[5][3] == pytest.approx(0.1)
    assert funnel[6][0] == "By county" and funnel[7][:2] == ["County", "Handed over"]
    by_county = {r[0]: r[1:7] for r in funnel[8:]}
    assert by_county == {"长子县": [12, 10, 7, 5, 3, 2], "沁县": [8, 5, 3, 2, 1, 0], "屯留区": [0] * 6}
    quotas = {r[0]: r[1:] for r in _table(book["Quotas"])}
    assert quotas == {
        "长子县": [4, 6, "Not met", 1, 1, "Met", 2, 2, "Yes", "Met", "Not met"],
        "沁县": [3, 3, "Met", 0, 1, "Not met", 1, 0, "Yes", "Not met", "Not met"],
        "屯留区": [0, 0, "—", 2, 1, "Met", 1, 1, "Yes", "Met", "Met"]}
    assert _table(book["Laggards"]) == [["长子县", "County", "joint visit days"],
                                        ["沁县", "County", "matchmaking meetings, coverage"],
                                        ["长子县·鲍店镇", "Liaison pair", "joint visit days"],
                                        ["余吾镇", "Town", "no visit"]]
    findings = [row[0] for row in _table(book["Notice"]) if row[0]][:6]
    assert findings == [
        ("From 2025-10-01 to 2025-12-02, 67 merchants were visited (67 visits). Merchants visited vs the same days "
         "of the previous quarter: up 57 (570.0%)."),
        ("Amount signed (applied for) 100, granted 80, drawn 60 (10k yuan); grant rate 80.0%, drawdown rate 60.0%, "
         "utilization rate 75.0%."),
        "By merchants visited, 长子县 ranks first (50) and 沁县 last (5) of 3 counties.",
        "Quotas met by county: joint visit days 1 of 2; matchmaking meetings 2 of 3; coverage 2 of 3.",
        "Of 20 merchants handed over, 15 were contacted (75.0%), 7 applied, 4 were granted credit and 2 drew it.",
        ("To be urged: 长子县 (joint visit days), 沁县 (matchmaking meetings, coverage), 长子县·鲍店镇 (joint visit "
         "days). No visit in the period in these towns (1): 余吾镇.")]
    notice = book["Notice"]
    figures = {row[0].value: row for row in notice.iter_rows(min_row=13) if row[0].value}
    assert notice.cell(12, 3).value == "Change (vs the same days of the previous quarter)"
    visited = figures["Merchants visited"]
    assert (visited[1].value, visited[2].value, visited[2].font.color.rgb) == (67, 57, "001E7B4F")
    assert figures["Amount granted (10k yuan)"][1].value == 80
    definitions = {r[0]: r[1] for r in _table(book["Definitions"])}
    assert "签约" in definitions["Grant rate"] and definitions["Utilization rate"].startswith("用信率")
    assert "Amount granted (10k yuan)" in definitions


def test_notice_in_chinese_says_the_same(generated, client, login):
    book = _notice(client, login, generated, "zh_Hans")
    assert book.sheetnames[:3] == ["通报", "县区", "乡镇"]
    findings = "".join(row[0] for row in _table(book["通报"])[:6] if row[0])
    assert "2025-10-01至2025-12-02" in findings and "较上季度同期" in findings and "万元" in findings
    assert "需督导：长子县（联合走访日）、沁县（银企对接会、商圈覆盖）" in findings
    assert "商户67户（67次）。走访商户数较上季度同期增加57户（570.0%）。" in findings
    header = [cell.value for cell in book["县区"][4]]
    assert "授信金额（万元）" in header and "用信率" in header


def test_the_quarter_so_far_is_set_against_the_same_days_of_the_last(generated):
    with freeze(TODAY):
        q4 = parse_period("2025Q4", generated.campaign)
        board = dashboard(generated.campaign, q4, generated.campaign.territory, "places")
    assert (board.comparison.period.start, board.comparison.period.end) == (date(2025, 7, 1), date(2025, 9, 1))
    assert board.comparison.same_days and board.comparison.label == "vs the same days of the previous quarter"
    # 10 merchants in Q3's first 63 days, not the 30 of the whole quarter.
    assert board.previous.totals["merchants_visited"] == 10
    assert board.changes["merchants_visited"] == (57, 5.7)


def test_the_dashboard_labels_the_changes(generated, client, login):
    login(generated.world.users["lead"])
    client.get("/lang/zh_Hans")
    with freeze(TODAY):
        html = client.get(f"/reports/?campaign={generated.campaign.id}&period=2025Q4").get_data(as_text=True)
    assert "较上季度同期（2025-07-01 – 2025-09-01）" in html
    assert 'class="rep-change rep-up" title="较上季度同期"' in html


DRIVES = st.tuples(st.dates(date(2023, 1, 1), date(2026, 12, 31)), st.integers(0, 500), st.integers(0, 900))


@settings(max_examples=40, deadline=None)
@given(drive=DRIVES, kind=st.sampled_from(("quarter", "month")))
def test_a_comparison_never_runs_longer_than_the_period(drive, kind):
    starts_on, length, today_offset = drive
    campaign = SimpleNamespace(starts_on=starts_on, ends_on=starts_on + timedelta(days=length))
    today = starts_on + timedelta(days=today_offset // 2)
    with freeze(datetime(today.year, today.month, today.day, 12, tzinfo=LOCAL_TZ)):
        last = min(campaign.ends_on, today)
        code = f"{last.year}Q{(last.month - 1) // 3 + 1}" if kind == "quarter" else f"{last.year}-{last.month:02d}"
        if last < starts_on:
            return
        period = parse_period(code, campaign)
        against = comparison(period, campaign)
    first, end_of_period = calendar_bounds(code)
    previous_start, previous_end = calendar_bounds(previous_code(code))
    if against is None:  # what is compared lies wholly before the drive
        assert min(previous_start + (period.end - first), previous_end) < starts_on
        return
    cut = against.period
    assert against.same_days == (period.end < end_of_period)
    assert cut.code == previous_code(code) and cut.start == max(previous_start, starts_on)
    # A period so far: as many days of the previous one as it has run (or all of it); a whole period: all of it.
    elapsed = previous_start + (period.end - first)
    assert cut.end == (min(elapsed, previous_end) if against.same_days else previous_end)
    assert cut.end < period.start


def test_tai_an_rates_from_records(bare_drive, client, login):
    """新泰 (seeds/003): 59 projects signed for 118.9亿, 128.6亿 granted → 授信率 108%; 106.98亿 in place →
    资金到位率 90%. Here 59 applications of the quarter carry those amounts (签约 = the amount applied for)."""
    camp, am = bare_drive.campaign, bare_drive.users["am_a1"]
    merchant = bare_drive.merchants["m_a1"]
    yi = 100_000_000
    for n in range(59):
        last = n == 58
        application(camp, merchant, am, date(2025, 7, 10), (2.9 if last else 2) * yi, date(2025, 8, 10),
                    (1.0 if last else 2.2) * yi, None, date(2025, 9, 10), (2.58 if last else 1.8) * yi)
    db.session.commit()
    totals = compute(camp, parse_period("2025Q3", camp), "county").totals
    assert (totals["applications"], totals["applied_amount"], totals["granted_amount"], totals["drawn_amount"]) == (
        59, 118.9 * yi, 128.6 * yi, 106.98 * yi)
    assert round(totals["grant_rate"] * 100) == 108 and round(totals["drawdown_rate"] * 100) == 90
    assert totals["utilization_rate"] == round(106.98 / 128.6, 4)
    login(bare_drive.users["lead"])
    client.get("/lang/zh_Hans")
    book = load_workbook(BytesIO(client.get(f"/reports/notice.xlsx?campaign={camp.id}&period=2025Q3").data))
    header = [cell.value for cell in book["县区"][4]]
    county = {row[1]: row for row in _table(book["县区"])}["长子县"]
    values = [county[header.index(name)] for name in ("申请金额（万元）", "授信金额（万元）", "用信金额（万元）")]
    assert values == [1_189_000, 1_286_000, 1_069_800]  # 118.9亿, 128.6亿, 106.98亿 in 万元
    assert [round(county[header.index(name)] * 100) for name in ("授信率", "资金到位率")] == [108, 90]
    assert book["县区"].cell(5, header.index("授信率") + 1).number_format == "0.0%"
    findings = "".join(row[0] for row in _table(book["通报"])[:6] if row[0])
    assert "签约（申请）金额1,189,000万元，授信1,286,000万元，用信1,069,800万元；授信率108.16%，资金到位率89.97%" in findings
