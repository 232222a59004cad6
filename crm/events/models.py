"""Events of a drive: joint visit days, matchmaking meetings, briefings, joint meetings, level visits."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.timeutil import utcnow

EVENT_KINDS = ("joint_visit_day", "matchmaking", "briefing", "joint_meeting", "level_visit")
EVENT_STATUSES = ("planned", "held", "cancelled")
LEVELS = ("province", "city", "county")


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_campaign_kind_date", "campaign_id", "kind", "planned_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_pairs.id"), index=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))  # town or district
    level: Mapped[str | None] = mapped_column(String(16))  # for level_visit
    title: Mapped[str | None] = mapped_column(String(160))
    planned_on: Mapped[date] = mapped_column(Date)
    held_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    organizers: Mapped[str | None] = mapped_column(String(200))
    with_briefing: Mapped[bool] = mapped_column(Boolean, default=False)
    attendance: Mapped[int | None] = mapped_column()
    merchants_reached: Mapped[int | None] = mapped_column()
    briefing_audience: Mapped[int | None] = mapped_column()
    intentions: Mapped[int | None] = mapped_column()
    signed_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pair = relationship("LiaisonPair")
    county = relationship("Region", foreign_keys=[county_id])
    region = relationship("Region", foreign_keys=[region_id])
    campaign = relationship("Campaign")
