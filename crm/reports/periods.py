"""Reporting periods: "2025Q3", "2025-07" or "all", as local dates clipped to the drive.

A period code is read once, where it enters (the URL, the API, the CLI), into a `Period` that is
passed on as it is down to the SQL bounds."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _

from crm.dates import add_months, code_bounds, month_code, month_end, quarter_code
from crm.timeutil import LOCAL_TZ, local_today, to_utc_naive


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
            result.append((max(first, self.start), min(month_end(first), self.end)))
            first = add_months(first, 1)
        return result


def calendar_bounds(code: str) -> tuple[date, date]:
    """The full calendar span of a quarter or month code, unclipped."""
    bounds = code_bounds(code)
    if bounds is None:
        raise PeriodError(_("Give the period as a quarter (2025Q3), a month (2025-07) or all."))
    return bounds


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


def as_period(period: Period | str, campaign) -> Period:
    """A Period as it is; a code (from the CLI, the scheduler, a test) read into one."""
    return period if isinstance(period, Period) else parse_period(period, campaign)


def previous_code(code: str) -> str | None:
    """The period before a quarter or a month; the drive to date has none."""
    if code == "all":
        return None
    start, _end = calendar_bounds(code)
    if "Q" in code:
        return quarter_code(add_months(start, -3))
    return month_code(add_months(start, -1))


@dataclass(frozen=True)
class Comparison:
    """What a period's changes are measured against: the previous quarter (or month), cut to as many
    days as the period has run when it is not over — 10-01…12-02 against 07-01…09-01, not all of Q3."""

    period: Period
    of: str  # "quarter" or "month"
    same_days: bool  # cut to the period's days so far

    @property
    def label(self) -> str:
        """较上季度同期 (against the same days of the previous quarter), 较上月 (the whole previous month) …"""
        if self.of == "quarter":
            return _("vs the same days of the previous quarter") if self.same_days else _("vs the previous quarter")
        return _("vs the same days of the previous month") if self.same_days else _("vs the previous month")


def comparison(period: Period, campaign) -> Comparison | None:
    """The previous quarter or month, clipped to the drive; when the period ends before its calendar end
    (today, or the drive's end), only its first days, as many as the period's since its calendar start."""
    code = previous_code(period.code)
    if code is None:
        return None
    first, last = calendar_bounds(period.code)
    start, end = calendar_bounds(code)
    same_days = period.end < last
    if same_days:
        end = min(end, start + (period.end - first))
    start, end = max(start, campaign.starts_on), min(end, campaign.ends_on, local_today())
    if start > end:
        return None
    return Comparison(Period(code, start, end), period.kind, same_days)


def period_choices(campaign) -> list[str]:
    """Every quarter and month of the drive up to today, newest first, after "all"."""
    last = min(campaign.ends_on, local_today())
    months, first = [], campaign.starts_on.replace(day=1)
    while first <= last:
        months.append(first)
        first = add_months(first, 1)
    quarters = sorted({quarter_code(m) for m in months}, reverse=True)
    return ["all", *quarters, *[month_code(m) for m in reversed(months)]]
