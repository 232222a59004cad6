"""Sweeps (run a rule for every running drive), storing reminders exactly once, inbox actions.

A sweep is one transaction: the reminders, their outbox messages and the RuleRun commit together,
so a delivery exists exactly when its reminder does.
"""
from __future__ import annotations

import logging
import traceback
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from crm import audit
from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.people.models import User
from crm.reminders.models import OutboxMessage, Reminder, RuleRun
from crm.reminders.rules import RULES, ReminderDraft, drive_rules, local_moment
from crm.reminders.settings import settings_from_form
from crm.reminders.webhooks import address_problem
from crm.timeutil import to_utc_naive, utcnow

log = logging.getLogger(__name__)
KEY = ("rule", "subject_key", "recipient_id", "period")
MAX_CHAT_BYTES = 2000  # chat robots refuse text messages over 2,048 bytes (UTF-8)


def running_campaigns(day) -> list[Campaign]:
    return list(db.session.scalars(
        select(Campaign).where(Campaign.starts_on <= day, Campaign.ends_on >= day).order_by(Campaign.id)
    ))


def run_rule(name: str, now: datetime | None = None) -> RuleRun:
    """One sweep of one rule over every running drive; a failure is recorded, never raised."""
    if name not in RULES:
        raise ValueError(_("Unknown reminder rule: %(rule)s", rule=name))
    now = now or utcnow()
    run_for = to_utc_naive(now) if now.tzinfo else now
    started = utcnow()
    try:
        created = 0
        # Stored texts are in the deployment's language: they are also what e-mails and chats carry.
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hans")):
            for campaign in running_campaigns(local_moment(now).date()):
                created += store_reminders(RULES[name](now, campaign), campaign.id)
        run = RuleRun(rule=name, run_for=run_for, started_at=started, finished_at=utcnow(), created_count=created)
        db.session.add(run)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("reminder rule %s failed", name)
        run = RuleRun(rule=name, run_for=run_for, started_at=started, finished_at=utcnow(),
                      error=traceback.format_exc()[-4000:])
        db.session.add(run)
        db.session.commit()
    return run


def run_all(now: datetime | None = None) -> list[RuleRun]:
    return [run_rule(name, now) for name in RULES]


def _insert():
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return (module.insert(Reminder).on_conflict_do_nothing(index_elements=list(KEY))
            .returning(Reminder.id, Reminder.recipient_id, Reminder.subject, Reminder.body, Reminder.link))


def store_reminders(drafts: list[ReminderDraft], campaign_id: int | None) -> int:
    """Insert the drafts that do not exist yet (ON CONFLICT DO NOTHING), with their deliveries."""
    if not drafts:
        return 0
    now = utcnow()
    rows = [{"rule": d.rule, "subject_key": d.subject_key, "recipient_id": d.recipient_id, "period": d.period,
             "campaign_id": campaign_id, "subject": d.subject, "body": d.body, "link": d.link, "due_on": d.due_on,
             "created_at": now} for d in drafts]
    created = db.session.execute(_insert(), rows).all()
    queue_deliveries(created)
    return len(created)


def channels(user_rows) -> dict[int, list[tuple[str, str]]]:
    """{user id: [(channel, target)]}: e-mail when the deployment has SMTP and the user an address;
    the chat webhook of the user, else the deployment's."""
    config = current_app.config
    result: dict[int, list[tuple[str, str]]] = {}
    for user_id, email, webhook_url in user_rows:
        targets = []
        if config.get("SMTP_HOST") and email:
            targets.append(("email", email))
        if webhook_url or config.get("WEBHOOK_URL"):
            targets.append(("webhook", webhook_url or config["WEBHOOK_URL"]))
        result[user_id] = targets
    return result


def public_url(link: str | None) -> str | None:
    """The link as a full address outside the app, or None without a link or CRM_PUBLIC_URL."""
    base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    return f"{base}{link}" if link and base else None


def message_text(subject: str, body: str | None, link: str | None) -> str:
    parts = [subject, body or "", public_url(link) or ""]
    return "\n".join(p for p in parts if p)


def payload(channel: str, subject: str, body: str | None, link: str | None) -> dict:
    text = message_text(subject, body, link)
    if channel == "webhook":
        # The text message group-chat robots (WeCom, DingTalk) accept.
        content = text.encode()[:MAX_CHAT_BYTES].decode(errors="ignore")
        return {"msgtype": "text", "text": {"content": content}}
    return {"subject": subject, "text": text}


def queue_deliveries(created) -> None:
    """Outbox rows for new reminders, in the caller's transaction."""
    if not created:
        return
    recipients = sorted({row.recipient_id for row in created})
    user_rows = []
    for start in range(0, len(recipients), 900):
        user_rows += db.session.execute(select(User.id, User.email, User.webhook_url)
                                        .where(User.id.in_(recipients[start:start + 900]))).all()
    targets = channels(user_rows)
    now = utcnow()
    messages = [
        {"reminder_id": row.id, "channel": channel, "target": target,
         "payload": payload(channel, row.subject, row.body, row.link), "status": "pending", "attempts": 0,
         "next_attempt_at": now, "created_at": now}
        for row in created for channel, target in targets.get(row.recipient_id, ())
    ]
    if messages:
        db.session.execute(OutboxMessage.__table__.insert(), messages)


# ---- the inbox --------------------------------------------------------------------------------

def inbox_query(user: User, unread_only: bool = False):
    stmt = select(Reminder).where(Reminder.recipient_id == user.id)
    if unread_only:
        stmt = stmt.where(Reminder.read_at.is_(None))
    return stmt.order_by(Reminder.read_at.is_not(None), Reminder.created_at.desc(), Reminder.id.desc())


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Reminder.id)).where(
        Reminder.recipient_id == user.id, Reminder.read_at.is_(None))) or 0


def mark_read(reminder: Reminder) -> None:
    if reminder.read_at is None:
        reminder.read_at = utcnow()


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Reminder).where(Reminder.recipient_id == user.id, Reminder.read_at.is_(None)).values(read_at=utcnow())
    )
    return result.rowcount


# ---- per-drive settings ----------------------------------------------------------------------

def update_settings(campaign: Campaign, form, actor=None) -> dict:
    """Switch and tune the drive's rules from the settings form; ValueError leaves everything as it was."""
    chosen = settings_from_form(form, drive_rules(campaign))
    return audit.apply_changes(campaign, {"reminder_settings": chosen}, ("reminder_settings",),
                               summary=campaign.name, actor=actor)


# ---- failed deliveries ------------------------------------------------------------------------

def retry_delivery(message: OutboxMessage, actor=None) -> None:
    """Give a failed delivery a fresh set of tries, starting now."""
    if message.status != "failed":
        raise ValueError(_("Only a failed delivery can be retried."))
    audit.record("update", message, summary=f"retry {message.channel} delivery",
                 changes={"status": ["failed", "pending"], "attempts": [message.attempts, 0]}, actor=actor)
    message.status, message.attempts, message.next_attempt_at = "pending", 0, utcnow()


def retry_all_failed(actor=None) -> int:
    """Every failed delivery tried again (after an outage of the mail server or the chat)."""
    count = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=utcnow())
    ).rowcount
    if count:
        audit.record("update", object_type="outbox_messages", summary=f"retry {count} failed deliveries",
                     actor=actor)
    return count


def failed_deliveries(limit: int = 200) -> list:
    """(message, recipient's name) of the failed deliveries, newest first."""
    return db.session.execute(
        select(OutboxMessage, User.display_name)
        .outerjoin(Reminder, Reminder.id == OutboxMessage.reminder_id)
        .outerjoin(User, User.id == Reminder.recipient_id)
        .where(OutboxMessage.status == "failed").order_by(OutboxMessage.id.desc()).limit(limit)
    ).all()


def webhook_address_problem(url: str) -> str | None:
    """Why a user may not save this chat webhook address (in the user's language), or None."""
    return address_problem(url)
