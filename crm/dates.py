"""The calendar every area counts in: months and quarters as dates and as codes ("2025-07", "2025Q3").

Plain date arithmetic, no time zones: which day it is comes from crm.timeutil.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

_QUARTER_CODE = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH_CODE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, count: int) -> date:
    """The first day of the month `count` months after (or, negative, before) the day's month."""
    index = day.year * 12 + day.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return add_months(day, 1) - timedelta(days=1)


def month_bounds(day: date) -> tuple[date, date]:
    """(first, last) day of the day's month."""
    return month_start(day), month_end(day)


def month_code(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_bounds(day: date) -> tuple[date, date]:
    """(first, last) day of the day's calendar quarter."""
    start = quarter_start(day)
    return start, add_months(start, 3) - timedelta(days=1)


def quarter_code(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def code_bounds(code: str) -> tuple[date, date] | None:
    """(first, last) day of a quarter ("2025Q3") or month ("2025-07") code; None for anything else."""
    if m := _QUARTER_CODE.match(code):
        return quarter_bounds(date(int(m[1]), 3 * int(m[2]), 1))
    if m := _MONTH_CODE.match(code):
        return month_bounds(date(int(m[1]), int(m[2]), 1))
    return None
