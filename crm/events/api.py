"""GET/POST /api/v1/campaigns/{id}/events: the drive's meetings and joint visit days."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_

from crm.api import sync
from crm.api.core import (
    ApiError,
    api_campaign,
    int_query,
    json_body,
    nullable,
    obj,
    page_args,
    paged,
    query,
    route,
    schema,
)
from crm.api.filters import region_arg, region_parameter
from crm.api.payload import Invalid
from crm.auth.scoping import campaign_condition
from crm.events import operations as ops
from crm.events.models import EVENT_KINDS, EVENT_STATUSES, LEVELS, Event
from crm.events.queries import events_for
from crm.extensions import db
from crm.regions.queries import regions_and_below

EVENT_FIELDS = {
    "kind": {"type": "string", "enum": list(EVENT_KINDS)},
    "title": nullable("string"),
    "planned_on": {"type": "string", "format": "date"},
    "held_on": nullable({"type": "string", "format": "date"}),
    "pair_id": nullable("integer"),
    "county_id": nullable("integer"),
    "region_id": nullable("integer"),
    "level": nullable({"type": "string", "enum": list(LEVELS)}),
    "place": nullable("string"),
    "organizers": nullable("string"),
    "with_briefing": {"type": "boolean"},
    "attendance": nullable("integer"),
    "merchants_reached": nullable("integer"),
    "briefing_audience": nullable("integer"),
    "intentions": nullable("integer"),
    "signed_amount": nullable("number"),
    "notes": nullable("string"),
}
EVENT = schema("Event", obj({
    "id": {"type": "integer"}, "campaign_id": {"type": "integer"},
    "status": {"type": "string", "enum": list(EVENT_STATUSES)}, **EVENT_FIELDS,
}))
EVENT_INPUT = schema("EventInput", ops.EVENT_INPUT.schema())


def event_json(e: Event) -> dict:
    def day(value):
        return value.isoformat() if value else None

    return {
        "id": e.id, "campaign_id": e.campaign_id, "status": e.status, "kind": e.kind, "title": e.title,
        "planned_on": day(e.planned_on), "held_on": day(e.held_on), "pair_id": e.pair_id, "county_id": e.county_id,
        "region_id": e.region_id, "level": e.level, "place": e.place, "organizers": e.organizers,
        "with_briefing": bool(e.with_briefing), "attendance": e.attendance, "merchants_reached": e.merchants_reached,
        "briefing_audience": e.briefing_audience, "intentions": e.intentions,
        "signed_amount": float(e.signed_amount) if e.signed_amount is not None else None, "notes": e.notes,
    }


@route("/campaigns/<int:campaign_id>/events", ["GET"], summary="The drive's events, newest first",
       parameters=[query("kind", description="matchmaking, briefing, joint_meeting, level_visit, joint_visit_day"),
                   region_parameter("county", "county"), query("pair", "integer", "liaison pair id"),
                   query("page", "integer"), query("per_page", "integer")],
       responses={200: paged(EVENT), 404: None, 422: None})
def list_events(campaign_id: int):
    campaign = api_campaign(campaign_id)
    page, size = page_args()
    kind = request.args.get("kind") or None
    if kind and kind not in EVENT_KINDS:
        raise ApiError(422, "invalid", _("Unknown kind of event."), {"kind": _("Unknown kind of event.")})
    stmt = events_for(campaign, kind=kind, county_id=region_arg("county", "county"), pair_id=int_query("pair"))
    result = db.paginate(stmt, page=page, per_page=size, error_out=False)
    return jsonify({"items": [event_json(e) for e in result.items], "page": page, "per_page": size,
                    "total": result.total})


@route("/campaigns/<int:campaign_id>/events", ["POST"], summary="Plan an event, or record one already held",
       body=EVENT_INPUT, responses={201: EVENT, 400: None, 404: None, 422: None})
def create_event(campaign_id: int):
    campaign = api_campaign(campaign_id)
    try:
        event = ops.plan_event(campaign, ops.EVENT_INPUT.read(json_body()), current_user)
        ops.ensure_in_area(event, current_user)
    except (Invalid, ops.EventError) as err:
        db.session.rollback()
        raise ApiError(422, "invalid", _("Some fields are not valid."), err.fields) from err
    db.session.commit()
    return jsonify(event_json(event)), 201


def _event_region(region_id: int):
    below = regions_and_below([region_id])
    return or_(Event.county_id.in_(below), Event.region_id.in_(below))


sync.register(sync.Listing(
    "events", Event, EVENT, event_json, lambda user: campaign_condition(user, Event.campaign_id),
    campaign=Event.campaign_id, region=_event_region, pair=Event.pair_id, status=Event.status,
    status_values=EVENT_STATUSES, day=Event.planned_on, plain=True))
