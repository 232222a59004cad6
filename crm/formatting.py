"""How values read on pages and in exports: money, 万元, local times, dates."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _

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


def period_label(code: str | None) -> str:
    """A reporting period as people say it: "2025Q3" → 2025年第3季度, "2025-07" → 2025年7月."""
    if not code:
        return "—"
    if code == "all":
        return _("Drive to date")
    quarter = re.fullmatch(r"(\d{4})Q([1-4])", code)
    if quarter:
        return _("%(year)s, quarter %(quarter)s", year=quarter[1], quarter=quarter[2])
    month = re.fullmatch(r"(\d{4})-(\d{2})", code)
    if month:
        return _("%(year)s, month %(month)s", year=month[1], month=int(month[2]))
    return code


FILTERS = {"money": money, "wan": wan, "local_dt": local_dt, "iso_date": iso_date, "period_label": period_label}
