"""Delivery through the outbox: never dropped, never sent twice, failures reported and retried."""
from __future__ import annotations

import email
import threading
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from crm.extensions import db
from crm.reminders.delivery import LEASE, claim, deliver_due
from crm.reminders.models import OutboxMessage, Reminder
from crm.reminders.operations import run_all
from crm.timeutil import freeze, to_utc_naive

DAY = date(2025, 5, 19)  # a Monday, past the 5th: every pair is reminded to plan its day


def _drive_with_reminders(world, rows, **user_fields) -> int:
    """A running drive, channels for everyone, and a sweep that creates reminders; returns how many."""
    world.campaign.starts_on, world.campaign.ends_on = date(2025, 3, 1), date(2025, 7, 10)
    for user in world.users.values():
        for name, value in user_fields.items():
            setattr(user, name, value)
    db.session.commit()
    for manager, merchant in (("am_a1", "m_a1"), ("am_a2", "m_a2"), ("am_b1", "m_b1")):
        rows.follow_up(world.users[manager], world.merchants[merchant], date(2025, 5, 12))
    run_all()
    return db.session.scalar(select(func.count(Reminder.id)))


def _statuses() -> Counter:
    return Counter(db.session.scalars(select(OutboxMessage.status)))


def _all_keys() -> set[str]:
    return {f"crm-outbox-{i}" for i in db.session.scalars(select(OutboxMessage.id))}


def test_target_dies_mid_run_and_every_reminder_arrives_once_after_it_returns(world, rows, at, webhook_target):
    start = at(DAY)
    with freeze(start):
        total = _drive_with_reminders(world, rows, webhook_url=webhook_target.url)
        assert total == 9 and _statuses() == {"pending": 9}
        webhook_target.die_after = 3
        report = deliver_due()
    assert report.sent >= 3 and report.retrying >= 1 and report.sent + report.retrying == total
    waiting = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent")).all()
    assert all(m.status == "pending" and m.attempts == 1 and m.last_error for m in waiting)
    assert all(m.next_attempt_at == to_utc_naive(start) + timedelta(minutes=1) for m in waiting)

    webhook_target.start()
    with freeze(start + timedelta(seconds=30)):
        assert deliver_due().sent == 0  # still backing off
    with freeze(start + timedelta(minutes=1)):
        assert deliver_due().sent == len(waiting)
    keys = Counter(key for key, _body in webhook_target.received)
    assert set(keys) == _all_keys() and set(keys.values()) == {1}
    assert _statuses() == {"sent": total}
    assert all(body["msgtype"] == "text" and body["text"]["content"] for _key, body in webhook_target.received)


def test_two_senders_at_once_send_each_message_once(app, world, rows, at, webhook_target):
    with freeze(at(DAY)):
        total = _drive_with_reminders(world, rows, webhook_url=webhook_target.url)

        def sender():
            with app.app_context():
                deliver_due(batch=2)
                db.session.remove()

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    keys = Counter(key for key, _body in webhook_target.received)
    assert len(keys) == total and set(keys.values()) == {1}


def test_last_failure_is_reported_and_an_admin_retries_it(app, world, rows, at, webhook_target, login,
                                                         client, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    start = at(DAY)
    with freeze(start):
        total = _drive_with_reminders(world, rows, webhook_url=webhook_target.url)
    webhook_target.stop()
    for minutes in (0, 1, 3):  # back-off of 1 then 2 minutes; the third try is the last
        with freeze(start + timedelta(minutes=minutes)):
            deliver_due()
    assert _statuses() == {"failed": total}

    login(world.users["admin"])
    page = client.get("/reminders/rules?lang=en").get_data(as_text=True)
    assert "Failed deliveries" in page and webhook_target.url.split("?")[0] in page and "am_a1" in page
    failed = db.session.scalars(select(OutboxMessage.id)).all()
    assert client.post(f"/reminders/outbox/{failed[0]}/retry").status_code == 302
    db.session.expire_all()
    assert _statuses() == {"failed": total - 1, "pending": 1}

    webhook_target.start()
    assert deliver_due().sent == 1
    assert [key for key, _body in webhook_target.received] == [f"crm-outbox-{failed[0]}"]
    assert client.post("/reminders/outbox/retry-failed").status_code == 302
    assert deliver_due().sent == total - 1
    keys = Counter(key for key, _body in webhook_target.received)
    assert set(keys) == _all_keys() and set(keys.values()) == {1}


def test_email_goes_out_by_smtp_once(app, world, rows, at, smtp_sink, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_sink.port)
    with freeze(at(DAY)):
        world.users["am_a1"].email = "am_a1@example.com"
        total = _drive_with_reminders(world, rows)
        assert deliver_due().sent == 2  # am_a1: the pair's plan reminder and the overdue digest
        assert deliver_due().sent == 0
    mine = db.session.scalars(select(Reminder).where(Reminder.recipient_id == world.users["am_a1"].id)).all()
    assert total == 9 and len(mine) == 2
    messages = [email.message_from_bytes(raw) for raw in smtp_sink.messages]
    assert sorted(m["To"] for m in messages) == ["am_a1@example.com"] * 2
    assert {m["X-Idempotency-Key"] for m in messages} == _all_keys()
    subjects = {str(email.header.make_header(email.header.decode_header(m["Subject"]))) for m in messages}
    assert subjects == {r.subject for r in mine}


def test_without_channels_only_the_inbox_gets_reminders(world, rows, at):
    with freeze(at(DAY)):
        assert _drive_with_reminders(world, rows) == 9
    assert _statuses() == Counter()


def test_a_sender_that_died_mid_send_leaves_nothing_behind(world, rows, at, webhook_target):
    """A message claimed by a sender that then died is sent once its lease runs out."""
    start = at(DAY)
    with freeze(start):
        total = _drive_with_reminders(world, rows, webhook_url=webhook_target.url)
        claimed = claim(limit=2)  # … and the process is killed before sending
    assert len(claimed) == 2 and _statuses() == {"sending": 2, "pending": total - 2}
    with freeze(start + timedelta(minutes=1)):
        assert deliver_due().sent == total - 2  # the claimed two wait for their lease
    with freeze(start + LEASE):
        assert deliver_due().sent == 2
    keys = Counter(key for key, _body in webhook_target.received)
    assert set(keys) == _all_keys() and set(keys.values()) == {1}


def test_a_robot_that_refuses_the_message_counts_as_a_failure(world, rows, at, webhook_target, monkeypatch):
    monkeypatch.setattr(webhook_target, "answer", b'{"errcode": 93000, "errmsg": "invalid webhook url"}')
    with freeze(at(DAY)):
        total = _drive_with_reminders(world, rows, webhook_url=webhook_target.url)
        report = deliver_due()
    assert report.sent == 0 and report.retrying == total
    assert all("93000" in m.last_error for m in db.session.scalars(select(OutboxMessage)))
