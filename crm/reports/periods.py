"""Reporting periods: "2025Q3", "2025-07" or "all", as Asia/Shanghai dates clipped to the drive."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _

from crm.timeutil import LOCAL_TZ, local_today, to_utc_naive

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodError(ValueError):
    """A period that cannot be read or lies wholly outside the drive; the message is for the user."""


@dataclass(frozen=True)
class Period:
    code: str  # "2025Q3", "2025-07" or "all"
    start: date
    end: date  # inclusive

    @property
    def kind(self) -> str:
        return "all" if self.code == "all" else ("quarter" if "Q" in self.code else "month")

    @property
    def start_utc(self) -> datetime:
        """The first instant of the period, as the naive UTC that timestamps are stored in."""
        return to_utc_naive(datetime.combine(self.start, time(0), LOCAL_TZ))

    @property
    def end_utc(self) -> datetime:
        """The first instant after the period (exclusive bound for timestamps)."""
        return to_utc_naive(datetime.combine(self.end + timedelta(days=1), time(0), LOCAL_TZ))

    def months(self) -> list[tuple[date, date]]:
        """(first day, last day) of each calendar month the period touches, clipped to the period."""
        result, first = [], self.start.replace(day=1)
        while first <= self.end:
            nxt = _add_months(first, 1)
            result.append((max(first, self.start), min(nxt - timedelta(days=1), self.end)))
            first = nxt
        return result


def _add_months(first: date, count: int) -> date:
    index = first.year * 12 + first.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def calendar_bounds(code: str) -> tuple[date, date]:
    """The full calendar span of a quarter or month code, unclipped."""
    if m := _QUARTER.match(code):
        first = date(int(m[1]), 3 * int(m[2]) - 2, 1)
        return first, _add_months(first, 3) - timedelta(days=1)
    if m := _MONTH.match(code):
        first = date(int(m[1]), int(m[2]), 1)
        return first, _add_months(first, 1) - timedelta(days=1)
    raise PeriodError(_("Give the period as a quarter (2025Q3), a month (2025-07) or all."))


def parse_period(code: str | None, campaign) -> Period:
    """The period as dates, clipped to the drive and to today (figures are never about the future)."""
    code = (code or "all").strip().upper().replace("ALL", "all")
    today = local_today()
    last = min(campaign.ends_on, today)
    if code == "all":
        return Period("all", campaign.starts_on, max(last, campaign.starts_on))
    start, end = calendar_bounds(code)
    start, end = max(start, campaign.starts_on), min(end, last)
    if start > end:
        raise PeriodError(_("The period %(period)s lies outside the drive (%(start)s to %(end)s) or in the future.",
                            period=code, start=campaign.starts_on.isoformat(), end=last.isoformat()))
    return Period(code, start, end)


def previous_code(code: str) -> str | None:
    """The period before a quarter or a month; the drive to date has none."""
    if code == "all":
        return None
    start, _end = calendar_bounds(code)
    if "Q" in code:
        prev = _add_months(start, -3)
        return f"{prev.year}Q{(prev.month - 1) // 3 + 1}"
    prev = _add_months(start, -1)
    return f"{prev.year}-{prev.month:02d}"


def previous_period(period: Period, campaign) -> Period | None:
    code = previous_code(period.code)
    if code is None:
        return None
    try:
        return parse_period(code, campaign)
    except PeriodError:
        return None


def period_choices(campaign) -> list[str]:
    """Every quarter and month of the drive up to today, newest first, after "all"."""
    last = min(campaign.ends_on, local_today())
    months, first = [], campaign.starts_on.replace(day=1)
    while first <= last:
        months.append(first)
        first = _add_months(first, 1)
    quarters = sorted({f"{m.year}Q{(m.month - 1) // 3 + 1}" for m in months}, reverse=True)
    return ["all", *quarters, *[f"{m.year}-{m.month:02d}" for m in reversed(months)]]
