"""The reminder scheduler: one leader per database runs the sweeps, the outbox sender, the
nightly check of the figures' ledger and the nightly purge of what is kept only for a while.

`crm scheduler` runs it as its own process; others started against the same database wait as
standbys. The leader lock is a PostgreSQL advisory lock held on a dedicated connection for the
life of the process, or on SQLite an OS file lock beside the database file. Web workers never
start a scheduler; only the single-command demo (`crm demo --serve`) runs one in-process.
"""
from __future__ import annotations

import atexit
import fcntl
import logging
import os
import threading
import time
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from crm.extensions import db
from crm.intake import operations as intake
from crm.jobs import folders
from crm.reminders import delivery, operations
from crm.reminders.models import RuleRun
from crm.reminders.rules import RULES
from crm.reports import ledger
from crm.timeutil import LOCAL_TZ, local_now, to_local

log = logging.getLogger(__name__)
ADVISORY_KEY = 7_340_121_007  # "the CRM reminder scheduler", one per database
SWEEP_PERIOD = timedelta(hours=1)
SEND_EVERY_SECONDS = 30
LEDGER_CHECK_HOUR = 3  # local time: the figures' ledger is checked against the records nightly
PURGE_HOUR = 4  # local time: old job folders and public-form submissions are deleted nightly
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1}


def rule_trigger(name: str) -> CronTrigger:
    """Every rule sweeps hourly (a drive's hour setting picks when its day's reminders start),
    each at its own minute so the sweeps do not pile up."""
    minute = 3 + 5 * list(RULES).index(name)
    return CronTrigger(minute=minute, timezone=LOCAL_TZ)


def next_run(name: str, after: datetime | None = None) -> datetime:
    return rule_trigger(name).get_next_fire_time(None, after or local_now())


def last_runs() -> dict[str, RuleRun]:
    latest = select(RuleRun.rule, func.max(RuleRun.id).label("id")).group_by(RuleRun.rule).subquery()
    rows = db.session.scalars(select(RuleRun).join(latest, latest.c.id == RuleRun.id))
    return {run.rule: run for run in rows}


def overdue_rules(now: datetime | None = None) -> list[str]:
    """Rules whose last sweep is older than their latest scheduled time (missed while down)."""
    now = now or local_now()
    runs = last_runs()
    missed = []
    for name in RULES:
        latest_due = rule_trigger(name).get_next_fire_time(None, now - SWEEP_PERIOD)
        run = runs.get(name)
        if run is None or (latest_due <= now and to_local(run.run_for) < latest_due):
            missed.append(name)
    return missed


# ---- the leader lock --------------------------------------------------------------------------

class LeaderLock:
    """Held by at most one process per database, for as long as that process lives."""

    def __init__(self, engine: Engine, fallback_dir: str):
        self.engine = engine
        self.connection = None
        self.handle = None
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        if database and database != ":memory:":
            self.path = os.path.abspath(database) + ".scheduler.lock"
        else:
            self.path = os.path.join(fallback_dir, "scheduler.lock")

    @property
    def held(self) -> bool:
        return self.connection is not None or self.handle is not None

    def acquire(self) -> bool:
        if self.held:
            return True
        if self.engine.dialect.name == "postgresql":
            connection = self.engine.connect()
            got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar()
            connection.commit()  # the lock belongs to the session, not the transaction
            if got:
                self.connection = connection
            else:
                connection.close()
            return bool(got)
        handle = open(self.path, "a+")  # noqa: SIM115 - kept open for the life of the lock
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self.handle = handle
        return True

    def alive(self) -> bool:
        """False when the lock's connection is gone (and with it the advisory lock)."""
        if self.connection is None:
            return self.handle is not None
        try:
            self.connection.execute(text("SELECT 1"))
            self.connection.commit()
            return True
        except Exception:  # noqa: BLE001 - any failure means the session, and the lock, are lost
            return False

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
                self.connection.commit()
            finally:
                self.connection.close()
                self.connection = None
        if self.handle is not None:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def leader_lock(app: Flask) -> LeaderLock:
    with app.app_context():
        return LeaderLock(db.engine, app.instance_path)


def wait_for_lock(lock: LeaderLock, seconds: float, poll: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while not lock.acquire():
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)
    return True


# ---- jobs -------------------------------------------------------------------------------------

def sweep_job(app: Flask, name: str) -> None:
    with app.app_context():
        run = operations.run_rule(name)
        log.info("sweep %s: %s", name, "failed" if run.error else f"{run.created_count} created")
        db.session.remove()


def send_job(app: Flask) -> None:
    with app.app_context():
        report = delivery.deliver_due()
        if report.sent or report.retrying or report.failed:
            log.info("outbox: %d sent, %d to retry, %d failed", report.sent, report.retrying, report.failed)
        db.session.remove()


def ledger_job(app: Flask) -> None:
    """The nightly check of the figures' ledger against the records (crm.reports.ledger): differences
    are logged and repaired."""
    with app.app_context():
        differences = ledger.check(db.session.connection())
        db.session.commit()
        if differences:
            log.warning("figures' ledger: %d rows differed from the records (repaired) in counties %s",
                        sum(differences.values()), sorted(differences))
        db.session.remove()


def purge_job(app: Flask) -> None:
    """Delete what is kept for a set time only: job folders (CRM_JOB_RETENTION_DAYS) and public-form
    submissions (CRM_INTAKE_RETENTION_DAYS)."""
    with app.app_context():
        jobs = folders.purge(app.config["JOB_RETENTION_DAYS"])
        submissions = intake.purge(app.config["INTAKE_RETENTION_DAYS"])
        db.session.commit()
        if jobs or submissions:
            log.info("purged %d job folders and %d public-form submissions", jobs, submissions)
        db.session.remove()


def catch_up(app: Flask, everything: bool = False) -> int:
    """Run the sweeps missed while no scheduler ran (or all of them), then send what is due."""
    with app.app_context():
        names = list(RULES) if everything else overdue_rules()
        created = sum(operations.run_rule(name).created_count for name in names)
        delivery.deliver_due()
        db.session.remove()
    return created


def add_jobs(scheduler: BaseScheduler, app: Flask) -> None:
    for name in RULES:
        scheduler.add_job(sweep_job, rule_trigger(name), args=[app, name], id=f"rule:{name}", name=name)
    scheduler.add_job(send_job, IntervalTrigger(seconds=SEND_EVERY_SECONDS), args=[app], id="outbox")
    scheduler.add_job(ledger_job, CronTrigger(hour=LEDGER_CHECK_HOUR, minute=17, timezone=LOCAL_TZ), args=[app],
                      id="ledger")
    scheduler.add_job(purge_job, CronTrigger(hour=PURGE_HOUR, minute=7, timezone=LOCAL_TZ), args=[app], id="purge")


def build(app: Flask, scheduler_class: type[BaseScheduler]) -> BaseScheduler:
    scheduler = scheduler_class(timezone=LOCAL_TZ, job_defaults=JOB_DEFAULTS,
                                executors={"default": ThreadPoolExecutor(2)})
    add_jobs(scheduler, app)
    return scheduler


def watch_lock(scheduler: BaseScheduler, lock: LeaderLock) -> None:
    """Stop leading the moment the lock is lost, so two leaders never run side by side."""
    def check():
        if not lock.alive():
            log.error("scheduler lost its leader lock; stopping")
            threading.Thread(target=scheduler.shutdown, kwargs={"wait": False}).start()

    scheduler.add_job(check, IntervalTrigger(seconds=SEND_EVERY_SECONDS), id="leader-lock")


def start_in_app(app: Flask) -> BackgroundScheduler | None:
    """The single-command demo: run the scheduler in this process if no other one leads."""
    if "reminder_scheduler" in app.extensions:
        return app.extensions["reminder_scheduler"]
    lock = leader_lock(app)
    if not lock.acquire():
        log.info("another reminder scheduler leads this database; this process stays standby")
        return None
    scheduler = build(app, BackgroundScheduler)
    watch_lock(scheduler, lock)
    scheduler.add_job(catch_up, args=[app], id="catch-up", next_run_time=datetime.now(LOCAL_TZ))
    scheduler.start()
    app.extensions["reminder_scheduler"] = scheduler
    app.extensions["reminder_scheduler_lock"] = lock
    atexit.register(stop_in_app, app)
    return scheduler


def stop_in_app(app: Flask) -> None:
    """Stop the in-process scheduler (waiting for a running sweep) and give up the lead."""
    scheduler = app.extensions.pop("reminder_scheduler", None)
    if scheduler is not None and scheduler.running:
        # Let the start-up catch-up be handed to its worker first: shutting down while APScheduler
        # retires a one-off job makes it fail.
        deadline = time.monotonic() + 60
        while scheduler.get_job("catch-up") is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        scheduler.shutdown(wait=True)
    lock = app.extensions.pop("reminder_scheduler_lock", None)
    if lock is not None:
        lock.release()
