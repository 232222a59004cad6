"""The scheduler process: one leader per database, sweeps that catch up, the CLI."""
from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from crm.extensions import db
from crm.reminders import scheduler
from crm.reminders.models import OutboxMessage, Reminder, RuleRun
from crm.reminders.rules import RULES
from crm.timeutil import freeze, local_today
from crm.visits.models import FollowUp
from tests import factories
from tests.apps import app_on

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EVERY_DAY_ANY_HOUR = {name: {"hour": 0, "working_days_only": False} for name in RULES}


def _seed(webhook_url: str) -> None:
    world = factories.build_world()
    world.campaign.reminder_settings = EVERY_DAY_ANY_HOUR
    for user in world.users.values():
        user.webhook_url = webhook_url
    for number, (manager, merchant) in enumerate((("am_a1", "m_a1"), ("am_a2", "m_a2"), ("am_b1", "m_b1"))):
        db.session.add(FollowUp(campaign_id=world.campaign.id, merchant_id=world.merchants[merchant].id,
                                          assignee_id=world.users[manager].id,
                                          due_on=local_today() - timedelta(days=number + 1)))
    db.session.commit()


def _scheduler_process(url: str, instance: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_INSTANCE_PATH": instance, "PYTHONPATH": ROOT,
           "CRM_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}
    return subprocess.Popen([sys.executable, "-c", "from crm.cli import main; main()", "scheduler", "--once", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_scheduler_processes_at_once_create_and_send_nothing_twice(empty_database_url, tmp_path, webhook_target):
    with app_on(empty_database_url):
        _seed(webhook_target.url)
        processes = [_scheduler_process(empty_database_url, str(tmp_path)) for _ in range(2)]
        outputs = [p.communicate(timeout=240) for p in processes]
        assert [p.returncode for p in processes] == [0, 0], outputs
        created = sorted(int(out.strip().splitlines()[-1].split()[-1]) for out, _err in outputs)
        reminders = db.session.scalar(select(func.count(Reminder.id)))
        keys = db.session.execute(select(Reminder.rule, Reminder.subject_key, Reminder.recipient_id,
                                         Reminder.period)).all()
        # One took the lead and created everything; the other waited, swept again and found nothing.
        assert created == [0, reminders] and reminders >= 3 and len(set(keys)) == len(keys)
        assert Counter(db.session.scalars(select(OutboxMessage.status))) == {"sent": reminders}
        received = Counter(key for key, _body in webhook_target.received)
        assert len(received) == reminders and set(received.values()) == {1}


def test_a_second_scheduler_stays_standby_while_the_leader_lives(empty_database_url, tmp_path, webhook_target):
    with app_on(empty_database_url) as other:
        _seed(webhook_target.url)
        lock = scheduler.leader_lock(other)
        assert lock.acquire()
        try:
            process = _scheduler_process(empty_database_url, str(tmp_path), "--wait", "0")
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            assert "standby" in out
            assert db.session.scalar(select(func.count(Reminder.id))) == 0
            assert not scheduler.leader_lock(other).acquire()
        finally:
            lock.release()
        fresh = scheduler.leader_lock(other)
        assert fresh.acquire() and fresh.alive()
        fresh.release()


def test_catch_up_runs_the_sweeps_missed_while_down(app, world, at):
    world.campaign.starts_on, world.campaign.ends_on = date(2025, 3, 1), date(2025, 7, 10)
    db.session.commit()
    monday = at(date(2025, 5, 19), 9)
    with freeze(monday):
        assert scheduler.overdue_rules() == list(RULES)  # never ran
        scheduler.catch_up(app)
        assert scheduler.overdue_rules() == []
        assert db.session.scalar(select(func.count(Reminder.id))) == 6  # every pair: plan this month's day
    with freeze(monday + timedelta(minutes=2)):
        assert scheduler.overdue_rules() == []  # the first scheduled sweep of the hour is at 09:03
    with freeze(monday + timedelta(days=1, hours=2)):
        assert scheduler.overdue_rules() == list(RULES)
        assert scheduler.catch_up(app) == 0  # the plan reminders are monthly: nothing new


def test_scheduler_jobs_coalesce_missed_runs(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    built = scheduler.build(app, BackgroundScheduler)
    jobs = {job.id: job for job in built.get_jobs()}
    assert set(jobs) == {f"rule:{name}" for name in RULES} | {"outbox", "ledger", "purge"}
    assert built._job_defaults["coalesce"] is True and built._job_defaults["misfire_grace_time"] >= 3600


def test_cli_runs_one_sweep_at_a_given_time(app, world):
    world.campaign.starts_on, world.campaign.ends_on = date(2025, 3, 1), date(2025, 7, 10)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "reminders", "run", "joint_visit_day", "--at", "2025-05-19T09:00"])
    assert result.exit_code == 0, result.output
    assert "joint_visit_day: created 6" in result.output
    again = runner.invoke(args=["crm", "reminders", "run", "all", "--at", "2025-05-19T09:30"])
    assert "joint_visit_day: created 0" in again.output and again.exit_code == 0
    runs = db.session.scalars(select(RuleRun).where(RuleRun.rule == "joint_visit_day")).all()
    assert [run.created_count for run in runs] == [6, 0]
    bad = runner.invoke(args=["crm", "reminders", "run", "no_such_rule"])
    assert bad.exit_code != 0


def test_only_the_demo_runs_a_scheduler_inside_the_app_process(app):
    assert "reminder_scheduler" not in app.extensions  # create_app (every web worker) starts none
    started = scheduler.start_in_app(app)
    try:
        assert started.running and scheduler.start_in_app(app) is started
        assert not scheduler.leader_lock(app).acquire()  # a second process would stay standby
    finally:
        scheduler.stop_in_app(app)
    after = scheduler.leader_lock(app)
    assert after.acquire()
    after.release()
