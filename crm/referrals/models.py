"""送贷名单: lists the bureau hands to the bank, and each name on them (a Referral) with its status."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.timeutil import utcnow

STATUSES = ("assigned", "contacted", "visited", "applied", "granted", "drawn", "closed")
OPEN_STATUSES = ("pending", "assigned", "contacted", "visited", "applied", "granted")
CLOSED_REASONS = ("no_need", "not_eligible", "cannot_reach", "declined", "business_closed", "duplicate")


class ReferralList(db.Model):
    __tablename__ = "referral_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    bureau_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    bank_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="filter")  # filter | upload | qr | window | chain
    criteria: Mapped[dict | None] = mapped_column(db.JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handed_over_at: Mapped[datetime | None] = mapped_column()

    campaign = relationship("Campaign")
    bank_org = relationship("Organization", foreign_keys=[bank_org_id])
    bureau_org = relationship("Organization", foreign_keys=[bureau_org_id])
    created_by = relationship("User")


class Referral(db.Model):
    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("list_id", "merchant_id"),
        Index("ix_referrals_assignee_status_deadline", "assignee_id", "status", "deadline_on"),
        Index("ix_referrals_campaign_merchant", "campaign_id", "merchant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("referral_lists.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    # "pending" until a branch head assigns it, then the funnel in STATUSES.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_pairs.id"))
    deadline_on: Mapped[date | None] = mapped_column(Date)
    assigned_at: Mapped[datetime | None] = mapped_column()
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_reason: Mapped[str | None] = mapped_column(String(24))
    closed_note: Mapped[str | None] = mapped_column(String(300))
    self_applied: Mapped[bool] = mapped_column(Boolean, default=False)
    # 一链一策: on a chain list, the merchant's place in the chain (core, upstream, downstream).
    chain_role: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    referral_list = relationship("ReferralList")
    merchant = relationship("Merchant")
    assignee = relationship("User")
    pair = relationship("LiaisonPair")


INTAKE_CHANNELS = ("qr", "window")  # the public QR form; the 服务专窗 at a branch or bureau window (001)
CHAIN_ROLES = ("core", "upstream", "downstream")


class IntakeSubmission(db.Model):
    """A self-application with its automatic first screening: from the public QR form (扫码申请), or
    entered by staff for a walk-in applicant at the drive's service window (服务专窗)."""

    __tablename__ = "intake_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("liaison_pairs.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    business_name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[str] = mapped_column(String(18))
    phone: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int | None] = mapped_column()
    purpose: Mapped[str | None] = mapped_column(String(200))
    consent: Mapped[bool] = mapped_column(Boolean)
    consent_version: Mapped[str | None] = mapped_column(String(16))
    client_address_hash: Mapped[str] = mapped_column(String(64), index=True)
    screening: Mapped[dict | None] = mapped_column(db.JSON)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    # landed (a known merchant of the pair's area, on the list at once), pending (waits for the pair's
    # liaison), accepted or rejected by the liaison.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    channel: Mapped[str] = mapped_column(String(16), default="qr", index=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the window's staff member
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    pair = relationship("LiaisonPair")
