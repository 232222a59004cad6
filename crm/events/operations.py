"""Event rules: planning and holding joint visit days and meetings, the month strip, the quotas.

Views, the API and the CLI call these; they add to the session and leave the commit to the caller.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from crm import audit
from crm.api import shapes
from crm.api.payload import Invalid
from crm.auth.scoping import can_edit_event, pair_condition
from crm.campaigns.models import Campaign, LiaisonPair
from crm.campaigns.queries import campaign_counties
from crm.campaigns.rules import Quota, campaign_quotas, drive_periods, event_quota, period_code, period_start
from crm.dates import add_months, month_start
from crm.events.models import EVENT_KINDS, LEVELS, Event
from crm.events.queries import event_county, event_day
from crm.extensions import db
from crm.labels import label
from crm.regions.models import Region
from crm.timeutil import local_today
from crm.visits.models import Photo, Visit
from crm.visits.operations import (
    PHOTO_QUALITY,
    clean_image,  # event photos are cleaned as visit photos
)

AUDITED_FIELDS = (
    "kind", "status", "pair_id", "county_id", "region_id", "level", "title", "planned_on", "held_on", "place",
    "organizers", "with_briefing", "attendance", "merchants_reached", "briefing_audience", "intentions",
    "signed_amount", "notes",
)
COUNT_FIELDS = ("attendance", "merchants_reached", "briefing_audience", "intentions")
# An event as the API receives it (POST /api/v1/campaigns/{id}/events): read with this, documented from it.
EVENT_INPUT = shapes.Shape(
    kind=shapes.choice(EVENT_KINDS, required=True), title=shapes.text(160), planned_on=shapes.day(required=True),
    held_on=shapes.day(), pair_id=shapes.integer(), county_id=shapes.integer(), region_id=shapes.integer(),
    level=shapes.choice(LEVELS), place=shapes.text(200), organizers=shapes.text(200), with_briefing=shapes.flag(),
    **{name: shapes.integer(low=0) for name in COUNT_FIELDS}, signed_amount=shapes.number(low=0),
    notes=shapes.text(2000),
)
# Fields the planner sets; the outcome fields are recorded when the event is held.
PLAN_FIELDS = ("kind", "pair_id", "county_id", "region_id", "level", "title", "planned_on", "place", "organizers",
               "with_briefing", "notes")
OUTCOME_FIELDS = ("held_on", "attendance", "merchants_reached", "briefing_audience", "intentions", "signed_amount",
                  "notes")


class EventError(ValueError):
    """Bad input: {field: message} in the user's language; nothing was changed."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


# ---- validation --------------------------------------------------------------------------------

def _visible_pair(pair_id, actor) -> LiaisonPair | None:
    """The pair, if the actor may see it (the CLI and the demo, with no actor, see every pair)."""
    stmt = select(LiaisonPair).where(LiaisonPair.id == (pair_id or 0))
    return db.session.scalar(stmt if actor is None else stmt.where(pair_condition(actor)))


def _check_place(campaign: Campaign, values: dict, errors: dict, actor) -> None:
    kind = values.get("kind")
    if kind == "joint_visit_day":
        pair = _visible_pair(values.get("pair_id"), actor)
        if pair is None or pair.campaign_id != campaign.id:
            errors["pair_id"] = _("Choose the pair whose day this is.")
            return
        values["county_id"] = pair.county_id
        region = db.session.get(Region, values.get("region_id") or 0)
        if region is None or region.level not in ("town", "district"):
            errors["region_id"] = _("Choose the town or district of the day.")
        elif pair.county_id not in {r.id for r in region.ancestors()}:
            errors["region_id"] = _("The place must be in the pair's county.")
    elif kind == "matchmaking":
        if values.get("county_id") not in {c.id for c in campaign_counties(campaign)}:
            errors["county_id"] = _("Choose the county of the meeting.")
    elif kind == "level_visit" and values.get("level") not in LEVELS:
        errors["level"] = _("Choose the level: province, city or county.")
    elif kind == "level_visit" and values["level"] == "county" and not values.get("county_id"):
        # Each county's bureau and bank are a pair of their own: its visits count for that county.
        errors["county_id"] = _("Choose the county whose bureau and bank met.")
    if values.get("county_id") and values.get("county_id") not in {c.id for c in campaign_counties(campaign)}:
        errors["county_id"] = _("The county is not in the drive's territory.")
    if kind != "joint_visit_day" and values.get("region_id"):
        _check_region(campaign, values, errors)


def _check_region(campaign: Campaign, values: dict, errors: dict) -> None:
    """Where an event other than a joint visit day is held: within its county; without one, within the
    drive's territory or above it (a city's or the province's visit). A place elsewhere would count the
    event in another area's figures."""
    region = db.session.get(Region, values["region_id"])
    line = {region.id, *(r.id for r in region.ancestors())} if region is not None else set()
    if values.get("county_id"):
        allowed = values["county_id"] in line
    else:
        allowed = campaign.territory_id in line or region in campaign.territory.ancestors()
    if not allowed:
        errors["region_id"] = _("The place must be in the event's county, or in the drive's territory.")


def _check_numbers(values: dict, errors: dict) -> None:
    for name in COUNT_FIELDS:
        value = values.get(name)
        if value is not None and value < 0:
            errors[name] = _("Must be zero or more.")
    amount = values.get("signed_amount")
    if amount is not None and amount < 0:
        errors["signed_amount"] = _("Must be zero or more.")


def _check_month_quota(campaign: Campaign, values: dict, errors: dict, event: Event | None) -> None:
    """A pair plans as many days a month as the drive asks for, not more."""
    quota = event_quota(campaign, "joint_visit_day", "pair", "month")
    if values.get("kind") != "joint_visit_day" or "pair_id" in errors or not values.get("planned_on") or not quota:
        return
    start = month_start(values["planned_on"])
    stmt = select(func.count(Event.id)).where(
        Event.pair_id == values["pair_id"], Event.kind == "joint_visit_day", Event.status != "cancelled",
        Event.planned_on >= start, Event.planned_on < add_months(start, 1),
    )
    if event is not None and event.id is not None:
        stmt = stmt.where(Event.id != event.id)
    if (db.session.scalar(stmt) or 0) >= quota.count:
        errors["planned_on"] = _("This pair already has its joint visit day in %(month)s.",
                                 month=start.strftime("%Y-%m"))


def validate_plan(campaign: Campaign, values: dict, event: Event | None = None, actor=None) -> None:
    """Raise EventError unless the planned event makes sense for this drive."""
    errors: dict[str, str] = {}
    if values.get("kind") not in EVENT_KINDS:
        errors["kind"] = _("Choose the kind of event.")
    planned = values.get("planned_on")
    if planned is None:
        errors["planned_on"] = _("Give the date.")
    elif not campaign.starts_on <= planned <= campaign.ends_on:
        errors["planned_on"] = _("The date must fall within the drive (%(start)s to %(end)s).",
                                 start=campaign.starts_on.isoformat(), end=campaign.ends_on.isoformat())
    _check_place(campaign, values, errors, actor)
    _check_numbers(values, errors)
    _check_month_quota(campaign, values, errors, event)
    if errors:
        raise EventError(errors)


def validate_outcome(values: dict, campaign: Campaign) -> None:
    errors: dict[str, str] = {}
    held = values.get("held_on")
    if held is None:
        errors["held_on"] = _("Give the date it was held.")
    elif held > local_today():
        errors["held_on"] = _("An event cannot be held in the future.")
    elif held < campaign.starts_on:
        errors["held_on"] = _("The date is before the drive started.")
    _check_numbers(values, errors)
    if errors:
        raise EventError(errors)


# ---- changes -----------------------------------------------------------------------------------

def plan_event(campaign: Campaign, values: dict, actor) -> Event:
    """Create a planned event (or an already held one when the values say held_on)."""
    plan = {k: values.get(k) for k in PLAN_FIELDS if k in values}
    validate_plan(campaign, plan, actor=actor)
    outcome = {k: values[k] for k in OUTCOME_FIELDS if k in values and k != "notes"}
    if outcome.get("held_on") is not None:
        validate_outcome(outcome, campaign)
    plan["with_briefing"] = bool(plan.get("with_briefing"))
    event = Event(campaign_id=campaign.id, status="planned", created_by_id=getattr(actor, "id", None), **plan)
    db.session.add(event)
    db.session.flush()
    if outcome.get("held_on") is not None:
        _apply_outcome(event, outcome)
        if event.kind == "joint_visit_day":
            link_day_visits(event)
    audit.record_create(event, AUDITED_FIELDS, summary=describe(event), actor=actor)
    return event


def ensure_in_area(event: Event, user) -> None:
    """Refuse an event planned (or moved) outside the user's own county or pair; leads plan anywhere."""
    db.session.flush()
    if not can_edit_event(event, user):
        field = "pair_id" if event.kind == "joint_visit_day" else "county_id"
        raise EventError({field: _("You may plan events only in your own county or pair.")})


def update_plan(event: Event, values: dict, actor) -> dict:
    plan = {k: values.get(k, getattr(event, k)) for k in PLAN_FIELDS}
    validate_plan(event.campaign, plan, event, actor)
    plan["with_briefing"] = bool(plan.get("with_briefing"))
    return audit.apply_changes(event, plan, AUDITED_FIELDS, summary=describe(event), actor=actor)


def _apply_outcome(event: Event, values: dict) -> None:
    for key in OUTCOME_FIELDS:
        if key in values:
            setattr(event, key, values[key])
    event.status = "held"


def record_held(event: Event, values: dict, actor) -> dict:
    """Record that the event took place, with its attendance and results; links the day's visits."""
    validate_outcome(values, event.campaign)
    before = audit.snapshot(event, AUDITED_FIELDS)
    _apply_outcome(event, values)
    if event.kind == "joint_visit_day":
        link_day_visits(event)
    changes = audit.diff(before, audit.snapshot(event, AUDITED_FIELDS))
    audit.record("update", event, summary=describe(event), changes=changes, actor=actor)
    return changes


def cancel_event(event: Event, actor) -> None:
    audit.apply_changes(event, {"status": "cancelled"}, AUDITED_FIELDS, summary=describe(event), actor=actor)


def describe(event: Event) -> str:
    return f"{event.kind} {event.planned_on.isoformat()} {event.title or event.place or ''}".strip()


MAX_EVENT_PHOTOS = 9


def add_photos(event: Event, streams, actor) -> list[Photo]:
    """Resize and strip each photo as visit photos are, and keep it with the event."""
    position = db.session.scalar(select(func.count(Photo.id)).where(Photo.event_id == event.id)) or 0
    if position + len(streams) > MAX_EVENT_PHOTOS:
        raise EventError({"photos": _("At most %(n)s photos per event.", n=MAX_EVENT_PHOTOS)})
    images = []
    for stream in streams:
        try:
            images.append(clean_image(stream))
        except Invalid as err:
            raise EventError({"photos": err.fields["photo"]}) from err
    folder = os.path.join(current_app.config["UPLOAD_FOLDER"], "photos")
    os.makedirs(folder, exist_ok=True)
    photos = []
    for offset, image in enumerate(images):
        filename = f"e{event.id}-{position + offset}-{secrets.token_hex(6)}.jpg"
        image.save(os.path.join(folder, filename), "JPEG", quality=PHOTO_QUALITY, optimize=True)
        photo = Photo(event_id=event.id, position=position + offset, filename=filename, width=image.width,
                      height=image.height)
        db.session.add(photo)
        audit.record("create", photo, summary=describe(event), actor=actor)
        photos.append(photo)
    return photos


def event_photos(event: Event) -> list[Photo]:
    return list(db.session.scalars(select(Photo).where(Photo.event_id == event.id).order_by(Photo.position)))


# ---- joint visit days and visits ---------------------------------------------------------------

def link_day_visits(event: Event) -> int:
    """Visits either member recorded on the day it was held (maybe not the planned date) link to it.

    crm.visits links a visit recorded on the day itself; this catches the ones recorded before the
    day was planned or moved.
    """
    pair = event.pair
    members = [pair.account_manager_id, pair.liaison_id]
    visits = db.session.scalars(select(Visit).where(
        Visit.campaign_id == event.campaign_id, Visit.event_id.is_(None), Visit.visited_on == event.held_on,
        or_(Visit.pair_id == pair.id, Visit.pair_id.is_(None) & Visit.author_id.in_(members)),
    )).all()
    for visit in visits:
        visit.event_id = event.id
    return len(visits)


# ---- the month strip and the quotas ------------------------------------------------------------

@dataclass
class MonthCell:
    month: date
    state: str  # held | planned | missed | open | future
    event: Event | None


def drive_months(campaign: Campaign, today: date | None = None, limit: int = 12) -> list[date]:
    """First days of the drive's months; the last `limit` of them up to the current month."""
    today = today or local_today()
    months, cursor = [], month_start(campaign.starts_on)
    while cursor <= campaign.ends_on:
        months.append(cursor)
        cursor = add_months(cursor, 1)
    if len(months) > limit:
        current = min(max(month_start(today), months[limit - 1]), months[-1])
        end = months.index(current) + 1
        months = months[end - limit:end]
    return months


def month_cells(campaign: Campaign, pair_ids: list[int], today: date | None = None) -> dict[int, list[MonthCell]]:
    """{pair id: one cell per drive month}: held, planned, missed (month over, none held), open or future."""
    today = today or local_today()
    months = drive_months(campaign, today)
    events = db.session.scalars(select(Event).where(
        Event.campaign_id == campaign.id, Event.kind == "joint_visit_day", Event.pair_id.in_(pair_ids),
        Event.status != "cancelled", Event.planned_on >= months[0] - timedelta(days=31),
    ).order_by(Event.planned_on)).all() if months else []
    by_pair_month: dict[tuple[int, date], list[Event]] = {}
    for event in events:
        by_pair_month.setdefault((event.pair_id, month_start(event.held_on or event.planned_on)), []).append(event)
    cells = {}
    for pair_id in pair_ids:
        row = []
        for month in months:
            found = by_pair_month.get((pair_id, month), [])
            held = next((e for e in found if e.status == "held"), None)
            if held is not None:
                row.append(MonthCell(month, "held", held))
            elif add_months(month, 1) <= today:
                row.append(MonthCell(month, "missed", found[0] if found else None))
            elif found:
                row.append(MonthCell(month, "planned", found[0]))
            else:
                row.append(MonthCell(month, "open" if month <= today else "future", None))
        cells[pair_id] = row
    return cells


def county_month_lines(campaign: Campaign, visible, counties, today: date | None = None) -> list[dict]:
    """One line per county: per drive month, how many of its pairs held their joint visit day, and missed it.

    Counted from a few small columns in the database (a province has a thousand pairs and twelve
    thousand days): no pair or event is loaded. `visible` is the pairs the reader may see.
    """
    today = today or local_today()
    months = drive_months(campaign, today)
    slot = {month: i for i, month in enumerate(months)}
    pairs = (LiaisonPair.campaign_id == campaign.id, LiaisonPair.active.is_(True), visible)
    sizes = dict(db.session.execute(select(LiaisonPair.county_id, func.count(LiaisonPair.id)).where(*pairs)
                                    .group_by(LiaisonPair.county_id)).all())
    lines = {c.id: {"county": c, "pairs": sizes[c.id], "months": [{"held": 0, "missed": 0} for _m in months]}
             for c in counties if sizes.get(c.id)}
    day = event_day()
    held = db.session.execute(select(LiaisonPair.county_id, Event.pair_id, day).distinct()
                              .join(LiaisonPair, LiaisonPair.id == Event.pair_id)
                              .where(*pairs, Event.campaign_id == campaign.id, Event.kind == "joint_visit_day",
                                     Event.status == "held", day >= months[0])) if months else []
    counted = set()
    for county_id, pair_id, on in held:
        at, line = slot.get(month_start(on)), lines.get(county_id)
        if at is not None and line is not None and (pair_id, at) not in counted:
            counted.add((pair_id, at))
            line["months"][at]["held"] += 1
    for line in lines.values():
        for month, total in zip(months, line["months"]):
            if add_months(month, 1) <= today:  # a month over: every pair that held none missed it
                total["missed"] = line["pairs"] - total["held"]
    return list(lines.values())


@dataclass
class QuotaCell:
    label: str
    held: int
    planned: int
    quota: int
    state: str  # met | behind | missed | future


@dataclass
class QuotaRow:
    """One unit of the quota's scope (a pair, a county, a level pair, the drive) with a cell per period."""

    name: str
    county_id: int | None
    cells: list[QuotaCell]


@dataclass
class QuotaTable:
    quota: Quota
    rows: list[QuotaRow]


def _quota_state(held: int, quota: int, start: date, end: date, today: date) -> str:
    if held >= quota:
        return "met"
    if start > today:
        return "future"
    return "missed" if end < today else "behind"


def _scope_units(campaign: Campaign, scope: str) -> list[tuple[object, str, int | None]]:
    """(key, name, county id) of each unit a quota of this scope is counted for."""
    if scope == "pair":
        pairs = db.session.scalars(select(LiaisonPair).where(
            LiaisonPair.campaign_id == campaign.id, LiaisonPair.active.is_(True)).order_by(LiaisonPair.name))
        return [(pair.id, pair.name, pair.county_id) for pair in pairs]
    counties = campaign_counties(campaign)
    if scope == "county":
        return [(county.id, county.name, county.id) for county in counties]
    if scope == "level_pair":
        return ([(("province", None), label("event_level", "province"), None),
                 (("city", None), label("event_level", "city"), None)]
                + [(("county", county.id), county.name, county.id) for county in counties])
    return [(None, campaign.name, None)]


def _unit_key(scope: str, pair_id, county_id, level):
    if scope == "pair":
        return pair_id
    if scope == "county":
        return county_id
    if scope == "level_pair":
        return (level, county_id if level == "county" else None)
    return None


def quota_table(campaign: Campaign, quota: Quota, today: date | None = None) -> QuotaTable:
    """Units of the quota's scope × periods of its cadence: events held (and planned) against the quota."""
    today = today or local_today()
    tally: dict[tuple, int] = {}
    rows = db.session.execute(
        select(Event.pair_id, event_county(), Event.level, Event.status, event_day())
        .where(Event.campaign_id == campaign.id, Event.kind == quota.event, Event.status != "cancelled")
    ).all()
    for pair_id, county_id, level, status, day in rows:
        key = (_unit_key(quota.scope, pair_id, county_id, level), period_start(quota.cadence, day), status)
        tally[key] = tally.get(key, 0) + 1
    # A quota on a named weekday (every Wednesday) asks nothing of a part-week without that day.
    periods = [(start, end) for start, end in drive_periods(campaign, quota.cadence)
               if not quota.weekday or (end - start).days >= (quota.weekday - start.isoweekday()) % 7]
    table = []
    for key, name, county_id in _scope_units(campaign, quota.scope):
        cells = []
        for start, end in periods:
            first = period_start(quota.cadence, start)
            held, planned = tally.get((key, first, "held"), 0), tally.get((key, first, "planned"), 0)
            cells.append(QuotaCell(period_code(quota.cadence, first), held, planned, quota.count,
                                   _quota_state(held, quota.count, start, end, today)))
        table.append(QuotaRow(name, county_id, cells))
    return QuotaTable(quota, table)


def quota_tables(campaign: Campaign, today: date | None = None) -> list[QuotaTable]:
    """A table for each of the drive's event quotas."""
    return [quota_table(campaign, quota, today) for quota in campaign_quotas(campaign)]
