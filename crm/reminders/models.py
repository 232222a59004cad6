"""Reminders (one per rule, subject, recipient and period), their delivery outbox and rule runs."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.timeutil import utcnow


class Reminder(db.Model):
    __tablename__ = "reminders"
    # The key that makes a reminder exist once, however many sweeps or processes try.
    __table_args__ = (
        UniqueConstraint("rule", "subject_key", "recipient_id", "period", name="uq_reminders_key"),
        Index("ix_reminders_recipient_read", "recipient_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(32))
    subject_key: Mapped[str] = mapped_column(String(64))  # e.g. "follow_up:123"
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(32))  # e.g. "2025-07-14" or "2025Q3"
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()

    recipient = relationship("User")


class OutboxMessage(db.Model):
    """A delivery to send (e-mail or webhook); retried with back-off, never dropped, sent once."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("reminder_id", "channel", name="uq_outbox_reminder_channel"),
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"))
    # A domain event for a webhook subscription (crm/subscriptions), signed with its secret.
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook | subscription
    target: Mapped[str] = mapped_column(String(300))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscription = relationship("Subscription")


class RuleRun(db.Model):
    """One sweep of one rule: when it ran, for which moment, and what it created."""

    __tablename__ = "rule_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(32), index=True)
    run_for: Mapped[datetime] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    created_count: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
