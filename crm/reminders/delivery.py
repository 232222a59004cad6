"""The outbox sender: claim due messages, send them by e-mail or webhook, record the outcome.

A message moves pending → sending (claimed, with a lease) → sent, or back to pending with an
exponential back-off (1, 2, 4 … minutes), or to failed after the last try, where an admin sees it
and can retry it. Claiming commits before sending, so two senders never hold the same message
(PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at a time, and the scheduler's leader lock).
A sender that dies mid-send leaves a lease that expires: the message is tried again, with the
same Idempotency-Key, so the receiving side can drop the repeat.
"""
from __future__ import annotations

import calendar
import json
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import select, update

from crm.extensions import db
from crm.reminders.models import OutboxMessage
from crm.reminders.settings import outbox_max_attempts
from crm.reminders.webhooks import delivery_problem
from crm.subscriptions.operations import CHANNEL, signature
from crm.timeutil import utcnow

LEASE = timedelta(minutes=5)  # longer than any one send (10 s time-outs)
TIMEOUT_SECONDS = 10


class DeliveryError(Exception):
    pass


class Undeliverable(DeliveryError):
    """Trying again cannot help (e.g. a host no longer allowed): the message fails at once."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would lead the post past the host check: it counts as a failure instead."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def idempotency_key(message: OutboxMessage) -> str:
    return f"crm-outbox-{message.id}"


def claim(limit: int = 50) -> list[int]:
    """Mark up to `limit` due messages as sending, in their own committed transaction."""
    now = utcnow()
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()), OutboxMessage.next_attempt_at <= now)
        .values(status="sending", attempts=OutboxMessage.attempts + 1, next_attempt_at=now + LEASE)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(ids)


def _post(message: OutboxMessage, url: str, body: bytes, headers: dict | None = None) -> bytes:
    """POST to an allowed host; the answer's body on a 2xx, DeliveryError on anything else (a redirect too)."""
    problem = delivery_problem(url)
    if problem:
        raise Undeliverable(problem)
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": idempotency_key(message),
        "X-Message-Id": idempotency_key(message), **(headers or {})})
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.read()
    except (urllib.error.URLError, OSError) as err:
        raise DeliveryError(str(err)) from err


def send_webhook(message: OutboxMessage) -> None:
    answer = _post(message, message.target, json.dumps(message.payload, ensure_ascii=False).encode())
    # Chat robots answer 200 with {"errcode": 0}; anything else is a refusal.
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        raise DeliveryError(f"webhook refused: {answer[:200]!r}")


def send_email(message: OutboxMessage) -> None:
    config = current_app.config
    mail = EmailMessage()
    mail["Subject"] = message.payload.get("subject", "")
    mail["From"] = config.get("SMTP_SENDER", "crm@localhost")
    mail["To"] = message.target
    mail["Message-ID"] = make_msgid(idstring=idempotency_key(message))
    mail["X-Idempotency-Key"] = idempotency_key(message)
    mail.set_content(message.payload.get("text", ""))
    try:
        with smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT", 25)), timeout=TIMEOUT_SECONDS) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
            smtp.send_message(mail)
    except (smtplib.SMTPException, OSError) as err:
        raise DeliveryError(str(err)) from err


def send_subscription(message: OutboxMessage) -> None:
    """A domain event to a subscribed endpoint (its address now, if an admin corrected it), signed."""
    subscription = message.subscription
    if subscription is None or not subscription.active:
        raise Undeliverable("the subscription was switched off")
    body = json.dumps(message.payload, ensure_ascii=False).encode()
    timestamp = calendar.timegm(utcnow().utctimetuple())
    _post(message, subscription.url, body, {"X-CRM-Event": message.payload.get("type", ""),
                                            "X-CRM-Signature": signature(subscription.secret, timestamp, body)})


SENDERS = {"webhook": send_webhook, "email": send_email, CHANNEL: send_subscription}


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the attempt that failed, at most a day."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 24 * 60))


def deliver(message_id: int, report: DeliveryReport) -> None:
    message = db.session.get(OutboxMessage, message_id)
    try:
        SENDERS[message.channel](message)
    except (DeliveryError, KeyError) as err:
        message.last_error = str(err)[:500] or err.__class__.__name__
        if isinstance(err, Undeliverable) or message.attempts >= outbox_max_attempts():
            message.status = "failed"
            report.failed += 1
        else:
            message.status, message.next_attempt_at = "pending", utcnow() + backoff(message.attempts)
            report.retrying += 1
    else:
        message.status, message.sent_at, message.last_error = "sent", utcnow(), None
        report.sent += 1
    db.session.commit()


def deliver_due(batch: int = 50, max_batches: int = 100) -> DeliveryReport:
    """Send what is due now; returns how many went out, will be retried, or failed for good."""
    report = DeliveryReport()
    for _round in range(max_batches):
        ids = claim(batch)
        if not ids:
            break
        for message_id in ids:
            deliver(message_id, report)
    return report
