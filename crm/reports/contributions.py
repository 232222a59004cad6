"""What each merchant's records add to the figures' ledger: the one definition of every merchant fact.

For a set of merchants (or every merchant of a county) this reads their visits, applications, needs
and referrals and returns entries {(drive, county, town, district, trade, tier, day, grain, key):
{fact: value}} — the facts the records put on each day (crm/reports/models.py says which are
flows, distinct counts and stocks). The ledger adds the difference between a merchant's entries
before and after a change (crm/reports/ledger.py); the nightly check rebuilds them all and compares.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Connection, func, select

from crm.merchants.models import Merchant
from crm.referrals.models import OPEN_STATUSES, Referral
from crm.timeutil import local_date
from crm.visits.models import Application, Need, Visit

SOURCES = ("visits", "applications", "needs", "referrals")
BATCH = 500  # merchant ids per statement
Entries = dict[tuple, dict]


def _add(entries: Entries, key: tuple, fact: str, value) -> None:
    facts = entries.get(key)
    if facts is None:
        entries[key] = facts = {}
    facts[fact] = facts.get(fact, 0) + value


def _firsts(days: Iterable[date]) -> list[tuple[date, str]]:
    """(day, "_m"/"_q"/"_d") for the first of the days in each calendar month, quarter and overall."""
    found, seen = [], set()
    for day in sorted(days):
        for suffix, scope in (("_m", (day.year, day.month)), ("_q", (day.year, (day.month - 1) // 3)), ("_d", 0)):
            if (suffix, scope) not in seen:
                seen.add((suffix, scope))
                found.append((day, suffix))
    return found


class _Merchants:
    """The merchants asked about, with their place, and the statements that read their records."""

    def __init__(self, connection: Connection, merchant_ids: Iterable[int] | None = None,
                 county_id: int | None = None, referral_list_id: int | None = None):
        self.connection = connection
        self.where = [] if referral_list_id is None else [Referral.list_id == referral_list_id]
        columns = (Merchant.id, Merchant.county_id, func.coalesce(Merchant.town_id, 0),
                   func.coalesce(Merchant.district_id, 0), func.coalesce(Merchant.trade, ""),
                   func.coalesce(Merchant.tier, ""))
        if county_id is not None or referral_list_id is not None:
            merchant_ids = (select(Merchant.id).where(Merchant.county_id == county_id) if county_id is not None
                            else select(Referral.merchant_id).where(*self.where))
            self.filters = [merchant_ids]
            rows = connection.execute(select(*columns).where(Merchant.id.in_(merchant_ids))).all()
        else:
            ids = sorted(set(merchant_ids or ()))
            self.filters = [ids[start:start + BATCH] for start in range(0, len(ids), BATCH)]
            rows = [row for chunk in self.filters
                    for row in connection.execute(select(*columns).where(Merchant.id.in_(chunk))).all()]
        self.place = {row[0]: tuple(row[1:]) for row in rows}

    def rows(self, merchant_column, *columns):
        for merchant_filter in self.filters:
            for row in self.connection.execute(select(merchant_column, *columns)
                                               .where(merchant_column.in_(merchant_filter), *self.where)):
                if row[0] in self.place:  # (a record whose merchant is gone counts nowhere)
                    yield row


def entries_of(connection: Connection, merchant_ids: Iterable[int] | None = None, county_id: int | None = None,
               sources: Iterable[str] = SOURCES) -> Entries:
    """The ledger entries of the merchants' records (of the given sources), every drive's."""
    merchants = _Merchants(connection, merchant_ids, county_id)
    entries: Entries = {}
    for source in sources:
        _READERS[source](merchants, entries)
    return entries


def listed_entries(connection: Connection, referral_list_id: int) -> Entries:
    """The entries of a referral list's items alone: referral facts are counted per referral, so a new
    list adds exactly these to its merchants' entries."""
    entries: Entries = {}
    _referrals(_Merchants(connection, referral_list_id=referral_list_id), entries)
    return entries


def _key(merchants: _Merchants, merchant_id: int, campaign_id: int, day: date, grain: str = "fine", key: str = ""):
    return (campaign_id, *merchants.place[merchant_id], day, grain, key)


def _visits(merchants: _Merchants, entries: Entries) -> None:
    days: dict[tuple, list[date]] = {}
    for merchant_id, campaign_id, day, kind, satisfaction in merchants.rows(
            Visit.merchant_id, Visit.campaign_id, Visit.visited_on, Visit.kind, Visit.satisfaction):
        key = _key(merchants, merchant_id, campaign_id, day)
        _add(entries, key, "visits", 1)
        if satisfaction is not None:
            _add(entries, key, "sat_sum", satisfaction)
            _add(entries, key, "sat_n", 1)
        _add(entries, _key(merchants, merchant_id, campaign_id, day, "kind", kind), "visits", 1)
        days.setdefault((merchant_id, campaign_id), []).append(day)
    for (merchant_id, campaign_id), visited in days.items():
        for day, suffix in _firsts(visited):
            _add(entries, _key(merchants, merchant_id, campaign_id, day), "visited" + suffix, 1)


def _applications(merchants: _Merchants, entries: Entries) -> None:
    granted_days: dict[tuple, list[date]] = {}  # (merchant, drive, product key or None) → grant days
    flagged_days: dict[tuple, list[date]] = {}
    first_grant: dict[int, tuple[date, set]] = {}  # merchant → (earliest grant, drives granting that day)
    for (merchant_id, campaign_id, product_id, applied_on, applied, granted_on, granted, rate, drawn_on, drawn,
         flagged) in merchants.rows(
            Application.merchant_id, Application.campaign_id, Application.product_id, Application.applied_on,
            Application.applied_amount, Application.granted_on, Application.granted_amount, Application.rate,
            Application.drawn_on, Application.drawn_amount, Application.first_time_borrower):
        product = "" if product_id is None else str(product_id)
        for grain, key in (("fine", ""), ("product", product)):
            at_applied = _key(merchants, merchant_id, campaign_id, applied_on, grain, key)
            _add(entries, at_applied, "applications", 1)
            _add(entries, at_applied, "applied_amount", applied)
            if granted_on is not None and granted is not None:
                at_granted = _key(merchants, merchant_id, campaign_id, granted_on, grain, key)
                _add(entries, at_granted, "granted_amount", granted)
                if rate is not None:
                    _add(entries, at_granted, "rate_num", granted * rate)
                    _add(entries, at_granted, "rate_den", granted)
            if drawn_on is not None and drawn is not None:
                _add(entries, _key(merchants, merchant_id, campaign_id, drawn_on, grain, key), "drawn_amount", drawn)
            if granted_on is not None and flagged:
                flagged_days.setdefault((merchant_id, campaign_id, key if grain == "product" else None),
                                        []).append(granted_on)
        # By cohort: the outcome of an application on the day it was applied for, followed to today.
        at_applied = _key(merchants, merchant_id, campaign_id, applied_on)
        if granted_on is not None and granted is not None:
            _add(entries, at_applied, "cohort_granted_amount", granted)
        if drawn_on is not None and drawn is not None:
            _add(entries, at_applied, "cohort_drawn_amount", drawn)
        if granted_on is not None:
            granted_days.setdefault((merchant_id, campaign_id, None), []).append(granted_on)
            earliest = first_grant.get(merchant_id)
            if earliest is None or granted_on < earliest[0]:
                first_grant[merchant_id] = (granted_on, {campaign_id})
            elif granted_on == earliest[0]:
                earliest[1].add(campaign_id)
    for fact, days_by in (("merchants_granted", granted_days), ("first_time_borrowers", flagged_days)):
        for (merchant_id, campaign_id, product), days in days_by.items():
            grain, key = ("fine", "") if product is None else ("product", product)
            for day, suffix in _firsts(days):
                _add(entries, _key(merchants, merchant_id, campaign_id, day, grain, key), fact + suffix, 1)
    # 首贷户 from the records: the merchant's first recorded loan (of any drive) is this drive's.
    for merchant_id, (day, campaign_ids) in first_grant.items():
        for campaign_id in campaign_ids:
            _add(entries, _key(merchants, merchant_id, campaign_id, day), "first_loans", 1)


def _needs(merchants: _Merchants, entries: Entries) -> None:
    for merchant_id, campaign_id, opened_on, closed_on, status in merchants.rows(
            Need.merchant_id, Need.campaign_id, Need.opened_on, Need.closed_on, Need.status):
        _add(entries, _key(merchants, merchant_id, campaign_id, opened_on), "needs_open", 1)
        if closed_on is not None:
            _add(entries, _key(merchants, merchant_id, campaign_id, max(opened_on, closed_on)), "needs_open", -1)
            _add(entries, _key(merchants, merchant_id, campaign_id, closed_on), "needs_closed", 1)
        elif status != "open":  # closed without a date: never counted open
            _add(entries, _key(merchants, merchant_id, campaign_id, opened_on), "needs_open", -1)


def _referrals(merchants: _Merchants, entries: Entries) -> None:
    for merchant_id, campaign_id, created_at, status, changed_at, deadline_on in merchants.rows(
            Referral.merchant_id, Referral.campaign_id, Referral.created_at, Referral.status,
            Referral.status_changed_at, Referral.deadline_on):
        listed = local_date(created_at)
        _add(entries, _key(merchants, merchant_id, campaign_id, listed), "referrals", 1)
        _add(entries, _key(merchants, merchant_id, campaign_id, listed, "status", status), "referrals", 1)
        if deadline_on is None:
            continue
        # Overdue at a day's end from the day after its deadline (once listed) until it is drawn or closed.
        overdue = max(listed, deadline_on + timedelta(days=1))
        _add(entries, _key(merchants, merchant_id, campaign_id, overdue), "referrals_overdue", 1)
        if status not in OPEN_STATUSES:
            ended = max(overdue, local_date(changed_at))
            _add(entries, _key(merchants, merchant_id, campaign_id, ended), "referrals_overdue", -1)


_READERS = {"visits": _visits, "applications": _applications, "needs": _needs, "referrals": _referrals}
