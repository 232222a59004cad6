"""Field work: visits with their photos, the needs they open, planned follow-ups and loan applications."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.timeutil import utcnow

VISIT_KINDS = ("first", "follow_up", "joint_visit_day", "briefing")
NEED_STATUSES = ("open", "closed")
FOLLOW_UP_STATUSES = ("planned", "done", "cancelled")


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_merchant_visited", "merchant_id", "visited_at"),
        Index("ix_visits_campaign_visited_on", "campaign_id", "visited_on"),
        Index("ix_visits_author_visited", "author_id", "visited_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made on the device: a visit sent twice is stored once.
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_pairs.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    visited_at: Mapped[datetime] = mapped_column()
    visited_on: Mapped[date] = mapped_column(Date)  # Asia/Shanghai date, for periods
    lat: Mapped[float | None] = mapped_column()
    lng: Mapped[float | None] = mapped_column()
    accuracy_m: Mapped[float | None] = mapped_column()
    # Set when the visit is recorded: "far" from the merchant's known position, or "missing" (no GPS).
    location_flag: Mapped[str | None] = mapped_column(String(16), index=True)
    distance_m: Mapped[int | None] = mapped_column()
    has_financing_need: Mapped[bool | None] = mapped_column(Boolean)
    financing_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    financing_purpose: Mapped[str | None] = mapped_column(String(200))
    satisfaction: Mapped[int | None] = mapped_column()
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    merchant = relationship("Merchant")
    author = relationship("User")
    campaign = relationship("Campaign")
    photos: Mapped[list[Photo]] = relationship(
        primaryjoin="Visit.id == Photo.visit_id", order_by="Photo.position", viewonly=True
    )


class Photo(db.Model):
    """A resized, metadata-free image of a visit or an event, stored under the upload folder."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)  # 0 is the storefront (门头照)
    filename: Mapped[str] = mapped_column(String(120))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Need(db.Model):
    """需求台账: a need logged on a visit, open until closed with how it was resolved (挂账销号)."""

    __tablename__ = "needs"
    __table_args__ = (Index("ix_needs_owner_status_due", "owner_id", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="other")  # financing | other
    text: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    resolution: Mapped[str | None] = mapped_column(String(500))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    merchant = relationship("Merchant")
    owner = relationship("User", foreign_keys=[owner_id])


class FollowUp(db.Model):
    """A planned return visit (回访); a follow-up visit to the merchant marks it done."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_assignee_status_due", "assignee_id", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    source_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    done_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    merchant = relationship("Merchant")
    assignee = relationship("User")


class Application(db.Model):
    """A loan application and its outcome: applied → granted or declined → drawn."""

    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_campaign_applied", "campaign_id", "applied_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    applied_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    applied_on: Mapped[date] = mapped_column(Date)
    granted_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))  # annual, as a fraction: 0.0345
    granted_on: Mapped[date | None] = mapped_column(Date)
    declined_reason: Mapped[str | None] = mapped_column(String(200))
    declined_on: Mapped[date | None] = mapped_column(Date)
    drawn_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    drawn_on: Mapped[date | None] = mapped_column(Date)
    first_time_borrower: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    merchant = relationship("Merchant")
    product = relationship("Product")
    author = relationship("User")
