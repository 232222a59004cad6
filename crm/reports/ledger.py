"""Keeping the figures' ledger (crm/reports/models.py) in step with the records.

Every flush that adds, changes or deletes a visit, an application, a need or a referral adds to the
ledger, in the same transaction, what the change adds to the figures (crm/reports/contributions.py):
each record's own flows taken off its old days and put on its new ones, and the change in its
merchant's distinct counts, recomputed from the merchant's records of that source before and after.
A flush that moves a merchant to another place, trade or tier (or deletes a referral list) recomputes
the merchants' entries whole instead. A figure therefore holds every record the moment its transaction
commits, with or without a scheduler. On PostgreSQL the merchants' rows are locked first, so two
transactions changing one merchant's records take turns and each sees the other's result.

Writes that bypass the ORM (INSERT … SELECT, bulk loads) call `merchants_changed` around them, or
`rebuild` after them. `check` recomputes every county's entries from the records, reports the rows
that differ and repairs them (the scheduler runs it nightly; `flask crm reports check` on demand).
"""
from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, Connection, delete, event, func, inspect, literal, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crm.merchants.models import Merchant
from crm.referrals.models import Referral, ReferralList
from crm.reports import contributions
from crm.reports.contributions import SOURCES
from crm.reports.models import COLUMNS, DAY, KEY, MONTH, DayFact
from crm.visits.models import Application, Need, Visit

_TABLE = DayFact.__table__
_BATCH = 400  # rows per upsert statement: 36 parameters each, under SQLite's limit
COPY_FROM_ROWS = 2000  # PostgreSQL: from this many rows, COPY them (a temporary table is not worth it for a visit)
_WATCHED = {Visit: "visits", Application: "applications", Need: "needs", Referral: "referrals"}
_PLACE = ("county_id", "town_id", "district_id", "trade", "tier")
_STASH = "ledger_before"


# ---- entries to rows -------------------------------------------------------------------------------

def rows_of(entries: contributions.Entries) -> dict[tuple, dict]:
    """The ledger rows (KEY → facts) the entries add to: the day per district, the month per district,
    town and county; a "fine" entry also to the "place" grain (trade and tier summed over)."""
    rows: dict[tuple, dict] = {}
    for (campaign_id, county, town, district, trade, tier, day, grain, key), facts in entries.items():
        month = day.replace(day=1)
        for each in (grain, "place") if grain == "fine" else (grain,):
            kept = (trade, tier) if each == "fine" else ("", "")
            for row_key in ((campaign_id, each, 3, DAY, day, county, town, district, *kept, key),
                            (campaign_id, each, 3, MONTH, month, county, town, district, *kept, key),
                            (campaign_id, each, 2, MONTH, month, county, town, 0, *kept, key),
                            (campaign_id, each, 1, MONTH, month, county, 0, 0, *kept, key)):
                acc = rows.get(row_key)
                if acc is None:
                    rows[row_key] = acc = {}
                for fact, value in facts.items():
                    acc[fact] = acc.get(fact, 0) + value
    return {row_key: facts for row_key, facts in rows.items() if any(facts.values())}


def difference(new: dict[tuple, dict], old: dict[tuple, dict]) -> dict[tuple, dict]:
    """new − old, row by row, without the rows and facts that do not change."""
    found = {}
    for row_key in new.keys() | old.keys():
        after, before = new.get(row_key, {}), old.get(row_key, {})
        change = {fact: after.get(fact, 0) - before.get(fact, 0) for fact in after.keys() | before.keys()}
        change = {fact: value for fact, value in change.items() if value}
        if change:
            found[row_key] = change
    return found


def add(connection: Connection, rows: dict[tuple, dict]) -> None:
    """Add the rows' facts to the ledger's rows (created when missing), in key order."""
    if not rows:
        return
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_FROM_ROWS:
        _add_copied(connection, rows)
        return
    make = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    values = [{**dict(zip(KEY, row_key, strict=True)), **{name: facts.get(name, 0) for name in COLUMNS}}
              for row_key, facts in sorted(rows.items())]
    stmt = make(_TABLE)
    stmt = stmt.on_conflict_do_update(index_elements=list(KEY),
                                      set_={name: _TABLE.c[name] + stmt.excluded[name] for name in COLUMNS})
    for start in range(0, len(values), _BATCH):
        connection.execute(stmt, values[start:start + _BATCH])


def _add_copied(connection: Connection, rows: dict[tuple, dict]) -> None:
    """PostgreSQL, many rows (a new county list adds some 50,000): COPY them into a temporary table, then
    one upsert from it — a statement per row takes four times as long."""
    columns = ", ".join((*KEY, *COLUMNS))
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE ledger_added AS SELECT {columns} FROM {_TABLE.name} WITH NO DATA")
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(
            f"COPY ledger_added ({columns}) FROM STDIN") as copy:
        for row_key, facts in sorted(rows.items()):
            copy.write_row((*row_key, *(facts.get(name, 0) for name in COLUMNS)))
    added = ", ".join(f"{name} = {_TABLE.name}.{name} + excluded.{name}" for name in COLUMNS)
    connection.exec_driver_sql(
        f"INSERT INTO {_TABLE.name} ({columns}) SELECT {columns} FROM ledger_added ORDER BY {', '.join(KEY)} "
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {added}")
    connection.exec_driver_sql("DROP TABLE ledger_added")


# ---- in step with every flush ---------------------------------------------------------------------

def _merchant_id(record) -> int | None:
    """The record's merchant as known before the flush: a merchant set through the relationship has
    its id in merchant_id only after it (none yet for one registered in the same flush)."""
    merchant = record.__dict__.get("merchant")
    return merchant.id if record.merchant_id is None and merchant is not None else record.merchant_id


@dataclass
class _Changed:
    """A source's records in a flush: those there after it, and the ids of those there before it."""

    live: list = field(default_factory=list)
    old_ids: set[int] = field(default_factory=set)


def _touched(session: Session) -> tuple[dict[str, _Changed], set[int], set[str]]:
    """({source: its records added, changed or deleted}, merchant ids known now, the sources of which
    the merchants' entries must be recomputed whole: every source when a merchant moved to another place,
    trade or tier, referrals when a list of them went at once)."""
    records: dict[str, _Changed] = {}
    ids, whole = set(), set()
    changed = [r for r in session.dirty if session.is_modified(r, include_collections=False)]
    for record, live, old in [*((r, True, False) for r in session.new), *((r, True, True) for r in changed),
                              *((r, False, True) for r in session.deleted)]:
        source = _WATCHED.get(type(record))
        if source is not None:
            found = records.setdefault(source, _Changed())
            if live:
                found.live.append(record)
            if old:
                found.old_ids.add(record.id)
            ids.add(_merchant_id(record))
        elif isinstance(record, Merchant) and record.id is not None and any(
                inspect(record).attrs[name].history.has_changes() for name in _PLACE):
            ids.add(record.id)
            whole.update(SOURCES)
        elif isinstance(record, ReferralList) and record in session.deleted:  # its referrals go with it
            ids |= set(session.connection().scalars(select(Referral.merchant_id)
                                                    .where(Referral.list_id == record.id)))
            whole.add("referrals")
    return records, ids - {None}, whole


def _entries(connection: Connection, ids: set[int], sources: Iterable[str]) -> dict[tuple, dict]:
    if not ids:
        return {}
    return rows_of(contributions.entries_of(connection, ids, sources=[s for s in SOURCES if s in sources]))


class _Whole:
    """A flush whose merchants' entries are recomputed whole (of the sources given and of every record
    changed): read before it, again after it."""

    def __init__(self, connection: Connection, records: dict[str, _Changed], ids: set[int], sources: set[str]):
        self.live, self.ids = [r for changed in records.values() for r in changed.live], ids
        self.sources = sources | set(records)
        contributions.places(connection, ids, lock=True)
        self.before = _entries(connection, ids, self.sources)

    def change(self, connection: Connection) -> dict[tuple, dict]:
        ids = self.ids | ({record.merchant_id for record in self.live} - {None})  # new records know it now
        return difference(_entries(connection, ids, self.sources), self.before)


class _Records:
    """A flush weighed record by record: each changed record's own flows leave its old days and join its
    new ones; the distinct counts of its merchants are recomputed from the merchants' records of that
    source as they were (read before the flush, under the merchants' locks) and as they are after it."""

    def __init__(self, connection: Connection, records: dict[str, _Changed], ids: set[int],
                 old: dict[str, contributions.Rows]):
        self.records, self.old = records, old
        self.places = contributions.places(connection, ids, lock=True)
        self.before = {source: {**rows, **(contributions.records(connection, source, merchant_ids=ids)
                                           if source in contributions.DISTINCT_SOURCES else {})}
                       for source, rows in old.items()}

    def _merchants_found_now(self, connection: Connection, source: str, after: contributions.Rows) -> None:
        """Merchants first seen after the flush (registered in it, or set through the relationship): their
        other records were there before it, as they are now."""
        found = {row[0] for row in after.values()} - set(self.places)
        if found:
            self.places.update(contributions.places(connection, found, lock=True))
            if source in contributions.DISTINCT_SOURCES:
                now = contributions.records(connection, source, merchant_ids=found)
                self.before[source].update((i, row) for i, row in now.items() if i not in after)

    def change(self, connection: Connection) -> dict[tuple, dict]:
        old, new = {}, {}
        for source, changed in self.records.items():
            after = contributions.records(connection, source, record_ids={r.id for r in changed.live})
            self._merchants_found_now(connection, source, after)
            before = self.before[source]
            contributions.flow_entries(self.places, source, self.old[source].values(), old)
            contributions.flow_entries(self.places, source, after.values(), new)
            if source in contributions.DISTINCT_SOURCES:
                kept = [row for i, row in before.items() if i not in changed.old_ids]
                contributions.first_entries(self.places, source, before.values(), old)
                contributions.first_entries(self.places, source, [*kept, *after.values()], new)
        return difference(rows_of(new), rows_of(old))


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    records, ids, whole = _touched(session)
    if not records and not whole:
        session.info.pop(_STASH, None)
        return
    connection = session.connection()
    # The records as they are before the flush: where they were counted, and for which merchants.
    old = {source: contributions.records(connection, source, record_ids=changed.old_ids)
           for source, changed in records.items()}
    ids |= {row[0] for rows in old.values() for row in rows.values()}
    session.info[_STASH] = (_Whole(connection, records, ids, whole) if whole
                            else _Records(connection, records, ids, old))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    stashed = session.info.pop(_STASH, None)
    if stashed is not None:
        add(session.connection(), stashed.change(session.connection()))


@contextmanager
def merchants_changed(connection: Connection, ids: Iterable[int], sources: Iterable[str] = SOURCES):
    """`with merchants_changed(connection, ids):` around a write that bypasses the ORM."""
    ids, sources = set(ids), set(sources)
    contributions.places(connection, ids, lock=True)
    before = _entries(connection, ids, sources)
    yield
    add(connection, difference(_entries(connection, ids, sources), before))


def referrals_listed(connection: Connection, referral_list_id: int, listed_on: date) -> None:
    """Add a new referral list's items, written with INSERT … SELECT on `listed_on` and without deadlines,
    in one statement: the database counts the rows `rows_of` makes of their entries and adds them (the
    ledger check keeps the two equal). A province list of 20,000 names spread over 6,000 districts adds
    some 40,000 rows: read back, computed here and copied in, they cost twice the CPU and a temporary table."""
    make = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    stmt = make(_TABLE).from_select([*KEY, *COLUMNS], _listed_rows(referral_list_id, listed_on))
    connection.execute(stmt.on_conflict_do_update(
        index_elements=list(KEY), set_={"referrals": _TABLE.c.referrals + stmt.excluded.referrals}))


def _listed_rows(referral_list_id: int, listed_on: date):
    """The ledger rows of a new list's items, in key order: each merchant's place counted once per grain
    ("fine" keeps trade and tier, "place" sums over them, "status" keys by the item's status) on the
    day per district and on the month per district, town and county."""
    place = [column.label(name) for column, name in zip(contributions.PLACE_COLUMNS[1:], _PLACE, strict=True)]
    listed = (select(Referral.campaign_id, Referral.status, *place, func.count().label("n"))
              .join(Merchant, Merchant.id == Referral.merchant_id).where(Referral.list_id == referral_list_id)
              .group_by(Referral.campaign_id, Referral.status, *contributions.PLACE_COLUMNS[1:])).cte("listed")
    c, month = listed.c, listed_on.replace(day=1)
    grains = (("fine", c.trade, c.tier, ""), ("place", "", "", ""), ("status", "", "", c.status))
    levels = ((3, DAY, listed_on, c.town_id, c.district_id), (3, MONTH, month, c.town_id, c.district_id),
              (2, MONTH, month, c.town_id, 0), (1, MONTH, month, 0, 0))
    parts = union_all(*(select(*(_value(value).label(name) for name, value in zip(
        (*KEY, "n"), (c.campaign_id, grain, depth, span, day, c.county_id, town, district, trade, tier, key, c.n),
        strict=True))) for grain, trade, tier, key in grains for depth, span, day, town, district in levels)).subquery()
    keys = [parts.c[name] for name in KEY]
    return (select(*keys, *(func.sum(parts.c.n) if name == "referrals" else literal(0) for name in COLUMNS))
            .group_by(*keys).order_by(*keys))


def _value(value):
    """A column as it is, a Python value as a bound literal (a SELECT's constant column)."""
    return value if isinstance(value, ColumnElement) else literal(value)


# ---- from the records: rebuild and check ----------------------------------------------------------

def _counties(connection: Connection) -> list[int]:
    """Every county with merchants or with ledger rows."""
    return sorted(set(connection.scalars(select(Merchant.county_id).distinct()))
                  | set(connection.scalars(select(DayFact.county_id).distinct())))


def _expected(connection: Connection, county_id: int) -> dict[tuple, dict]:
    return rows_of(contributions.entries_of(connection, county_id=county_id))


def _stored(connection: Connection, county_id: int) -> dict[tuple, dict]:
    width = len(KEY)
    stored = {}
    for row in connection.execute(select(*[_TABLE.c[n] for n in (*KEY, *COLUMNS)]).where(_TABLE.c.county_id == county_id)):
        facts = {name: value for name, value in zip(COLUMNS, row[width:], strict=True) if value}
        if facts:
            stored[tuple(row[:width])] = facts
    return stored


def _replace(connection: Connection, county_id: int, rows: dict[tuple, dict]) -> None:
    connection.execute(delete(_TABLE).where(_TABLE.c.county_id == county_id))
    columns = [*KEY, *COLUMNS]
    # In key order: a period's rows (drive, grain, depth, span, day …) then lie on few pages together.
    values = [[*row_key, *(facts.get(name, 0) for name in COLUMNS)] for row_key, facts in sorted(rows.items())]
    if connection.dialect.name == "postgresql":  # COPY: a county is ~100,000 rows at province scale
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(
                f"COPY {_TABLE.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
    elif values:
        connection.execute(_TABLE.insert(), [dict(zip(columns, row, strict=True)) for row in values])


def rebuild(connection: Connection, log=None) -> int:
    """Fill the ledger from the records, county by county; the number of rows written."""
    written = 0
    for county_id in _counties(connection):
        rows = _expected(connection, county_id)
        _replace(connection, county_id, rows)
        written += len(rows)
        if log:
            log(f"county {county_id}: {len(rows)} rows")
    return written


def check(connection: Connection, repair: bool = True) -> dict[int, int]:
    """{county id: ledger rows that differ from the records} (none when all agree), repaired unless told not to."""
    differences = {}
    for county_id in _counties(connection):
        expected = _expected(connection, county_id)
        found = len(difference(expected, _stored(connection, county_id)))
        if found:
            differences[county_id] = found
            if repair:
                _replace(connection, county_id, expected)
    return differences
