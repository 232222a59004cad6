"""Stored rollups: a drive's facts for one period, summed by place (and trade, tier, product, visit
kind or referral status), so that a report reads a few thousand rows instead of millions.

A snapshot is rebuilt whole by crm.reports.snapshots.refresh; the rows are never edited.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.timeutil import utcnow

# What a fact row is grouped by, besides the merchants' place:
#   fine      — trade and tier (every merchant fact);      place — nothing more (the same facts, summed);
#   product   — key = credit product id (application facts); kind — key = visit kind (visits);
#   status    — key = referral status now (referrals listed in the period);
#   coverage  — nothing more; merchants_visited counts merchants visited from the drive's start.
GRAINS = ("fine", "place", "product", "kind", "status", "coverage")
# How finely the place is kept: each grain is stored per district and summed again per town and per
# county, so that a province-wide view reads a hundred rows, not thousands (coverage: districts only).
DEPTHS = {"county": 1, "town": 2, "district": 3}


class RollupSnapshot(db.Model):
    __tablename__ = "rollup_snapshots"
    __table_args__ = (UniqueConstraint("campaign_id", "period", name="uq_rollup_snapshots_campaign_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))  # "2025Q3", "2025-07" or "all"
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # the period's end when computed (today, for the current one)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    seconds: Mapped[float] = mapped_column(default=0.0)  # how long the computation took


def _count() -> Mapped[int]:
    return mapped_column(BigInteger, default=0)


def _amount() -> Mapped[Decimal]:
    return mapped_column(Numeric(20, 6), default=0)


class RollupFact(db.Model):
    __tablename__ = "rollup_facts"
    __table_args__ = (Index("ix_rollup_facts_snapshot_grain_depth", "snapshot_id", "grain", "depth", "county_id",
                            "town_id"),)

    # Rows are replaced on every refresh: a 64-bit id (SQLite's rowid is one already).
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("rollup_snapshots.id", ondelete="CASCADE"))
    grain: Mapped[str] = mapped_column(String(8))
    depth: Mapped[int] = mapped_column()  # DEPTHS: the place columns below it are null (summed over)
    county_id: Mapped[int | None] = mapped_column()
    town_id: Mapped[int | None] = mapped_column()
    district_id: Mapped[int | None] = mapped_column()
    trade: Mapped[str | None] = mapped_column(String(32))
    tier: Mapped[str | None] = mapped_column(String(16))
    key: Mapped[str | None] = mapped_column(String(32))
    visits: Mapped[int] = _count()
    merchants_visited: Mapped[int] = _count()
    sat_sum: Mapped[int] = _count()
    sat_n: Mapped[int] = _count()
    applications: Mapped[int] = _count()
    applied_amount: Mapped[Decimal] = _amount()
    granted_amount: Mapped[Decimal] = _amount()
    drawn_amount: Mapped[Decimal] = _amount()
    first_time_borrowers: Mapped[int] = _count()
    rate_num: Mapped[Decimal] = _amount()
    rate_den: Mapped[Decimal] = _amount()
    referrals: Mapped[int] = _count()
    referrals_overdue: Mapped[int] = _count()
    needs_open: Mapped[int] = _count()
    needs_closed: Mapped[int] = _count()
