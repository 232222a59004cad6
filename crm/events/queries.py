"""Look-ups for events and for the drive a page is about."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select

from crm.auth.scoping import campaign_condition, is_admin, led_campaign_ids
from crm.campaigns.models import Campaign, LiaisonPair
from crm.events.models import Event
from crm.extensions import db
from crm.visits.models import Visit
from crm.web import int_arg


def visible_campaigns(user) -> list[Campaign]:
    return list(db.session.scalars(
        select(Campaign).where(campaign_condition(user, Campaign.id)).order_by(Campaign.starts_on.desc(), Campaign.id)
    ))


def chosen_campaign(user, campaign_id: int | None) -> Campaign:
    """The drive named in the request if the user may see it (else 404); by default the latest one."""
    campaigns = visible_campaigns(user)
    if campaign_id is not None:
        for campaign in campaigns:
            if campaign.id == campaign_id:
                return campaign
        abort(404)
    if not campaigns:
        abort(404)
    return campaigns[0]


def requested_campaign(user) -> Campaign:
    """The drive named by ?campaign= (404 if not visible), else the latest visible one."""
    return chosen_campaign(user, int_arg("campaign"))


def leads_campaign(user, campaign: Campaign) -> bool:
    return is_admin(user) or campaign.id in led_campaign_ids(user)


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
