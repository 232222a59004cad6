"""What each merchant's records add to the figures' ledger: the one definition of every merchant fact.

For a set of merchants (or every merchant of a county) this reads their visits, applications, needs
and referrals and returns entries {(drive, county, town, district, trade, tier, day, grain, key):
{fact: value}} — the facts the records put on each day (crm/reports/models.py says which are
flows, distinct counts and stocks). Each source's facts are in two parts: the flows of each record on
its own (`flow_entries`), and the distinct counts of each merchant's records taken together
(`first_entries`: the first day a merchant is visited or granted in each month, quarter and drive,
and its first loan ever). The ledger adds a changed record's own flows and the change in its
merchant's distinct counts (crm/reports/ledger.py); the nightly check rebuilds them all and compares.
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
# The model of each source and the columns its facts are read from, the merchant first.
RECORDS = {
    "visits": (Visit, ("merchant_id", "campaign_id", "visited_on", "kind", "satisfaction")),
    "applications": (Application, ("merchant_id", "campaign_id", "product_id", "applied_on", "applied_amount",
                                   "granted_on", "granted_amount", "rate", "drawn_on", "drawn_amount",
                                   "first_time_borrower")),
    "needs": (Need, ("merchant_id", "campaign_id", "opened_on", "closed_on", "status")),
    "referrals": (Referral, ("merchant_id", "campaign_id", "created_at", "status", "status_changed_at",
                             "deadline_on")),
}
BATCH = 500  # ids per statement
Entries = dict[tuple, dict]
Places = dict[int, tuple]  # merchant id → (county, town, district, trade, tier), "" or 0 for none
Rows = dict[int, tuple]  # record id → the source's columns


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


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[start:start + BATCH] for start in range(0, len(ordered), BATCH)]


PLACE_COLUMNS = (Merchant.id, Merchant.county_id, func.coalesce(Merchant.town_id, 0),
                  func.coalesce(Merchant.district_id, 0), func.coalesce(Merchant.trade, ""),
                  func.coalesce(Merchant.tier, ""))


def places(connection: Connection, merchant_ids: Iterable[int], lock: bool = False) -> Places:
    """The merchants' places; `lock`: on PostgreSQL, their rows locked until the transaction ends, so
    two transactions changing one merchant's records take turns (SQLite has one writer)."""
    lock = lock and connection.dialect.name == "postgresql"
    found = {}
    for chunk in _chunks(merchant_ids):
        stmt = select(*PLACE_COLUMNS).where(Merchant.id.in_(chunk)).order_by(Merchant.id)
        found.update((row[0], tuple(row[1:])) for row in connection.execute(stmt.with_for_update() if lock else stmt))
    return found


def records(connection: Connection, source: str, merchant_ids: Iterable[int] = (),
            record_ids: Iterable[int] = ()) -> Rows:
    """{record id: columns} of a source's records of the merchants, and of the records asked for by id."""
    model, names = RECORDS[source]
    columns = [model.id, *(getattr(model, name) for name in names)]
    found = {}
    for column, ids in ((model.merchant_id, merchant_ids), (model.id, record_ids)):
        for chunk in _chunks(ids):
            found.update((row[0], tuple(row[1:])) for row in connection.execute(select(*columns).where(column.in_(chunk))))
    return found


class _Merchants:
    """The merchants asked about (by id or by county), with their places, and the statement that reads a
    source's records of them."""

    def __init__(self, connection: Connection, merchant_ids: Iterable[int] | None = None, county_id: int | None = None):
        self.connection = connection
        if county_id is not None:
            merchant_ids = select(Merchant.id).where(Merchant.county_id == county_id)
            self.filters = [merchant_ids]
            self.places = {row[0]: tuple(row[1:]) for row in
                           connection.execute(select(*PLACE_COLUMNS).where(Merchant.id.in_(merchant_ids)))}
        else:
            self.filters = _chunks(merchant_ids or ())
            self.places = places(connection, merchant_ids or ())

    def rows(self, source: str) -> list[tuple]:
        model, names = RECORDS[source]
        columns = [getattr(model, name) for name in names]
        return [tuple(row) for merchant_filter in self.filters
                for row in self.connection.execute(select(*columns).where(model.merchant_id.in_(merchant_filter)))]


def entries_of(connection: Connection, merchant_ids: Iterable[int] | None = None, county_id: int | None = None,
               sources: Iterable[str] = SOURCES) -> Entries:
    """The ledger entries of the merchants' records (of the given sources), every drive's."""
    merchants = _Merchants(connection, merchant_ids, county_id)
    entries: Entries = {}
    for source in sources:
        rows = merchants.rows(source)
        flow_entries(merchants.places, source, rows, entries)
        first_entries(merchants.places, source, rows, entries)
    return entries


def flow_entries(merchant_places: Places, source: str, rows: Iterable[tuple], entries: Entries) -> None:
    """Add the facts each record puts on its days by itself (a record whose merchant is gone counts nowhere)."""
    reader = _FLOWS[source]
    for row in rows:
        place = merchant_places.get(row[0])
        if place is not None:
            reader(_Keys(place, row[1]), row, entries)


def first_entries(merchant_places: Places, source: str, rows: Iterable[tuple], entries: Entries) -> None:
    """Add the distinct counts of the merchants' records (all of each merchant's records of the source)."""
    reader = _FIRSTS.get(source)
    if reader is not None:
        reader(merchant_places, [row for row in rows if row[0] in merchant_places], entries)


class _Keys:
    """The entry keys of one record: its merchant's place, its drive, a day, a grain and a key."""

    __slots__ = ("campaign_id", "place")

    def __init__(self, place: tuple, campaign_id: int):
        self.place, self.campaign_id = place, campaign_id

    def __call__(self, day: date, grain: str = "fine", key: str = "") -> tuple:
        return (self.campaign_id, *self.place, day, grain, key)


def _visit_flows(at: _Keys, row: tuple, entries: Entries) -> None:
    _merchant_id, _campaign_id, day, kind, satisfaction = row
    _add(entries, at(day), "visits", 1)
    if satisfaction is not None:
        _add(entries, at(day), "sat_sum", satisfaction)
        _add(entries, at(day), "sat_n", 1)
    _add(entries, at(day, "kind", kind), "visits", 1)


def _visit_firsts(merchant_places: Places, rows: list[tuple], entries: Entries) -> None:
    days: dict[tuple, list[date]] = {}
    for merchant_id, campaign_id, day, *_rest in rows:
        days.setdefault((merchant_id, campaign_id), []).append(day)
    for (merchant_id, campaign_id), visited in days.items():
        at = _Keys(merchant_places[merchant_id], campaign_id)
        for day, suffix in _firsts(visited):
            _add(entries, at(day), "visited" + suffix, 1)


def _application_flows(at: _Keys, row: tuple, entries: Entries) -> None:
    (_merchant_id, _campaign_id, product_id, applied_on, applied, granted_on, granted, rate, drawn_on, drawn,
     _flagged) = row
    product = "" if product_id is None else str(product_id)
    for grain, key in (("fine", ""), ("product", product)):
        at_applied = at(applied_on, grain, key)
        _add(entries, at_applied, "applications", 1)
        _add(entries, at_applied, "applied_amount", applied)
        if granted_on is not None and granted is not None:
            at_granted = at(granted_on, grain, key)
            _add(entries, at_granted, "granted_amount", granted)
            if rate is not None:
                _add(entries, at_granted, "rate_num", granted * rate)
                _add(entries, at_granted, "rate_den", granted)
        if drawn_on is not None and drawn is not None:
            _add(entries, at(drawn_on, grain, key), "drawn_amount", drawn)
    # By cohort: the outcome of an application on the day it was applied for, followed to today.
    if granted_on is not None and granted is not None:
        _add(entries, at(applied_on), "cohort_granted_amount", granted)
    if drawn_on is not None and drawn is not None:
        _add(entries, at(applied_on), "cohort_drawn_amount", drawn)


def _application_firsts(merchant_places: Places, rows: list[tuple], entries: Entries) -> None:
    granted_days: dict[tuple, list[date]] = {}  # (merchant, drive, product key or None) → grant days
    flagged_days: dict[tuple, list[date]] = {}
    first_grant: dict[int, tuple[date, set]] = {}  # merchant → (earliest grant, drives granting that day)
    for merchant_id, campaign_id, product_id, _applied_on, _applied, granted_on, *_amounts, flagged in rows:
        if granted_on is None:
            continue
        granted_days.setdefault((merchant_id, campaign_id, None), []).append(granted_on)
        if flagged:
            product = "" if product_id is None else str(product_id)
            for key in (None, product):
                flagged_days.setdefault((merchant_id, campaign_id, key), []).append(granted_on)
        earliest = first_grant.get(merchant_id)
        if earliest is None or granted_on < earliest[0]:
            first_grant[merchant_id] = (granted_on, {campaign_id})
        elif granted_on == earliest[0]:
            earliest[1].add(campaign_id)
    for fact, days_by in (("merchants_granted", granted_days), ("first_time_borrowers", flagged_days)):
        for (merchant_id, campaign_id, product), days in days_by.items():
            grain, key = ("fine", "") if product is None else ("product", product)
            at = _Keys(merchant_places[merchant_id], campaign_id)
            for day, suffix in _firsts(days):
                _add(entries, at(day, grain, key), fact + suffix, 1)
    # 首贷户 from the records: the merchant's first recorded loan (of any drive) is this drive's.
    for merchant_id, (day, campaign_ids) in first_grant.items():
        for campaign_id in campaign_ids:
            _add(entries, _Keys(merchant_places[merchant_id], campaign_id)(day), "first_loans", 1)


def _need_flows(at: _Keys, row: tuple, entries: Entries) -> None:
    _merchant_id, _campaign_id, opened_on, closed_on, status = row
    _add(entries, at(opened_on), "needs_open", 1)
    if closed_on is not None:
        _add(entries, at(max(opened_on, closed_on)), "needs_open", -1)
        _add(entries, at(closed_on), "needs_closed", 1)
    elif status != "open":  # closed without a date: never counted open
        _add(entries, at(opened_on), "needs_open", -1)


def _referral_flows(at: _Keys, row: tuple, entries: Entries) -> None:
    _merchant_id, _campaign_id, created_at, status, changed_at, deadline_on = row
    listed = local_date(created_at)
    _add(entries, at(listed), "referrals", 1)
    _add(entries, at(listed, "status", status), "referrals", 1)
    if deadline_on is None:
        return
    # Overdue at a day's end from the day after its deadline (once listed) until it is drawn or closed.
    overdue = max(listed, deadline_on + timedelta(days=1))
    _add(entries, at(overdue), "referrals_overdue", 1)
    if status not in OPEN_STATUSES:
        ended = max(overdue, local_date(changed_at))
        _add(entries, at(ended), "referrals_overdue", -1)


_FLOWS = {"visits": _visit_flows, "applications": _application_flows, "needs": _need_flows,
          "referrals": _referral_flows}
# The sources with distinct counts: a change to one of their records is weighed against the merchant's others.
_FIRSTS = {"visits": _visit_firsts, "applications": _application_firsts}
DISTINCT_SOURCES = tuple(_FIRSTS)
