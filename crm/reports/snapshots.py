"""Rollup snapshots: a period's facts computed once from the records and stored, then read by every
report of that period — dashboard, notice, print page and API — whatever the slice or the view.

Computing a quarter at province scale reads millions of rows (seconds); reading its snapshot sums
a few thousand (milliseconds). The price is freshness: a snapshot holds the records as they were
when it was computed, and every report says when that was. The scheduler recomputes the periods
that contain today every REPORTS_REFRESH_MINUTES and every other period once a day (records can
be entered late); a lead can recompute the period on the page; a period never computed is
computed on first reading.
"""
from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from crm.auth.scoping import regions_condition
from crm.campaigns.models import Campaign
from crm.dates import month_code, quarter_code
from crm.extensions import db
from crm.regions.models import Region
from crm.reports import queries
from crm.reports.models import DEPTHS, RollupFact, RollupSnapshot
from crm.reports.periods import Period, as_period, parse_period, period_choices
from crm.timeutil import local_date, local_today, utcnow

_FACT_COLUMNS = {name: getattr(RollupFact, name) for name in queries.FACTS}
_BATCH = 5000
# Records still arrive for a while after a drive ends (late outcomes, offline visits): its periods
# are recomputed daily until this many days after its end, then kept as they are.
LATE_DAYS = 60
REFRESH_WORK_MEM = "256MB"  # PostgreSQL's per-sort memory while a snapshot is computed


# ---- computing --------------------------------------------------------------------------------

def refresh(campaign: Campaign, period: Period | str) -> RollupSnapshot:
    """Compute the period's facts from the records and replace its snapshot, in one transaction."""
    period = as_period(period, campaign)
    started = time.perf_counter()
    if db.session.connection().dialect.name == "postgresql":
        # A background computation over millions of rows: sort and hash in memory rather than in
        # temporary files, and skip JIT compilation, which costs more than it saves here.
        db.session.execute(text(f"SET LOCAL work_mem = '{REFRESH_WORK_MEM}'"))
        db.session.execute(text("SET LOCAL jit = off"))
    rows = _computed_rows(campaign, period)
    db.session.execute(delete(RollupSnapshot).where(RollupSnapshot.campaign_id == campaign.id,
                                                    RollupSnapshot.period == period.code))
    snapshot = RollupSnapshot(campaign_id=campaign.id, period=period.code, starts_on=period.start,
                              ends_on=period.end, seconds=round(time.perf_counter() - started, 3))
    db.session.add(snapshot)
    db.session.flush()
    _insert_facts(snapshot.id, rows)
    db.session.commit()
    return snapshot


def _insert_facts(snapshot_id: int, rows: list[dict]) -> None:
    """Write the fact rows: COPY on PostgreSQL (a quarter is ~150,000 rows at province scale, several
    times faster than INSERTs), batched INSERTs on SQLite."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        for first in range(0, len(rows), _BATCH):
            db.session.execute(insert(RollupFact), [{**row, "snapshot_id": snapshot_id}
                                                    for row in rows[first:first + _BATCH]])
        return
    columns = ["snapshot_id", *_COLUMNS]
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(
            f"COPY {RollupFact.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([snapshot_id, *(row[name] for name in _COLUMNS)])


def _computed_rows(campaign: Campaign, period: Period) -> list[dict]:
    """Every fact row of the period, as dicts for RollupFact, from the build queries."""
    location = regions_condition([campaign.territory_id])
    by_group: dict[tuple, dict] = defaultdict(dict)
    for names, found in queries.merchant_facts(campaign.id, period, location):
        width = len(names)
        for row in found:
            by_group[tuple(row[width:])].update(zip(names, row[:width], strict=True))
    fine = [_fact("fine", group[:3], values, trade=group[3], tier=group[4]) for group, values in by_group.items()]
    width = len(queries.APPLICATION_FACTS)
    product = [_fact("product", row[width:width + 3], dict(zip(queries.APPLICATION_FACTS, row[:width], strict=True)),
                     key=row[width + 3])
               for row in queries.application_facts(campaign.id, period, location)]
    kind = [_fact("kind", place, {"visits": n}, key=kind)
            for n, *place, kind in queries.visits_by_kind(campaign.id, period, location)]
    status = [_fact("status", place, {"referrals": n}, key=status)
              for n, *place, status in queries.referral_statuses(campaign.id, period, location)]
    coverage = [_fact("coverage", place, {"merchants_visited": n})
                for n, *place in queries.visited_to_date(campaign, period, location)]
    place = _summed(fine, DEPTHS["district"], grain="place")
    rows = [*coverage]
    for by_district in (fine, place, product, kind, status):
        rows += by_district
        rows += _summed(by_district, DEPTHS["town"])
        rows += _summed(by_district, DEPTHS["county"])
    return rows


_KEY = ("grain", "county_id", "town_id", "district_id", "trade", "tier", "key")
_COLUMNS = (*_KEY, "depth", *queries.FACTS)


def _fact(grain: str, place, values: dict, trade=None, tier=None, key=None) -> dict:
    county_id, town_id, district_id = place
    return {"grain": grain, "depth": DEPTHS["district"], "county_id": county_id, "town_id": town_id,
            "district_id": district_id, "trade": trade, "tier": tier, "key": None if key is None else str(key),
            **{name: values.get(name) or 0 for name in queries.FACTS}}


def _summed(rows: list[dict], depth: int, grain: str | None = None) -> list[dict]:
    """The rows added up at a coarser depth (the place columns below it emptied); given a grain,
    as that grain with trade and tier summed over too (the "place" grain from the "fine")."""
    emptied = set(queries.PLACE[depth:]) | ({"trade", "tier"} if grain else set())
    sums: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(None if name in emptied else row[name] for name in _KEY)
        acc = sums.get(key)
        if acc is None:
            sums[key] = acc = dict.fromkeys(queries.FACTS, 0)
        for name in queries.FACTS:
            acc[name] += row[name]
    return [{**dict(zip(_KEY, key, strict=True)), **({"grain": grain} if grain else {}), "depth": depth, **values}
            for key, values in sums.items()]


# ---- finding --------------------------------------------------------------------------------------

def snapshot_for(campaign: Campaign, period: Period) -> RollupSnapshot:
    """The period's snapshot, computed now if it has never been (or the drive's start has moved)."""
    snapshot = _stored(campaign.id, period.code)
    if snapshot is not None and snapshot.starts_on == period.start:
        return snapshot
    return _computed_now(campaign, period)


def snapshots_for(campaign: Campaign, codes: list[str]) -> dict[str, RollupSnapshot]:
    """{code: snapshot} of several periods, found in one query (the trend's months, say)."""
    periods = {code: parse_period(code, campaign) for code in codes}
    stored = {s.period: s for s in db.session.scalars(
        select(RollupSnapshot).where(RollupSnapshot.campaign_id == campaign.id, RollupSnapshot.period.in_(codes)))}
    return {code: snapshot if (snapshot := stored.get(code)) is not None and snapshot.starts_on == period.start
            else _computed_now(campaign, period) for code, period in periods.items()}


def _computed_now(campaign: Campaign, period: Period) -> RollupSnapshot:
    try:
        return refresh(campaign, period)
    except IntegrityError:  # another request computed it at the same moment: read theirs
        db.session.rollback()
        return _stored(campaign.id, period.code)


def _stored(campaign_id: int, code: str) -> RollupSnapshot | None:
    return db.session.scalar(select(RollupSnapshot).where(RollupSnapshot.campaign_id == campaign_id,
                                                          RollupSnapshot.period == code))


def period_of(snapshot: RollupSnapshot) -> Period:
    """The period as its snapshot counted it (the current one ends on the day it was computed)."""
    return Period(snapshot.period, snapshot.starts_on, snapshot.ends_on)


# ---- reading ---------------------------------------------------------------------------------------

_PLACE_COLUMN = {"county": RollupFact.county_id, "town": RollupFact.town_id, "district": RollupFact.district_id}


def _in_slice(stmt, campaign: Campaign, within: Region | None, grain: str, depth: int):
    """Keep the fact rows of the grain, at the coarsest depth that serves both the slice and the
    caller's grouping, located in `within` (the whole drive when None or its territory)."""
    whole = within is None or within.id == campaign.territory_id
    if not whole:
        depth = max(depth, DEPTHS[within.level])
    if grain == "coverage":
        depth = DEPTHS["district"]
    stmt = stmt.where(RollupFact.grain == grain, RollupFact.depth == depth)
    return stmt if whole else stmt.where(_PLACE_COLUMN[within.level] == within.id)


def sums(snapshot: RollupSnapshot, campaign: Campaign, within: Region | None, grain: str,
         group_by: tuple[str, ...], facts: tuple[str, ...] = queries.FACTS) -> list:
    """(*facts, *group_by) summed over the snapshot's rows of a grain in the slice."""
    groups = [getattr(RollupFact, name) for name in group_by]
    depth = max([DEPTHS["county"], *(index + 1 for index, name in enumerate(queries.PLACE) if name in group_by)])
    stmt = (select(*[func.sum(_FACT_COLUMNS[name]) for name in facts], *groups)
            .where(RollupFact.snapshot_id == snapshot.id).group_by(*groups))
    return db.session.execute(_in_slice(stmt, campaign, within, grain, depth)).all()


def stored_coverage(campaign: Campaign) -> tuple[dict[int, int], datetime]:
    """({district id: merchants visited in the drive}, when counted), as the drive-to-date snapshot has them.

    Counting it afresh probes every merchant for a visit (seconds at province scale); the snapshot
    holds the same numbers, refreshed by the scheduler.
    """
    snapshot = snapshot_for(campaign, parse_period("all", campaign))
    found = sums(snapshot, campaign, None, "coverage", ("district_id",), ("merchants_visited",))
    return {district_id: int(n) for n, district_id in found}, snapshot.computed_at


def counts_by_key(snapshot: RollupSnapshot, campaign: Campaign, within: Region | None, grain: str,
                  fact: str) -> dict[str, int]:
    """{key: fact summed} of the "kind" or "status" grain."""
    return {key: int(value) for value, key in sums(snapshot, campaign, within, grain, ("key",), (fact,))}


def monthly(campaign: Campaign, months: list[str], within: Region | None) -> dict[str, tuple[int, float]]:
    """{month code: (visits, amount granted)} read from each month's snapshot."""
    ids = {snapshot.id: code for code, snapshot in snapshots_for(campaign, months).items()}
    stmt = (select(RollupFact.snapshot_id, func.sum(RollupFact.visits), func.sum(RollupFact.granted_amount))
            .where(RollupFact.snapshot_id.in_(ids)).group_by(RollupFact.snapshot_id))
    stmt = _in_slice(stmt, campaign, within, "place", DEPTHS["county"])
    return {ids[sid]: (int(visits or 0), float(granted or 0)) for sid, visits, granted in db.session.execute(stmt)}


# ---- keeping them fresh --------------------------------------------------------------------------

def current_codes(today: date) -> set[str]:
    """The periods whose figures still change as the days pass: those containing today, and "all"."""
    return {"all", quarter_code(today), month_code(today)}


def due_codes(campaign: Campaign, every: timedelta, now: datetime | None = None) -> list[str]:
    """The periods of a drive to recompute now: those never computed; while the drive runs, the
    current ones when older than `every`; until LATE_DAYS after its end, the others once a day
    (late records reach them within a day)."""
    now = now or utcnow()
    today = local_today()
    stored = dict(db.session.execute(select(RollupSnapshot.period, RollupSnapshot.computed_at)
                                     .where(RollupSnapshot.campaign_id == campaign.id)).all())
    current = current_codes(today) if campaign.starts_on <= today <= campaign.ends_on else set()
    daily = today <= campaign.ends_on + timedelta(days=LATE_DAYS)
    due = []
    for code in period_choices(campaign):
        computed_at = stored.get(code)
        if (computed_at is None or (code in current and computed_at <= now - every)
                or (daily and local_date(computed_at) < today)):
            due.append(code)
    return due


def refresh_due(every: timedelta) -> dict[str, float]:
    """Recompute every drive's due periods: {"<drive id>:<period>": seconds}."""
    done = {}
    today = local_today()
    for campaign in db.session.scalars(select(Campaign).where(Campaign.starts_on <= today)).all():
        for code in due_codes(campaign, every):
            snapshot = refresh(campaign, code)
            done[f"{campaign.id}:{code}"] = snapshot.seconds
    return done
