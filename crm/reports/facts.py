"""A period's facts read from the figures' ledger (crm/reports/models.py), live and exact.

A period is a sum over its calendar months' rows, less the day rows of those months that lie outside
it (before a drive that starts mid-month, after today or after the drive's end) — few rows, so any
period reads about as fast as a whole month. A last month of which fewer days lie in the period than
after it (the same days of a previous quarter: 07-01…09-01) is read by its days up to the period's end. A stock (open needs, overdue referrals, merchants
visited since the drive's start) is the sum of every row up to the period's end.
"""
from __future__ import annotations

from sqlalchemy import case, func, select

from crm.campaigns.models import Campaign
from crm.dates import add_months, month_end
from crm.extensions import db
from crm.regions.models import Region
from crm.reports.models import DAY, DEPTHS, MONTH, STOCKS, DayFact
from crm.reports.periods import Period, parse_period
from crm.timeutil import local_today

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
    (`within`: a county, town or district of the drive; the whole drive when None or its territory).
    "month" among group_by: each calendar month of the period apart (its first day)."""
    whole = within is None or within.id == campaign.territory_id
    depth = max([DEPTHS["county"], *(index + 1 for index, name in enumerate(PLACE) if name in group_by)])
    if not whole:
        depth = max(depth, DEPTHS[within.level])
    first, last = period.start.replace(day=1), period.end.replace(day=1)
    columns = [_column(fact, period) for fact in facts]
    stocks = any(stock for _column_, stock in columns)
    groups = [DayFact.day if name == "month" else getattr(DayFact, name) for name in group_by]
    month_at = group_by.index("month") if "month" in group_by else None

    def grouped(totals, *where) -> dict[tuple, list]:
        stmt = (select(*totals, *groups).where(DayFact.campaign_id == campaign.id, DayFact.grain == grain, *where)
                .group_by(*groups))
        if not whole:
            stmt = stmt.where(_PLACE_COLUMN[within.level] == within.id)
        rows = db.session.execute(stmt).all()
        if month_at is None:
            return {tuple(row[len(totals):]): list(row[:len(totals)]) for row in rows}
        found: dict[tuple, list] = {}
        for row in rows:  # a day row counts in its month
            key = tuple(row[len(totals):])
            key = (*key[:month_at], key[month_at].replace(day=1), *key[month_at + 1:])
            acc = found.setdefault(key, [0] * len(totals))
            for index, value in enumerate(row[:len(totals)]):
                acc[index] += value or 0
        return found

    # The months of the period (and, for stocks, every month before them) …
    months_to = add_months(last, -1) if _last_month_by_days(period) else last
    found = {}
    if months_to >= first or stocks:
        found = grouped([func.sum(column if stock else case((DayFact.day >= first, column), else_=0))
                         for column, stock in columns],
                        DayFact.span == MONTH, DayFact.depth == depth, DayFact.day <= months_to,
                        *([] if stocks else [DayFact.day >= first]))
    # … with the days of the last month up to the period's end, when it is read by its days, or less its
    # days after the end; less the days of the first month before the period's start (flows).
    days = (DayFact.span == DAY, DayFact.depth == DEPTHS["district"])
    more = []
    if months_to < last:
        more.append((1, [func.sum(column if stock else case((DayFact.day >= period.start, column), else_=0))
                         for column, stock in columns], (*days, DayFact.day >= last, DayFact.day <= period.end)))
    elif period.end < month_end(period.end):
        more.append((-1, [func.sum(column) for column, _stock in columns],
                     (*days, DayFact.day > period.end, DayFact.day <= month_end(period.end))))
    if first < period.start and first <= months_to and not all(stock for _column_, stock in columns):
        more.append((-1, [None if stock else func.sum(column) for column, stock in columns],
                     (*days, DayFact.day >= first, DayFact.day < period.start)))
    for sign, totals, where in more:
        for key, values in grouped([t for t in totals if t is not None], *where).items():
            acc = found.setdefault(key, [0] * len(columns))
            taken = iter(values)
            for index, total in enumerate(totals):
                if total is not None:
                    acc[index] = (acc[index] or 0) + sign * (next(taken) or 0)
    return [(*values, *(_none(name, value) for name, value in zip(group_by, key, strict=True)))
            for key, values in found.items()]


def _last_month_by_days(period: Period) -> bool:
    """Whether the period's last month is cheaper read by its days up to the period's end than as the
    whole month less its days after the end: when fewer of its days are in the period than after it,
    not counting days after today, which hold only the few stocks' future changes."""
    last_end = month_end(period.end)
    if period.end == last_end:
        return False
    inside = (period.end - max(period.start, period.end.replace(day=1))).days + 1
    return inside < (min(last_end, local_today()) - period.end).days


def counts_by_key(campaign: Campaign, period: Period, within: Region | None, grain: str,
                  fact: str) -> dict[str, int]:
    """{key: fact summed} of the "kind" or "status" grain."""
    return {key: int(value) for value, key in sums(campaign, period, within, grain, ("key",), (fact,)) if value}


def monthly(campaign: Campaign, period: Period, within: Region | None) -> dict[str, tuple[int, float]]:
    """{month code: (visits, amount granted)} of each calendar month of the period."""
    found = {month: (int(visits), float(granted)) for visits, granted, month in
             sums(campaign, period, within, "place", ("month",), ("visits", "granted_amount"))}
    return {first.strftime("%Y-%m"): found.get(first, (0, 0.0)) for first, _last in period.months()}


def visited_by_district(campaign: Campaign) -> dict[int, int]:
    """{district id: distinct merchants visited from the drive's start to today}."""
    found = sums(campaign, parse_period("all", campaign), None, "place", ("district_id",), ("coverage",))
    return {district_id: int(n) for n, district_id in found if district_id is not None and n}


def drive_to_date(campaign: Campaign, names: tuple[str, ...]) -> dict[str, object]:
    """{fact: value} of the whole drive from its start to today."""
    found = sums(campaign, parse_period("all", campaign), None, "place", (), names)
    return dict(zip(names, found[0] if found else [0] * len(names), strict=True))
