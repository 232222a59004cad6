"""The figures' ledger: a drive's facts summed per day and per month, by place (and trade, tier,
product, visit kind or referral status), kept in step with the records in the same transaction as
each change (crm/reports/ledger.py). A period's figures are a sum over its months, less the few
days of them outside the period (crm/reports/facts.py).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db

# What a fact row is grouped by, besides the merchants' place:
#   fine    — trade and tier (every merchant fact);     place — nothing more (the same facts, summed);
#   product — key = credit product id (application facts); kind — key = visit kind (visits);
#   status  — key = referral status now (referrals listed).
GRAINS = ("fine", "place", "product", "kind", "status")
# How finely the place is kept: month rows per district, and summed again per town and per county,
# so that a province-wide view reads a hundred rows, not thousands; day rows per district only.
DEPTHS = {"county": 1, "town": 2, "district": 3}
# The span of a row: one day, or the calendar month starting on `day`.
DAY, MONTH = "d", "m"

# Flow facts are counted on the day of their event; a period adds up its days.
# Distinct merchants count once per calendar month (_m), quarter (_q) and drive (_d), on the first
# day they qualify; a period reads the column of its kind.
# Stock facts (STOCKS) are +1 on the day a thing starts to count and −1 on the day it stops: the
# figure at a period's end adds up every day up to that end.
COUNTS = ("visits", "sat_sum", "sat_n", "visited_m", "visited_q", "visited_d", "applications",
          "first_time_borrowers_m", "first_time_borrowers_q", "first_time_borrowers_d", "merchants_granted_m",
          "merchants_granted_q", "merchants_granted_d", "first_loans", "referrals", "referrals_overdue",
          "needs_open", "needs_closed")
AMOUNTS = ("applied_amount", "granted_amount", "drawn_amount", "rate_num", "rate_den", "cohort_granted_amount",
           "cohort_drawn_amount")
COLUMNS = COUNTS + AMOUNTS
STOCKS = ("referrals_overdue", "needs_open")
# A null place, trade, tier or key is stored as 0 or "" so that every row has one exact key.
KEY = ("campaign_id", "grain", "depth", "span", "day", "county_id", "town_id", "district_id", "trade", "tier", "key")


def _count() -> Mapped[int]:
    return mapped_column(BigInteger, default=0)


def _amount() -> Mapped[Decimal]:
    return mapped_column(Numeric(20, 6), default=0)


class DayFact(db.Model):
    __tablename__ = "rollup_day_facts"
    __table_args__ = (Index("uq_rollup_day_facts_key", *KEY, unique=True),
                      Index("ix_rollup_day_facts_county", "county_id"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column()  # no foreign key: rows are added to on every flush
    grain: Mapped[str] = mapped_column(String(8))
    depth: Mapped[int] = mapped_column()  # DEPTHS: the place columns below it are 0 (summed over)
    span: Mapped[str] = mapped_column(String(1))  # DAY or MONTH
    day: Mapped[date] = mapped_column(Date)
    county_id: Mapped[int] = mapped_column()
    town_id: Mapped[int] = mapped_column()
    district_id: Mapped[int] = mapped_column()
    trade: Mapped[str] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(32))
    visits: Mapped[int] = _count()
    sat_sum: Mapped[int] = _count()
    sat_n: Mapped[int] = _count()
    visited_m: Mapped[int] = _count()
    visited_q: Mapped[int] = _count()
    visited_d: Mapped[int] = _count()
    applications: Mapped[int] = _count()
    first_time_borrowers_m: Mapped[int] = _count()
    first_time_borrowers_q: Mapped[int] = _count()
    first_time_borrowers_d: Mapped[int] = _count()
    merchants_granted_m: Mapped[int] = _count()
    merchants_granted_q: Mapped[int] = _count()
    merchants_granted_d: Mapped[int] = _count()
    first_loans: Mapped[int] = _count()
    referrals: Mapped[int] = _count()
    referrals_overdue: Mapped[int] = _count()
    needs_open: Mapped[int] = _count()
    needs_closed: Mapped[int] = _count()
    applied_amount: Mapped[Decimal] = _amount()
    granted_amount: Mapped[Decimal] = _amount()
    drawn_amount: Mapped[Decimal] = _amount()
    rate_num: Mapped[Decimal] = _amount()
    rate_den: Mapped[Decimal] = _amount()
    cohort_granted_amount: Mapped[Decimal] = _amount()
    cohort_drawn_amount: Mapped[Decimal] = _amount()
