"""The figures' ledger: every record is in every figure of every period at once, exactly; the nightly
check finds what was changed behind the app's back and repairs it; a generated drive's figures equal
the plainest SQL over its records, every period."""
from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from crm.campaigns.models import Campaign
from crm.demo.build import build_demo
from crm.extensions import db
from crm.reminders import scheduler
from crm.reports import ledger
from crm.reports.figures import RATIOS
from crm.reports.periods import comparison, parse_period, period_choices
from crm.reports.rollup import compute
from crm.timeutil import freeze, local_today
from crm.visits.models import Application, Visit
from tests.reports.conftest import application, visit
from tests.reports.helpers import rollup

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))  # the plain SQL lives with the benchmark

import bench_rollup


def every_period(campaign) -> dict[tuple[str, str], float]:
    """{(period, figure): value} of the drive's totals, every period, ratios left out."""
    return {(code, key): value for code in period_choices(campaign)
            for key, value in compute(campaign, code).totals.items() if key not in RATIOS}


def moved(before: dict, after: dict) -> dict:
    return {key: after[key] - before[key] for key in before if after[key] != before[key]}


def test_a_visit_a_late_visit_an_edit_and_a_deletion_move_exactly_their_figures_at_once(drive):
    campaign, m_b1, am = drive.campaign, drive.merchants["m_b1"], drive.world.users["am_b1"]
    start = every_period(campaign)
    # Today's visit of a merchant not yet visited this month (county B's only visit of October).
    visit(campaign, m_b1, date(2025, 10, 15), am, satisfaction=4)
    db.session.commit()
    today = every_period(campaign)
    assert moved(start, today) == {
        ("2025-10", "visits"): 1, ("2025Q4", "visits"): 1, ("all", "visits"): 1,
        ("2025-10", "merchants_visited"): 1, ("2025Q4", "merchants_visited"): 1,  # already visited in August
        ("2025-10", "counties_covered"): 1, ("2025Q4", "counties_covered"): 1}
    # A late visit, dated in August, entered today: a merchant already visited in August.
    late = visit(campaign, m_b1, date(2025, 8, 20), am)
    db.session.commit()
    after_late = every_period(campaign)
    assert moved(today, after_late) == {("2025-08", "visits"): 1, ("2025Q3", "visits"): 1, ("all", "visits"): 1}
    # An edit moves it to July, when the merchant had no visit: July gains a merchant, August loses the visit.
    late.visited_on = date(2025, 7, 20)
    db.session.commit()
    after_edit = every_period(campaign)
    assert moved(after_late, after_edit) == {("2025-08", "visits"): -1, ("2025-07", "visits"): 1,
                                             ("2025-07", "merchants_visited"): 1, ("2025-07", "counties_covered"): 1}
    # The deletion takes it out of every period.
    db.session.delete(late)
    db.session.commit()
    assert every_period(campaign) == today
    assert ledger.check(db.session.connection(), repair=False) == {}


def test_an_outcome_and_a_place_change_move_the_figures_of_their_days(drive):
    campaign, m_a2 = drive.campaign, drive.merchants["m_a2"]
    before = every_period(campaign)
    app = application(campaign, drive.merchants["m_b1"], drive.world.users["am_b1"], date(2025, 9, 10), 1000)
    db.session.flush()
    db.session.delete(app)  # a slip, withdrawn in the same transaction
    db.session.commit()
    assert every_period(campaign) == before
    # County A's merchant m_a2 moves to county B's district: its October figures move with it.
    q4 = rollup(campaign, "2025Q4")["rows"]
    m_a2.county_id, m_a2.town_id, m_a2.district_id = (drive.county_b.id, drive.world.towns[2].id,
                                                       drive.world.districts[2].id)
    db.session.commit()
    moved_rows = {row["key"]: row for row in rollup(campaign, "2025Q4")["rows"]}
    for row in q4:
        sign = -1 if row["key"] == drive.county_a.id else 1
        assert moved_rows[row["key"]]["applied_amount"] == row["applied_amount"] + sign * 200000
    assert ledger.check(db.session.connection(), repair=False) == {}


def test_cohorts_and_first_loans_counted_by_hand(drive):
    q3 = {row["key"]: row for row in rollup(drive.campaign, "2025Q3")["rows"]}[drive.county_a.id]
    # Applied in Q3: m_a1's 100,000, granted 120,000 in Q3 and drawn 90,000 in Q4 — the cohort follows it.
    assert (q3["cohort_granted_amount"], q3["cohort_drawn_amount"]) == (120000, 90000)
    assert (q3["cohort_grant_rate"], q3["cohort_drawdown_rate"]) == (1.2, 0.9)
    assert (q3["granted_amount"], q3["drawn_amount"]) == (200000, 80000)  # by event date: two grants
    # Granted in Q3: m_a1 and m_a1b, each their first loan recorded; the bank marked both too.
    assert (q3["merchants_granted"], q3["first_loans"], q3["first_loan_share"], q3["first_time_borrowers"]) == (
        2, 2, 1.0, 2)
    q4_rollup = rollup(drive.campaign, "2025Q4")
    assert q4_rollup["as_of"] == "2025-10-15T02:00:00Z"  # read now (10:00 in Changzhi): every saved record in
    q4 = q4_rollup["totals"]
    assert (q4["merchants_granted"], q4["first_loans"]) == (1, 1)  # m_a2, unmarked by the bank
    # A loan recorded earlier (another application, granted in June) makes m_a2's no first loan.
    application(drive.campaign, drive.merchants["m_a2"], drive.world.users["am_a1"], date(2025, 6, 2), 5000,
                date(2025, 6, 9), 5000)
    db.session.commit()
    q4 = rollup(drive.campaign, "2025Q4")["totals"]
    assert (q4["merchants_granted"], q4["first_loans"], q4["first_loan_share"]) == (1, 0, 0.0)
    assert rollup(drive.campaign, "2025-06")["totals"]["first_loans"] == 1


def test_edits_of_the_records_behind_distinct_counts_keep_the_ledger_equal_to_the_records(drive):
    """Each change is added as it is saved (record by record); the check recomputes from the records."""
    campaign, ms, am = drive.campaign, drive.merchants, drive.world.users["am_a1"]
    first_of_m_a1 = db.session.scalars(select(Visit).where(Visit.merchant_id == ms["m_a1"].id)
                                       .order_by(Visit.visited_on)).first()
    granted = db.session.scalars(select(Application).where(Application.merchant_id == ms["m_a1"].id)).one()
    edits = [
        lambda: setattr(first_of_m_a1, "visited_on", date(2025, 9, 2)),  # its first visit now the second
        lambda: setattr(first_of_m_a1, "merchant_id", ms["m_b1b"].id),  # to another merchant, in county B
        lambda: setattr(granted, "granted_on", date(2025, 10, 9)),  # the grant moves to Q4
        lambda: setattr(granted, "first_time_borrower", False),
        lambda: application(campaign, ms["m_a1"], am, date(2025, 7, 1), 3000, date(2025, 7, 4), 3000),  # earlier loan
        lambda: db.session.delete(granted),
        lambda: db.session.delete(first_of_m_a1),
    ]
    for index, edit in enumerate(edits):
        edit()
        db.session.commit()
        assert ledger.check(db.session.connection(), repair=False) == {}, index


def test_the_nightly_check_finds_and_repairs_what_changed_behind_the_apps_back(drive, app):
    campaign = drive.campaign
    fresh = every_period(campaign)
    # Behind the app's back: a visit moved by SQL, past the ledger.
    db.session.execute(update(Visit).where(Visit.visited_on == date(2025, 10, 2)).values(visited_on=date(2025, 9, 2)))
    db.session.commit()
    assert every_period(campaign) == fresh  # the ledger does not know yet
    differences = ledger.check(db.session.connection(), repair=False)
    assert differences and set(differences) == {drive.county_a.id}
    db.session.rollback()
    scheduler.ledger_job(app)  # the nightly job repairs it
    repaired = every_period(campaign)
    assert repaired[("2025-09", "visits")] == fresh[("2025-09", "visits")] + 1
    assert repaired[("2025-10", "visits")] == fresh[("2025-10", "visits")] - 1
    assert ledger.check(db.session.connection()) == {}


def test_the_check_command_reports_and_repairs(drive, app):
    db.session.execute(update(Visit).values(satisfaction=1))
    db.session.commit()
    runner = app.test_cli_runner()
    found = runner.invoke(args=["crm", "reports", "check", "--no-repair"])
    assert found.exit_code == 0 and "0 differences" not in found.output
    assert "(repaired)" in runner.invoke(args=["crm", "reports", "check"]).output
    assert runner.invoke(args=["crm", "reports", "check"]).output.strip().endswith("0 differences")
    assert rollup(drive.campaign, "all")["totals"]["avg_satisfaction"] == 1.0


PLAIN = ("visits", "merchants_visited", "applications", "applied_amount", "granted_amount", "drawn_amount",
         "referrals", "referrals_overdue", "needs_open", "needs_closed", "districts", "districts_meeting_rule",
         "joint_visit_days_held", "matchmaking_meetings")


@pytest.mark.parametrize("day", [datetime(2025, 9, 14, 4), datetime(2025, 12, 3, 4)])  # naive UTC: noon in Changzhi
def test_a_generated_drive_equals_the_plain_sql_in_every_period(db, day):
    with freeze(day):
        build_demo(seed=7, merchants=150, password="Demo-pass-42")
        campaign = db.session.scalars(select(Campaign)).first()
        # And through the hooks: the latest visits moved a month back, a pending application granted today.
        for each in db.session.scalars(select(Visit).order_by(Visit.id.desc()).limit(20)):
            each.visited_on = max(each.visited_on - timedelta(days=31), campaign.starts_on)
        pending = db.session.scalars(select(Application).where(Application.granted_on.is_(None))).first()
        pending.granted_on, pending.granted_amount = local_today(), pending.applied_amount
        db.session.commit()
        assert db.session.scalar(select(func.count(Visit.id))) > 100
        periods = [parse_period(code, campaign) for code in period_choices(campaign)]
        # And periods ending mid-month in the past: the same days of the previous quarter or month.
        periods += [against.period for against in (comparison(period, campaign) for period in periods) if against]
        for period in periods:
            totals = compute(campaign, period).totals
            plain = bench_rollup.plain_totals(campaign, period)
            assert {k: totals[k] for k in PLAIN} == {k: plain[k] for k in PLAIN}, period
        assert ledger.check(db.session.connection(), repair=False) == {}
