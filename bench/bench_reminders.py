"""Reminder sweeps at province scale: every rule once, then again right after (which must create nothing).

    python bench/bench_reminders.py                       # the province dataset, at 09:00 of its "today"
    python bench/bench_reminders.py --at 2027-04-10T09:00 # another moment (e.g. the drive's last 30 days)

Targets (issue #7): the first sweep of all rules over 1,000,000 open follow-ups and 500,000 open
referrals ≤ 30 s on PostgreSQL; the second ≤ 10 s and creates nothing. A deployment webhook is
configured (never called: nothing is sent) so the sweep also writes the outbox rows. What the run
adds (reminders, outbox messages, rule runs) is deleted at the end: the shared dataset is left as
it was.
"""
from __future__ import annotations

import argparse
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

import common
from sqlalchemy import delete, func, select

from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.reminders.models import OutboxMessage, Reminder, RuleRun
from crm.reminders.operations import run_rule
from crm.reminders.rules import RULES
from crm.reminders.settings import is_working_day
from crm.timeutil import LOCAL_TZ, freeze

FIRST_TARGET_S, SECOND_TARGET_S = 30.0, 10.0


def default_moment(today: date) -> datetime:
    """09:00 on the data's "today", or on the working day before it, so the digests run too."""
    campaign = db.session.get(Campaign, 1)
    while not is_working_day(today, campaign):
        today -= timedelta(days=1)
    return datetime.combine(today, clock(9), tzinfo=LOCAL_TZ)


def sweep(moment: datetime) -> tuple[float, dict[str, tuple[float, int]]]:
    """All rules at that moment: total seconds and, per rule, (seconds, reminders created)."""
    per_rule = {}
    started = time.perf_counter()
    with freeze(moment):
        for name in RULES:
            rule_started = time.perf_counter()
            run = run_rule(name)
            if run.error:
                raise SystemExit(f"{name} failed:\n{run.error}")
            per_rule[name] = (time.perf_counter() - rule_started, run.created_count)
    return time.perf_counter() - started, per_rule


def clean_up(marks: dict) -> None:
    """Delete what the run added, newest first (outbox rows before their reminders)."""
    for model, last_id in marks.items():
        db.session.execute(delete(model).where(model.id > last_id))
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="province")
    parser.add_argument("--url", default=None)
    parser.add_argument("--at", default=None, help="ISO moment, Asia/Shanghai unless zoned")
    args = parser.parse_args()

    info = common.ensure_database(args.scale, args.url)
    app = common.app_for(info["url"], WEBHOOK_URL="http://127.0.0.1:9/never-called")
    with app.app_context():
        if args.at:
            moment = datetime.fromisoformat(args.at)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)
        else:
            moment = default_moment(date.fromisoformat(info["today"]))
        marks = {model: db.session.scalar(select(func.coalesce(func.max(model.id), 0)))
                 for model in (OutboxMessage, Reminder, RuleRun)}
        try:
            first_s, first = sweep(moment)
            messages = db.session.scalar(select(func.count(OutboxMessage.id)).where(
                OutboxMessage.id > marks[OutboxMessage]))
            second_s, second = sweep(moment)
        finally:
            clean_up(marks)

    print(f"database {info['url'].rsplit('/', 1)[-1]}: {info.get('open_follow_ups')} open follow-ups, "
          f"{info.get('open_referrals')} open referrals; sweep at {moment.isoformat()}")
    common.print_table([
        {"rule": name, "first_s": round(first[name][0], 2), "first_created": first[name][1],
         "second_s": round(second[name][0], 2), "second_created": second[name][1]}
        for name in RULES
    ] + [{"rule": "ALL", "first_s": round(first_s, 2), "first_created": sum(c for _s, c in first.values()),
          "second_s": round(second_s, 2), "second_created": sum(c for _s, c in second.values())}])
    print(f"outbox messages written by the first sweep: {messages}")
    created_again = sum(c for _s, c in second.values())
    verdict = first_s <= FIRST_TARGET_S and second_s <= SECOND_TARGET_S and created_again == 0
    print(f"first sweep {first_s:.1f} s (target ≤ {FIRST_TARGET_S:.0f} s), second {second_s:.1f} s "
          f"(target ≤ {SECOND_TARGET_S:.0f} s) creating {created_again}: {'PASS' if verdict else 'FAIL'}")


if __name__ == "__main__":
    main()
