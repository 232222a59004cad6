"""POST /api/v1/visits (+ photos), POST/PATCH /api/v1/applications, GET /api/v1/me/agenda and
GET /api/v1/me/offline (what the phone keeps for a day without network).

The offline client replays queued visits here; a client_id makes every replay safe.
"""
from __future__ import annotations

from datetime import datetime

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from crm.api import sync
from crm.api.core import OPERATIONS, ApiError, array, json_body, nullable, obj, query, route, schema
from crm.api.payload import Conflict, Invalid, NotFound
from crm.auth.scoping import can_edit_application, can_edit_visit, get_visible, work_condition
from crm.extensions import db
from crm.timeutil import to_utc_naive
from crm.visits import operations
from crm.visits.models import FOLLOW_UP_STATUSES, NEED_STATUSES, Application, FollowUp, Need, Visit
from crm.visits.queries import agenda, area_merchants

DATE = {"type": "string", "format": "date"}
REF = obj({"id": {"type": "integer"}, "name": {"type": "string"}, "credit_code": {"type": "string"}})

VISIT_BODY = schema("VisitInput", operations.VISIT_INPUT.schema())
VISIT_CREATED = schema("VisitCreated", obj({"id": {"type": "integer"}, "client_id": {"type": "string"}}))
PHOTO = schema("Photo", obj({"id": {"type": "integer"}, "visit_id": {"type": "integer"},
                             "position": {"type": "integer"}, "width": {"type": "integer"},
                             "height": {"type": "integer"}}))
APPLICATION_FIELDS = {
    "granted_amount": nullable("number"), "rate": nullable("number"), "granted_on": nullable(DATE),
    "declined_reason": nullable("string"), "declined_on": nullable(DATE), "drawn_amount": nullable("number"),
    "drawn_on": nullable(DATE), "first_time_borrower": {"type": "boolean"},
}
APPLICATION = schema("Application", obj({
    "id": {"type": "integer"}, "client_id": {"type": "string"}, "campaign_id": {"type": "integer"},
    "merchant": REF, "product_id": nullable("integer"), "need_id": nullable("integer"),
    "applied_amount": {"type": "number"}, "applied_on": DATE, **APPLICATION_FIELDS,
}))
APPLICATION_BODY = schema("ApplicationInput", operations.APPLICATION_INPUT.schema())
APPLICATION_PATCH = schema("ApplicationOutcome", operations.APPLICATION_OUTCOME.schema())
DUE = {"type": "boolean", "description": "past its date"}
AGENDA = schema("Agenda", obj({
    "today": DATE,
    "follow_ups": array(obj({"id": {"type": "integer"}, "due_on": DATE, "overdue": DUE, "merchant": REF})),
    "referrals": array(obj({"id": {"type": "integer"}, "status": {"type": "string"},
                            "deadline_on": nullable(DATE), "overdue": DUE, "merchant": REF})),
    "joint_visit_days": array(obj({
        "pair": obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
        "event": nullable(obj({"id": {"type": "integer"}, "planned_on": DATE, "status": {"type": "string"},
                               "place": nullable("string")})),
    })),
    "needs": array(obj({"id": {"type": "integer"}, "kind": {"type": "string"}, "text": {"type": "string"},
                        "due_on": DATE, "overdue": DUE, "merchant": REF})),
}))


def _call(operation, *args):
    """Run an operation; its refusals become API errors and nothing it touched is kept."""
    try:
        return operation(*args)
    except Invalid as err:
        db.session.rollback()
        raise ApiError(422, "invalid", _("Some fields are not valid."), err.fields) from err
    except NotFound as err:
        db.session.rollback()
        raise ApiError(404, "not_found", str(err)) from err
    except Conflict as err:
        db.session.rollback()
        raise ApiError(409, "conflict", str(err)) from err


def _store(operation, payload: dict, render) -> tuple[dict, bool]:
    """(rendered body, created); rendered before the commit so nothing is read back after it."""
    try:
        item, created = _call(operation, current_user, payload)
        body = render(item)
        db.session.commit()
    except IntegrityError:
        # A twin request with the same client_id committed first: answer as a replay.
        db.session.rollback()
        item, created = _call(operation, current_user, payload)
        body = render(item)
    return body, created


@route("/visits", ["POST"], summary="Record a visit (idempotent by client_id)", body=VISIT_BODY,
       responses={201: VISIT_CREATED, 200: VISIT_CREATED, 400: None, 404: None, 409: None, 422: None})
def create_visit():
    body, created = _store(operations.record_visit, json_body(), lambda v: {"id": v.id, "client_id": v.client_id})
    return jsonify(body), 201 if created else 200


@route("/visits/<int:visit_id>/photos", ["POST"], summary="Add a photo to a visit (idempotent per position)",
       responses={201: PHOTO, 200: PHOTO, 403: None, 404: None, 422: None})
def add_visit_photo(visit_id: int):
    visit = get_visible(Visit, visit_id, work_condition(current_user, Visit, Visit.author_id))
    if visit.author_id != current_user.id and not can_edit_visit(visit, current_user):
        raise ApiError(403, "forbidden", _("Only the author may add photos to this visit."))
    upload = request.files.get("photo")
    if upload is None:
        raise ApiError(422, "invalid", _("Some fields are not valid."), {"photo": _("This field is required.")})
    position = request.form.get("position", "0")
    photo, created = _call(operations.add_photo, visit, int(position) if position.isdigit() else -1, upload.stream)
    db.session.commit()
    body = {"id": photo.id, "visit_id": visit.id, "position": photo.position, "width": photo.width,
            "height": photo.height}
    return jsonify(body), 201 if created else 200


OPERATIONS[("/api/v1/visits/{visit_id}/photos", "post")]["requestBody"] = {
    "required": True,
    "content": {"multipart/form-data": {"schema": obj(
        {"position": {"type": "integer", "minimum": 0, "maximum": 2}, "photo": {"type": "string", "format": "binary"}},
        required=["photo"])}},
}


def _number(value):
    return float(value) if value is not None else None


def _iso(value):
    return value.isoformat() if value is not None else None


def _ref(merchant) -> dict:
    return {"id": merchant.id, "name": merchant.name, "credit_code": merchant.credit_code}


def application_json(a: Application) -> dict:
    return {
        "id": a.id, "client_id": a.client_id, "campaign_id": a.campaign_id, "merchant": _ref(a.merchant),
        "product_id": a.product_id, "need_id": a.need_id, "applied_amount": float(a.applied_amount),
        "applied_on": a.applied_on.isoformat(), "granted_amount": _number(a.granted_amount),
        "rate": _number(a.rate), "granted_on": _iso(a.granted_on), "declined_reason": a.declined_reason,
        "declined_on": _iso(a.declined_on), "drawn_amount": _number(a.drawn_amount), "drawn_on": _iso(a.drawn_on),
        "first_time_borrower": bool(a.first_time_borrower),
    }


@route("/applications", ["POST"], summary="Record a loan application (idempotent by client_id)",
       body=APPLICATION_BODY,
       responses={201: APPLICATION, 200: APPLICATION, 400: None, 404: None, 409: None, 422: None})
def create_application():
    body, created = _store(operations.create_application, json_body(), application_json)
    return jsonify(body), 201 if created else 200


@route("/applications/<int:application_id>", ["PATCH"], summary="Record a loan outcome: granted, declined, drawn",
       body=APPLICATION_PATCH, responses={200: APPLICATION, 400: None, 403: None, 404: None, 409: None, 422: None})
def patch_application(application_id: int):
    application = get_visible(Application, application_id,
                              work_condition(current_user, Application, Application.author_id))
    if not can_edit_application(application, current_user):
        raise ApiError(403, "forbidden", _("Only the author or their branch head records the outcome."))
    _call(operations.update_application, application, current_user, json_body())
    db.session.commit()
    return jsonify(application_json(application))


OFFLINE = schema("OfflineData", obj({
    "synced_at": {"type": "string", "format": "date-time", "description": "send back as `since` next time"},
    "full": {"type": "boolean", "description": "true: replace the phone's merchants; false: merge these"},
    "fingerprint": {"type": "string", "description": "names the set of merchants; send back as `fingerprint`"},
    "merchants": array(obj({
        "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
        "initials": {"type": "string"}, "phone": nullable("string"), "district": nullable("string"),
        "last_visit": nullable(DATE)})),
    "agenda": AGENDA,
}))


@route("/me/agenda", ["GET"], summary="What the Today page shows: follow-ups, referrals, joint visit days, needs",
       responses={200: AGENDA})
def my_agenda():
    return jsonify(agenda_json(agenda(current_user)))


@route("/me/offline", ["GET"], summary="The phone's day offline: Today and the merchants of the user's area "
                                         "(only those changed since `since` while the area is the same)",
       parameters=[query("since", description="synced_at of the phone's last copy"),
                   query("fingerprint", description="fingerprint of the phone's last copy")],
       responses={200: OFFLINE, 422: None})
def my_offline_data():
    since = _since(request.args.get("since"))
    merchants = area_merchants(current_user, since, request.args.get("fingerprint"))
    return jsonify({"synced_at": merchants.synced_at.isoformat() + "Z", "full": merchants.full,
                    "fingerprint": merchants.fingerprint, "merchants": merchants.rows,
                    "agenda": agenda_json(agenda(current_user))})


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise ApiError(422, "invalid", _("Some fields are not valid."),
                       {"since": _("Must be a time like 2025-07-01T09:30:00+08:00.")}) from err
    return to_utc_naive(moment) if moment.tzinfo else moment


def agenda_json(a) -> dict:
    return {
        "today": a.today.isoformat(),
        "follow_ups": [{"id": f.id, "due_on": f.due_on.isoformat(), "overdue": f.due_on < a.today,
                        "merchant": _ref(f.merchant)} for f in a.follow_ups],
        "referrals": [{"id": r.id, "status": r.status, "deadline_on": _iso(r.deadline_on),
                       "overdue": r.deadline_on is not None and r.deadline_on < a.today,
                       "merchant": _ref(r.merchant)} for r in a.referrals],
        "joint_visit_days": [{"pair": {"id": d.pair.id, "name": d.pair.name}, "event": None if d.event is None else {
            "id": d.event.id, "planned_on": d.event.planned_on.isoformat(), "status": d.event.status,
            "place": d.event.place}} for d in a.joint_visit_days],
        "needs": [{"id": n.id, "kind": n.kind, "text": n.text, "due_on": n.due_on.isoformat(),
                   "overdue": n.due_on < a.today, "merchant": _ref(n.merchant)} for n in a.needs],
    }


# ---- list and sync (crm/api/sync.py) ------------------------------------------------------------

def _moment(value) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


MOMENT = {"type": "string", "format": "date-time"}
VISIT_RECORD = schema("VisitRecord", obj({
    "id": {"type": "integer"}, "client_id": {"type": "string"}, "campaign_id": {"type": "integer"}, "merchant": REF,
    "author_id": {"type": "integer"}, "pair_id": nullable("integer"), "event_id": nullable("integer"),
    "kind": {"type": "string"}, "visited_at": MOMENT, "visited_on": DATE,
    "has_financing_need": nullable("boolean"), "financing_amount": nullable("number"),
    "financing_purpose": nullable("string"), "satisfaction": nullable("integer"), "notes": nullable("string"),
    "updated_at": MOMENT,
}))
NEED = schema("Need", obj({
    "id": {"type": "integer"}, "campaign_id": {"type": "integer"}, "merchant": REF, "visit_id": nullable("integer"),
    "kind": {"type": "string"}, "text": {"type": "string"}, "owner_id": {"type": "integer"}, "due_on": DATE,
    "status": {"type": "string", "enum": list(NEED_STATUSES)}, "opened_on": DATE, "closed_on": nullable(DATE),
    "resolution": nullable("string"),
}))
FOLLOW_UP = schema("FollowUp", obj({
    "id": {"type": "integer"}, "campaign_id": {"type": "integer"}, "merchant": REF, "assignee_id": {"type": "integer"},
    "due_on": DATE, "reason": nullable("string"), "status": {"type": "string", "enum": list(FOLLOW_UP_STATUSES)},
    "source_visit_id": nullable("integer"), "done_visit_id": nullable("integer"), "created_at": MOMENT,
}))


def visit_record_json(v: Visit) -> dict:
    return {
        "id": v.id, "client_id": v.client_id, "campaign_id": v.campaign_id, "merchant": _ref(v.merchant),
        "author_id": v.author_id, "pair_id": v.pair_id, "event_id": v.event_id, "kind": v.kind,
        "visited_at": _moment(v.visited_at), "visited_on": v.visited_on.isoformat(),
        "has_financing_need": v.has_financing_need, "financing_amount": _number(v.financing_amount),
        "financing_purpose": v.financing_purpose, "satisfaction": v.satisfaction, "notes": v.notes,
        "updated_at": _moment(v.updated_at),
    }


def need_json(n: Need) -> dict:
    return {
        "id": n.id, "campaign_id": n.campaign_id, "merchant": _ref(n.merchant), "visit_id": n.visit_id, "kind": n.kind,
        "text": n.text, "owner_id": n.owner_id, "due_on": n.due_on.isoformat(), "status": n.status,
        "opened_on": n.opened_on.isoformat(), "closed_on": _iso(n.closed_on), "resolution": n.resolution,
    }


def follow_up_json(f: FollowUp) -> dict:
    return {
        "id": f.id, "campaign_id": f.campaign_id, "merchant": _ref(f.merchant), "assignee_id": f.assignee_id,
        "due_on": f.due_on.isoformat(), "reason": f.reason, "status": f.status, "source_visit_id": f.source_visit_id,
        "done_visit_id": f.done_visit_id, "created_at": _moment(f.created_at),
    }


sync.register(sync.Listing(
    "visits", Visit, VISIT_RECORD, visit_record_json, lambda user: work_condition(user, Visit, Visit.author_id),
    campaign=Visit.campaign_id, region=sync.merchant_region(Visit), pair=Visit.pair_id, day=Visit.visited_on,
    plain=True))
sync.register(sync.Listing(
    "applications", Application, APPLICATION, application_json,
    lambda user: work_condition(user, Application, Application.author_id),
    campaign=Application.campaign_id, region=sync.merchant_region(Application), day=Application.applied_on,
    plain=True))
sync.register(sync.Listing(
    "needs", Need, NEED, need_json, lambda user: work_condition(user, Need, Need.owner_id),
    campaign=Need.campaign_id, region=sync.merchant_region(Need), status=Need.status, status_values=NEED_STATUSES,
    day=Need.due_on, plain=True))
sync.register(sync.Listing(
    "follow-ups", FollowUp, FOLLOW_UP, follow_up_json, lambda user: work_condition(user, FollowUp, FollowUp.assignee_id),
    campaign=FollowUp.campaign_id, region=sync.merchant_region(FollowUp), status=FollowUp.status,
    status_values=FOLLOW_UP_STATUSES, day=FollowUp.due_on, plain=True))
