"""A period's facts read from the figures' ledger (crm/reports/models.py), live and exact.

A period is a sum over its calendar months' rows, less the day rows of those months that lie outside
it (before a drive that starts mid-month, after today or after the drive's end) — few rows, so any
period reads about as fast as a whole month. A stock (open needs, overdue referrals, merchants
visited since the drive's start) is the sum of every row up to the period's end.
"""
from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select

from crm.campaigns.models import Campaign
from crm.dates import month_end
from crm.extensions import db
from crm.regions.models import Region
from crm.reports.models import DAY, DEPTHS, MONTH, STOCKS, DayFact
from crm.reports.periods import Period, parse_period

PLACE = ("county_id", "town_id", "district_id")
# The merchant facts of a rollup row (crm/reports/rollup.py), as the ledger gives them for a period.
ROLLUP_FACTS = ("visits", "merchants_visited", "sat_sum", "sat_n", "applications", "applied_amount", "granted_amount",
                "drawn_amount", "first_time_borrowers", "merchants_granted", "first_loans", "rate_num", "rate_den",
                "cohort_granted_amount", "cohort_drawn_amount", "referrals", "referrals_overdue", "needs_open",
                "needs_closed")
APPLICATION_FACTS = ("applications", "applied_amount", "granted_amount", "drawn_amount", "first_time_borrowers",
                     "rate_num", "rate_den")
# Distinct merchants: the column counting each merchant once in the period's kind of span.
_DISTINCT = {"merchants_visited": "visited", "first_time_borrowers": "first_time_borrowers",
             "merchants_granted": "merchants_granted"}
_SUFFIX = {"month": "_m", "quarter": "_q", "all": "_d"}
_PLACE_COLUMN = {"county": DayFact.county_id, "town": DayFact.town_id, "district": DayFact.district_id}


def _column(fact: str, period: Period):
    """(ledger column, is a stock) of a fact; "coverage" is merchants visited from the drive's start."""
    if fact == "coverage":
        return DayFact.visited_d, True
    if fact in _DISTINCT:
        return getattr(DayFact, _DISTINCT[fact] + _SUFFIX[period.kind]), False
    return getattr(DayFact, fact), fact in STOCKS


def _none(name: str, value):
    """The ledger's 0 or "" for no place, trade, tier or key, as None."""
    return None if value in (0, "") and name in (*PLACE, "trade", "tier", "key") else value


def sums(campaign: Campaign, period: Period, within: Region | None, grain: str, group_by: tuple[str, ...],
         facts: tuple[str, ...] = ROLLUP_FACTS) -> list[tuple]:
    """(*facts, *group_by) of the period summed over the ledger's rows of a grain in the slice
    (`within`: a county, town or district of the drive; the whole drive when None or its territory)."""
    whole = within is None or within.id == campaign.territory_id
    depth = max([DEPTHS["county"], *(index + 1 for index, name in enumerate(PLACE) if name in group_by)])
    if not whole:
        depth = max(depth, DEPTHS[within.level])
    first, last = period.start.replace(day=1), period.end.replace(day=1)
    columns = [_column(fact, period) for fact in facts]
    months = and_(DayFact.span == MONTH, DayFact.depth == depth, DayFact.day <= last)
    if not any(stock for _column_, stock in columns):
        months = and_(months, DayFact.day >= first)
    days_outside = and_(DayFact.span == DAY, DayFact.depth == DEPTHS["district"], DayFact.day >= first,
                        DayFact.day <= month_end(period.end),
                        or_(DayFact.day < period.start, DayFact.day > period.end))
    totals = [func.sum(case((DayFact.span == MONTH, column), (DayFact.day > period.end, -column), else_=0)) if stock
              else func.sum(case((and_(DayFact.span == MONTH, DayFact.day >= first), column),
                                 (DayFact.span == DAY, -column), else_=0))
              for column, stock in columns]
    groups = [getattr(DayFact, name) for name in group_by]
    stmt = (select(*totals, *groups)
            .where(DayFact.campaign_id == campaign.id, DayFact.grain == grain, or_(months, days_outside))
            .group_by(*groups))
    if not whole:
        stmt = stmt.where(_PLACE_COLUMN[within.level] == within.id)
    width = len(facts)
    return [(*row[:width], *(_none(name, value) for name, value in zip(group_by, row[width:], strict=True)))
            for row in db.session.execute(stmt)]


def counts_by_key(campaign: Campaign, period: Period, within: Region | None, grain: str,
                  fact: str) -> dict[str, int]:
    """{key: fact summed} of the "kind" or "status" grain."""
    return {key: int(value) for value, key in sums(campaign, period, within, grain, ("key",), (fact,)) if value}


def monthly(campaign: Campaign, months: list[tuple], within: Region | None) -> dict[str, tuple[int, float]]:
    """{month code: (visits, amount granted)} of each (first day, last day) of the months given."""
    found = {}
    for first, last in months:
        code = first.strftime("%Y-%m")
        rows = sums(campaign, Period(code, first, last), within, "place", (), ("visits", "granted_amount"))
        visits, granted = rows[0] if rows else (0, 0)
        found[code] = (int(visits or 0), float(granted or 0))
    return found


def visited_by_district(campaign: Campaign) -> dict[int, int]:
    """{district id: distinct merchants visited from the drive's start to today}."""
    found = sums(campaign, parse_period("all", campaign), None, "place", ("district_id",), ("coverage",))
    return {district_id: int(n) for n, district_id in found if district_id is not None and n}
