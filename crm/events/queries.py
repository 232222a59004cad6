"""Look-ups for events."""
from __future__ import annotations

from sqlalchemy import select

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
