"""One clock for the whole app: UTC in the database, the drive's time zone for people and periods.

The zone is CRM_TIMEZONE (default Asia/Shanghai), read once here; everything local goes through it.

Tests and `--at` options move the clock through `freeze`, so every rule that asks
"what day is it" gives the same answer in a test as in production.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo(os.environ.get("CRM_TIMEZONE") or "Asia/Shanghai")
_frozen: datetime | None = None


def utcnow() -> datetime:
    """Naive UTC now: how every timestamp is stored, on SQLite and PostgreSQL alike."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC).replace(tzinfo=None)


def local_now() -> datetime:
    return utcnow().replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def local_today() -> date:
    return local_now().date()


def to_utc_naive(moment: datetime) -> datetime:
    """An aware datetime (from a form or the API) as the naive UTC the database stores."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC).replace(tzinfo=None)


def to_local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def local_date(moment: datetime) -> date:
    """The local calendar date of a stored UTC timestamp."""
    return to_local(moment).date()


@contextmanager
def freeze(moment: datetime):
    """Pin the clock (aware or naive-UTC) for the duration of a block."""
    global _frozen
    previous = _frozen
    _frozen = to_utc_naive(moment) if moment.tzinfo else moment
    try:
        yield
    finally:
        _frozen = previous
