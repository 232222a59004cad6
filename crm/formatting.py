"""How values read on pages and in exports: money, 万元, local times, dates."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_decimal

from crm.timeutil import to_local


def money(value) -> str:
    if value is None:
        return "—"
    return format_decimal(Decimal(value), format="#,##0.00")


WAN = 10000  # yuan in one 万元, the unit of amounts on every page and report


def wan(value) -> str:
    """Amounts as people in the drive speak of them: 万元."""
    if value is None:
        return "—"
    return format_decimal(Decimal(value) / WAN, format="#,##0.##")


def local_dt(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return to_local(value).strftime(fmt) if value else "—"


def iso_date(value: date | None) -> str:
    return value.isoformat() if value else "—"


FILTERS = {"money": money, "wan": wan, "local_dt": local_dt, "iso_date": iso_date}
