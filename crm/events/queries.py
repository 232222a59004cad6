"""Look-ups for events, and the one definition of an event counted as held (joint visit days and
matchmaking meetings, in the rollup, the events page's quotas and the reminders alike)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func, select

from crm.campaigns.models import Campaign, LiaisonPair
from crm.events.models import Event
from crm.extensions import db
from crm.visits.models import Visit


def events_for(campaign: Campaign, kind: str | None = None, county_id: int | None = None,
               pair_id: int | None = None, status: str | None = None):
    """Events of a drive, newest first, filtered."""
    stmt = select(Event).where(Event.campaign_id == campaign.id)
    for column, value in ((Event.kind, kind), (Event.county_id, county_id), (Event.pair_id, pair_id),
                          (Event.status, status)):
        if value:
            stmt = stmt.where(column == value)
    return stmt.order_by(Event.planned_on.desc(), Event.id.desc())


def pair_joint_days(pair: LiaisonPair) -> list[Event]:
    return list(db.session.scalars(
        select(Event).where(Event.pair_id == pair.id, Event.kind == "joint_visit_day").order_by(Event.planned_on)
    ))


def linked_visits(event: Event, condition) -> list[Visit]:
    return list(db.session.scalars(
        select(Visit).where(Visit.event_id == event.id, condition).order_by(Visit.visited_at)
    ))


def event_county():
    """The county an event counts in: its own, else its pair's."""
    return func.coalesce(Event.county_id, select(LiaisonPair.county_id).where(LiaisonPair.id == Event.pair_id)
                         .scalar_subquery())


def event_day():
    """The day an event counts on: the day it was held, else the day it was planned for."""
    return func.coalesce(Event.held_on, Event.planned_on)


def held_events(campaign_id: int, start: date, end: date) -> list:
    """(county id, region id, pair id, kind, count) of the events recorded as held, dated start…end."""
    county, day = event_county(), event_day()
    stmt = (
        select(county, Event.region_id, Event.pair_id, Event.kind, func.count(Event.id))
        .where(Event.campaign_id == campaign_id, Event.status == "held", and_(day >= start, day <= end))
        .group_by(county, Event.region_id, Event.pair_id, Event.kind)
    )
    return db.session.execute(stmt).all()


def meetings_held_by_county(campaign_id: int, start: date, end: date) -> dict[int, int]:
    """{county id: matchmaking meetings held start…end}."""
    found: dict[int, int] = {}
    for county_id, _region, _pair, kind, count in held_events(campaign_id, start, end):
        if kind == "matchmaking":
            found[county_id] = found.get(county_id, 0) + count
    return found
