"""Every figure of every view of the hand-built drive (tests/reports/conftest.py), counted by hand."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.campaigns.coverage import district_meets_rule
from crm.extensions import db
from crm.products.models import Product
from crm.reports.figures import DERIVED, FIGURE_KEYS, RATIOS, TERRITORIAL, derive
from crm.reports.periods import PeriodError
from crm.reports.rollup import compute
from crm.visits.models import Application
from tests.reports.helpers import rollup

# Figures counted by hand in tests/reports/test_ledger.py (cohorts, first loans), left out here.
LEDGER_ONLY = ("merchants_granted", "first_loans", "first_loan_share", "cohort_granted_amount", "cohort_drawn_amount",
               "cohort_grant_rate", "cohort_drawdown_rate")


def hand(values: dict) -> dict:
    return {k: v for k, v in values.items() if k not in LEDGER_ONLY}


def figures(**given) -> dict:
    """Zero for every count and amount, None for every ratio, except what is given; the derived figures
    (用信率) from the given ones (test_programmes.py checks them by hand)."""
    values = {key: None if key in RATIOS else 0 for key in FIGURE_KEYS if key not in LEDGER_ONLY}
    values.update(given)
    return {**values, **derive(values), **{k: v for k, v in given.items() if k in DERIVED}}


def untied(**given) -> dict:
    """A trade or tier row: the territory's figures do not apply."""
    return figures(**{**dict.fromkeys(TERRITORIAL), **given})


def by_key(result: dict) -> dict:
    return {row["key"]: hand({k: v for k, v in row.items() if k not in ("key", "name")}) for row in result["rows"]}


def approx(values: dict) -> dict:
    return {k: pytest.approx(v, abs=1e-4) if isinstance(v, float) else v for k, v in values.items()}


Q3_A = figures(households=200, merchants_visited=3, visits=4, districts=2, counties=1, counties_covered=1,
               joint_visit_days_held=1, joint_visit_days_due=6, referrals=2, referrals_overdue=1, applications=1,
               applied_amount=100000, granted_amount=200000, drawn_amount=80000, grant_rate=2.0, drawdown_rate=0.8,
               first_time_borrowers=2, avg_granted_rate=0.0345, avg_satisfaction=4.0, needs_open=1, needs_closed=1)
Q3_B = figures(households=4, merchants_visited=2, visits=2, districts=1, districts_meeting_rule=1, counties=1,
               counties_covered=1, joint_visit_days_held=1, joint_visit_days_due=2, matchmaking_meetings=1,
               applications=1, applied_amount=50000, grant_rate=0.0, drawdown_rate=0.0, needs_open=1)
Q3_TOTALS = figures(households=204, merchants_visited=5, visits=6, districts=3, districts_meeting_rule=1, counties=2,
                    counties_covered=2, joint_visit_days_held=2, joint_visit_days_due=8, matchmaking_meetings=1,
                    referrals=2, referrals_overdue=1, applications=2, applied_amount=150000, granted_amount=200000,
                    drawn_amount=80000, grant_rate=200000 / 150000, drawdown_rate=80000 / 150000,
                    first_time_borrowers=2, avg_granted_rate=0.0345, avg_satisfaction=4.0, needs_open=2,
                    needs_closed=1)


def test_quarter_by_county(drive):
    result = rollup(drive.campaign, "2025Q3", "county")
    assert result["campaign_id"] == drive.campaign.id
    assert result["period"] == {"start": "2025-07-01", "end": "2025-09-30"}
    assert [row["name"] for row in result["rows"]] == ["长子县", "沁县"]
    rows = by_key(result)
    assert rows[drive.county_a.id] == approx(Q3_A)
    assert rows[drive.county_b.id] == approx(Q3_B)
    assert hand(result["totals"]) == approx(Q3_TOTALS)


def test_quarter_to_date_with_the_grant_drawn_next_quarter_and_a_null_ratio(drive):
    """Q4 runs to today (10-15); app 1 was granted in Q3 and is drawn here; county B applied nothing."""
    result = rollup(drive.campaign, "2025Q4", "county")
    assert result["period"] == {"start": "2025-10-01", "end": "2025-10-15"}
    rows = by_key(result)
    assert rows[drive.county_a.id] == approx(figures(
        households=200, merchants_visited=3, visits=3, districts=2, districts_meeting_rule=1, counties=1,
        counties_covered=1, joint_visit_days_held=1, joint_visit_days_due=2, matchmaking_meetings=1, referrals=1,
        applications=1, applied_amount=200000, granted_amount=150000, drawn_amount=90000, grant_rate=0.75,
        drawdown_rate=0.45, avg_granted_rate=0.04, avg_satisfaction=3.5, needs_open=1))
    assert rows[drive.county_b.id] == figures(
        households=4, districts=1, districts_meeting_rule=1, counties=1, joint_visit_days_due=1, referrals=1,
        referrals_overdue=1, needs_closed=1)
    assert result["totals"]["counties_covered"] == 1
    assert result["totals"]["grant_rate"] == pytest.approx(0.75)


def test_district_at_exactly_the_threshold_meets_the_rule_from_that_quarter(drive):
    """d_a1: 2 merchants visited by the end of Q3, the 3rd (= threshold) on 10-01; d_b1: 2 of 4 = exactly 50%."""
    q3, q4 = compute(drive.campaign, "2025Q3"), compute(drive.campaign, "2025Q4")
    d_a1, d_a2, d_b1 = drive.world.districts
    met = {period: {d.id: (d.merchants_visited, d.meets_rule) for d in result.districts}
           for period, result in (("q3", q3), ("q4", q4))}
    assert met["q3"] == {d_a1.id: (2, False), d_a2.id: (1, False), d_b1.id: (2, True)}
    assert met["q4"] == {d_a1.id: (3, True), d_a2.id: (2, False), d_b1.id: (2, True)}
    # The same rule as the coverage pages.
    assert district_meets_rule(3, 120, 3, "0.5") and district_meets_rule(2, 4, 3, "0.5")
    assert not district_meets_rule(2, 80, 3, "0.5")


TOWN_A1_Q3 = figures(households=120, merchants_visited=2, visits=3, districts=1, counties=1, counties_covered=1,
                     joint_visit_days_held=1, joint_visit_days_due=3, referrals=2, referrals_overdue=1,
                     applications=1, applied_amount=100000, granted_amount=200000, drawn_amount=80000,
                     grant_rate=2.0, drawdown_rate=0.8, first_time_borrowers=2, avg_granted_rate=0.0345,
                     avg_satisfaction=4.5, needs_closed=1)
TOWN_A2_Q3 = figures(households=80, merchants_visited=1, visits=1, districts=1, counties=1, counties_covered=1,
                     joint_visit_days_due=3, avg_satisfaction=3.0, needs_open=1)
TOWN_B1_Q3 = figures(households=4, merchants_visited=2, visits=2, districts=1, districts_meeting_rule=1, counties=1,
                     counties_covered=1, joint_visit_days_held=1, joint_visit_days_due=2, applications=1,
                     applied_amount=50000, grant_rate=0.0, drawdown_rate=0.0, needs_open=1)


def test_quarter_by_town_puts_a_county_meeting_in_no_town(drive):
    a1, a2, b1 = drive.world.towns
    result = rollup(drive.campaign, "2025Q3", "town")
    rows = by_key(result)
    assert rows[a1.id] == approx(TOWN_A1_Q3)
    assert rows[a2.id] == approx(TOWN_A2_Q3)
    assert rows[b1.id] == approx(TOWN_B1_Q3)
    # County B's matchmaking meeting was held in no particular town.
    assert rows[None] == figures(counties=2, counties_covered=1, matchmaking_meetings=1)
    assert hand(result["totals"]) == approx(Q3_TOTALS)


def test_quarter_by_pair(drive):
    result = rollup(drive.campaign, "2025Q3", "pair")
    rows = by_key(result)
    assert rows[drive.pairs["a1"].id] == approx(TOWN_A1_Q3)
    assert rows[drive.pairs["a2"].id] == approx(TOWN_A2_Q3)
    assert rows[drive.pairs["b1"].id] == approx(TOWN_B1_Q3)
    assert [row["name"] for row in result["rows"]] == ["沁县·定昌镇", "长子县·丹朱镇", "长子县·鲍店镇"]
    assert hand(result["totals"]) == approx(Q3_TOTALS)


def test_quarter_by_trade(drive):
    result = rollup(drive.campaign, "2025Q3", "trade")
    rows = by_key(result)
    assert rows["wholesale_retail"] == approx(untied(
        merchants_visited=3, visits=4, counties=2, counties_covered=2, referrals=1, referrals_overdue=1,
        applications=1, applied_amount=100000, granted_amount=120000, grant_rate=1.2, drawdown_rate=0.0,
        first_time_borrowers=1, avg_granted_rate=0.0345, avg_satisfaction=3.5, needs_open=1, needs_closed=1))
    assert rows["lodging_catering"] == approx(untied(
        merchants_visited=2, visits=2, counties=2, counties_covered=2, referrals=1, applications=1,
        applied_amount=50000, granted_amount=80000, drawn_amount=80000, grant_rate=1.6, drawdown_rate=1.6,
        first_time_borrowers=1, avg_satisfaction=5.0, needs_open=1))
    for code in ("transport_logistics", "agriculture", "manufacturing", "resident_services", "other"):
        assert rows[code] == untied(counties=2)
    assert set(rows) == {"wholesale_retail", "lodging_catering", "transport_logistics", "agriculture",
                         "manufacturing", "resident_services", "other"}
    assert hand(result["totals"]) == approx(Q3_TOTALS)


def test_quarter_by_tier_and_the_unclassified(drive):
    q3 = by_key(rollup(drive.campaign, "2025Q3", "tier"))
    assert q3["growth"] == approx(untied(
        merchants_visited=4, visits=5, counties=2, counties_covered=2, referrals=1, referrals_overdue=1,
        applications=2, applied_amount=150000, granted_amount=120000, grant_rate=0.8, drawdown_rate=0.0,
        first_time_borrowers=1, avg_granted_rate=0.0345, avg_satisfaction=3.5, needs_open=2, needs_closed=1))
    assert q3["survival"] == approx(untied(
        merchants_visited=1, visits=1, counties=2, counties_covered=1, referrals=1, granted_amount=80000,
        drawn_amount=80000, first_time_borrowers=1, avg_satisfaction=5.0))
    assert q3["development"] == untied(counties=2)
    assert None not in q3  # the unclassified merchant did nothing in Q3
    q4 = rollup(drive.campaign, "2025Q4", "tier")
    unclassified = [row for row in q4["rows"] if row["key"] is None]
    assert unclassified and unclassified[0]["visits"] == 1 and unclassified[0]["merchants_visited"] == 1


def test_districts_of_a_county_to_date(drive):
    d_a1, d_a2, _d_b1 = drive.world.districts
    result = rollup(drive.campaign, "2025Q4", "district", within=drive.county_a)
    rows = by_key(result)
    assert set(rows) == {d_a1.id, d_a2.id, None}
    assert rows[d_a1.id] == figures(households=120, merchants_visited=1, visits=1, districts=1,
                                    districts_meeting_rule=1, counties=1, counties_covered=1,
                                    joint_visit_days_held=1, drawn_amount=90000, avg_satisfaction=2.0)
    assert rows[d_a2.id] == approx(figures(
        households=80, merchants_visited=1, visits=1, districts=1, counties=1, counties_covered=1, referrals=1,
        applications=1, applied_amount=200000, granted_amount=150000, grant_rate=0.75, drawdown_rate=0.0,
        avg_granted_rate=0.04, needs_open=1))
    # The town merchant without a district, the county's meeting and the towns' pairs.
    assert rows[None] == figures(merchants_visited=1, visits=1, counties=1, counties_covered=1,
                                 matchmaking_meetings=1, joint_visit_days_due=2, avg_satisfaction=5.0)
    county_a = by_key(rollup(drive.campaign, "2025Q4", "county"))[drive.county_a.id]
    assert hand(result["totals"]) == approx(county_a)


def test_slice_of_a_town(drive):
    a1 = drive.world.towns[0]
    result = rollup(drive.campaign, "2025Q3", "town", within=a1)
    assert [row["key"] for row in result["rows"]] == [a1.id]
    assert hand(result["totals"]) == approx(TOWN_A1_Q3)


def test_drive_to_date_and_months(drive):
    totals = rollup(drive.campaign, "all")["totals"]
    assert (totals["visits"], totals["merchants_visited"]) == (10, 8)
    assert (totals["joint_visit_days_held"], totals["joint_visit_days_due"], totals["matchmaking_meetings"]) == (3, 13, 2)
    assert (totals["applications"], totals["applied_amount"], totals["granted_amount"], totals["drawn_amount"]) == (
        4, 430000, 350000, 170000)
    june = rollup(drive.campaign, "2025-06")["totals"]
    assert hand(june) == figures(households=204, districts=3, counties=2, counties_covered=1, visits=1,
                           merchants_visited=1, joint_visit_days_due=2, applications=1, applied_amount=80000,
                           grant_rate=0.0, drawdown_rate=0.0)
    # Q2 is clipped to the drive's start: the same as June.
    assert rollup(drive.campaign, "2025Q2")["period"] == {"start": "2025-06-01", "end": "2025-06-30"}


def test_empty_drive(bare_drive):
    result = rollup(bare_drive.campaign, "all", "county")
    assert hand(result["totals"]) == figures(households=204, districts=3, counties=2, joint_visit_days_due=13)
    assert all(row["visits"] == 0 and row["grant_rate"] is None for row in result["rows"])


@pytest.mark.parametrize("code", ["2025Q5", "2025-13", "Q3", "2026Q1", "2025Q1", "2025-11"])
def test_periods_outside_the_drive_or_unreadable(drive, code):
    with pytest.raises(PeriodError):
        rollup(drive.campaign, code)


def test_period_edges(drive):
    assert rollup(drive.campaign, "2025q3")["period"]["end"] == "2025-09-30"
    assert rollup(drive.campaign, "ALL")["period"] == {"start": "2025-06-01", "end": "2025-10-15"}
    assert date.fromisoformat(rollup(drive.campaign, "2025-10")["period"]["end"]) == date(2025, 10, 15)


def test_dashboard_trend_funnel_kinds_and_changes(drive):
    from crm.reports.operations import dashboard
    from crm.reports.periods import parse_period

    board = dashboard(drive.campaign, parse_period("2025Q3", drive.campaign), drive.campaign.territory, "places")
    assert [(m["month"], m["visits"], m["granted_amount"]) for m in board.trend] == [
        ("2025-06", 1, 0), ("2025-07", 2, 80000), ("2025-08", 2, 0), ("2025-09", 2, 120000)]
    # Q3's referrals: one drawn (reached every stage), one closed (listed only).
    assert board.funnel == [("listed", 2), ("contacted", 1), ("visited", 1), ("applied", 1), ("granted", 1),
                            ("drawn", 1)]
    assert board.visit_kinds == {"first": 4, "follow_up": 2}
    assert board.previous.period.code == "2025Q2"
    assert board.changes["visits"] == (5, 5.0)
    # Q2: 80,000 applied, nothing granted (0%); rates change in points, with no relative change.
    assert board.changes["grant_rate"] == (pytest.approx(200000 / 150000, abs=1e-4), None)
    county = dashboard(drive.campaign, parse_period("2025Q3", drive.campaign), drive.county_b, "places")
    assert [m["visits"] for m in county.trend] == [0, 0, 1, 1]
    assert county.funnel[0] == ("listed", 0)
    product = Product(name="极速贷", bank_name="邮储银行")
    db.session.add(product)
    db.session.flush()
    db.session.scalars(select(Application).where(Application.applied_on == date(2025, 10, 3))).one().product = product
    db.session.commit()
    products = dashboard(drive.campaign, parse_period("all", drive.campaign), drive.campaign.territory, "product")
    assert products.rows == [  # most granted first
        {"key": None, "name": "No product", "applications": 3, "applied_amount": 230000.0,
         "granted_amount": 200000.0, "drawn_amount": 170000.0, "grant_rate": pytest.approx(200000 / 230000),
         "drawdown_rate": pytest.approx(170000 / 230000), "first_time_borrowers": 2,
         "avg_granted_rate": pytest.approx(0.0345), "utilization_rate": 0.85},
        {"key": product.id, "name": "极速贷", "applications": 1, "applied_amount": 200000.0,
         "granted_amount": 150000.0, "drawn_amount": 0.0, "grant_rate": 0.75, "drawdown_rate": 0.0,
         "first_time_borrowers": 0, "avg_granted_rate": pytest.approx(0.04), "utilization_rate": 0.0},
    ]


def test_views_computed_together_equal_views_computed_alone(drive):
    from crm.reports.rollup import compute_views

    together = compute_views(drive.campaign, "2025Q3", ("county", "pair", "trade", "tier", "town", "district"))
    for by, result in together.items():
        alone = compute(drive.campaign, "2025Q3", by)
        assert (result.rows, result.totals) == (alone.rows, alone.totals), by
