"""`crm scheduler` (the reminder process) and `crm reminders run|send` (one sweep now)."""
from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from datetime import datetime

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from crm.cli import crm_cli
from crm.reminders import delivery, operations, scheduler
from crm.reminders.rules import RULES
from crm.timeutil import LOCAL_TZ, freeze

reminders_cli = AppGroup("reminders", help="Reminder sweeps and deliveries.")
crm_cli.add_command(reminders_cli)
STANDBY_RETRY_SECONDS = 15


def parse_moment(value: str | None) -> datetime | None:
    """An ISO time; without a zone it is Asia/Shanghai time, as people in the drive read clocks."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--at") from err
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


@reminders_cli.command("run")
@click.argument("rule", type=click.Choice(["all", *RULES]))
@click.option("--at", "at", default=None, help="Run as if it were this time (ISO, Asia/Shanghai unless zoned).")
@click.option("--send/--no-send", default=True, show_default=True, help="Then deliver what is due.")
@with_appcontext
def run(rule: str, at: str | None, send: bool):
    """Run one sweep of RULE (or all rules) now: for tests and for catching up after downtime."""
    moment = parse_moment(at)
    names = list(RULES) if rule == "all" else [rule]
    with freeze(moment) if moment else nullcontext():
        for name in names:
            result = operations.run_rule(name)
            status = "error" if result.error else f"created {result.created_count}"
            click.echo(f"{name}: {status}")
        if send:
            _echo_delivery(delivery.deliver_due())


@reminders_cli.command("send")
@with_appcontext
def send():
    """Deliver the outbox messages that are due now."""
    _echo_delivery(delivery.deliver_due())


def _echo_delivery(report: delivery.DeliveryReport) -> None:
    click.echo(f"delivered {report.sent}, retrying {report.retrying}, failed {report.failed}")


@crm_cli.command("scheduler")
@click.option("--once", is_flag=True, help="Take the lead, run every sweep and send what is due, then exit.")
@click.option("--wait", default=60.0, show_default=True, help="With --once: seconds to wait for the lead.")
@with_appcontext
def scheduler_command(once: bool, wait: float):
    """Run the reminder scheduler (one leader per database; others wait as standbys)."""
    app = current_app._get_current_object()
    lock = scheduler.leader_lock(app)
    if once:
        if not scheduler.wait_for_lock(lock, wait):
            click.echo("standby: another scheduler leads; nothing done")
            return
        try:
            click.echo(f"leader: created {scheduler.catch_up(app, everything=True)}")
        finally:
            lock.release()
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    while not lock.acquire():
        click.echo(f"standby: another scheduler leads; retrying in {STANDBY_RETRY_SECONDS} s")
        time.sleep(STANDBY_RETRY_SECONDS)
    click.echo("leader: catching up missed sweeps")
    try:
        scheduler.catch_up(app)
        blocking = scheduler.build(app, BlockingScheduler)
        scheduler.watch_lock(blocking, lock)
        blocking.start()
    finally:
        lock.release()
