"""Rollup snapshots: reports read a period's stored facts; they change only when recomputed — by the
scheduler on its rules, or by a lead's button — and every report says when that was."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from crm.extensions import db
from crm.reminders import scheduler
from crm.reports import snapshots
from crm.reports.models import RollupFact, RollupSnapshot
from crm.reports.periods import period_choices
from crm.reports.rollup import compute
from crm.timeutil import LOCAL_TZ, freeze
from tests.reports.conftest import TODAY, visit
from tests.reports.helpers import rollup

TEN_MINUTES = timedelta(minutes=10)


def add_visit(drive, day=date(2025, 10, 14)):
    visit(drive.campaign, drive.merchants["m_b1"], day, drive.world.users["am_b1"])
    db.session.commit()


def test_figures_are_read_from_the_snapshot_until_it_is_recomputed(drive):
    first = compute(drive.campaign, "2025Q4")
    add_visit(drive)
    again = compute(drive.campaign, "2025Q4")
    assert again.totals == first.totals and again.computed_at == first.computed_at
    snapshots.refresh(drive.campaign, "2025Q4")
    fresh = compute(drive.campaign, "2025Q4")
    assert fresh.totals["visits"] == first.totals["visits"] + 1
    # One snapshot per period: the old facts went with the old snapshot.
    assert db.session.scalar(select(func.count()).select_from(RollupSnapshot)
                             .where(RollupSnapshot.period == "2025Q4")) == 1
    orphans = select(func.count()).select_from(RollupFact).where(
        RollupFact.snapshot_id.not_in(select(RollupSnapshot.id)))
    assert db.session.scalar(orphans) == 0


def test_a_period_counted_yesterday_says_so_until_recomputed(drive):
    assert rollup(drive.campaign, "2025Q4")["period"]["end"] == "2025-10-15"
    with freeze(TODAY + timedelta(days=1)):
        add_visit(drive, date(2025, 10, 16))
        stale = rollup(drive.campaign, "2025Q4")
        assert stale["period"]["end"] == "2025-10-15"  # what the figures counted, not today
        snapshots.refresh(drive.campaign, "2025Q4")
        fresh = rollup(drive.campaign, "2025Q4")
        assert fresh["period"]["end"] == "2025-10-16"
        assert fresh["totals"]["visits"] == stale["totals"]["visits"] + 1


def test_the_scheduler_recomputes_current_periods_often_and_the_others_daily(drive):
    campaign = drive.campaign
    every_period = period_choices(campaign)
    assert snapshots.due_codes(campaign, TEN_MINUTES) == every_period  # never computed
    done = snapshots.refresh_due(TEN_MINUTES)
    assert sorted(done) == sorted(f"{campaign.id}:{code}" for code in every_period)
    assert snapshots.due_codes(campaign, TEN_MINUTES) == []
    with freeze(TODAY + timedelta(minutes=11)):
        assert sorted(snapshots.due_codes(campaign, TEN_MINUTES)) == ["2025-10", "2025Q4", "all"]
    with freeze(datetime(2025, 10, 16, 0, 5, tzinfo=LOCAL_TZ)):  # a new day: late records reach every period
        assert snapshots.due_codes(campaign, TEN_MINUTES) == period_choices(campaign)


def test_a_drive_long_ended_is_left_as_it_was_counted(drive):
    campaign = drive.campaign
    with freeze(datetime(2026, 3, 20, 10, tzinfo=LOCAL_TZ)):  # the drive ended on 2025-12-31
        snapshots.refresh_due(TEN_MINUTES)
    with freeze(datetime(2026, 3, 25, 10, tzinfo=LOCAL_TZ)):
        assert snapshots.due_codes(campaign, TEN_MINUTES) == []


def test_the_scheduler_job_computes_the_snapshots(drive, app):
    scheduler.reports_job(app)
    stored = set(db.session.scalars(select(RollupSnapshot.period)
                                    .where(RollupSnapshot.campaign_id == drive.campaign.id)))
    assert stored == set(period_choices(drive.campaign))
    # Reports read what the job stored rather than computing again.
    assert compute(drive.campaign, "2025-10").computed_at == db.session.scalar(
        select(RollupSnapshot.computed_at).where(RollupSnapshot.period == "2025-10"))


def test_a_lead_recomputes_the_period_from_the_dashboard(drive, client, login):
    lead = drive.world.users["lead"]
    login(lead)
    client.get("/lang/en")
    url = f"/reports/?campaign={drive.campaign.id}&period=2025Q4"
    before = client.get(url).get_data(as_text=True)
    assert "figures as of" in before and 'action="/reports/refresh?' in before
    visits_before = compute(drive.campaign, "2025Q4").totals["visits"]
    add_visit(drive)
    refreshed = client.post(f"/reports/refresh?campaign={drive.campaign.id}&period=2025Q4", follow_redirects=True)
    assert refreshed.status_code == 200 and "Figures recomputed" in refreshed.get_data(as_text=True)
    assert f'data-figure="visits">{visits_before + 1}<' in refreshed.get_data(as_text=True)


def test_only_leads_recompute(drive, client, login):
    login(drive.world.users["head_a"])
    client.get("/lang/en")
    page = client.get(f"/reports/?campaign={drive.campaign.id}&period=2025Q4").get_data(as_text=True)
    assert "figures as of" in page and "/reports/refresh" not in page
    assert client.post(f"/reports/refresh?campaign={drive.campaign.id}&period=2025Q4").status_code == 403


def test_the_command_recomputes_a_period(drive, app):
    first = compute(drive.campaign, "2025Q4")
    add_visit(drive)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "reports", "refresh", "--campaign", str(drive.campaign.id),
                                 "--period", "2025Q4"])
    assert result.exit_code == 0 and f"drive {drive.campaign.id} 2025Q4:" in result.output
    db.session.expire_all()
    assert compute(drive.campaign, "2025Q4").totals["visits"] == first.totals["visits"] + 1
    wrong = runner.invoke(args=["crm", "reports", "refresh", "--period", "2031Q1"])
    assert wrong.exit_code != 0 and "outside the drive" in wrong.output


def test_moving_the_drive_start_recomputes_at_once(drive):
    assert rollup(drive.campaign, "all")["period"]["start"] == "2025-06-01"
    drive.campaign.starts_on = date(2025, 7, 1)
    db.session.commit()
    moved = rollup(drive.campaign, "all")
    assert moved["period"]["start"] == "2025-07-01"
    assert moved["totals"]["visits"] == rollup(drive.campaign, "2025Q3")["totals"]["visits"] + rollup(
        drive.campaign, "2025Q4")["totals"]["visits"]
