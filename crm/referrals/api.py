"""/api/v1/referral-lists and /api/v1/referrals/{id}: push a list, read its progress, work an item."""
from __future__ import annotations

from flask import jsonify, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from crm.api import shapes, sync
from crm.api.core import ApiError, array, json_body, nullable, obj, route, schema
from crm.api.payload import Invalid
from crm.auth.scoping import (
    can_assign_list,
    can_call_applicant,
    can_work_referral,
    list_condition,
    pair_condition,
    referral_condition,
    shown_phone,
    visible_campaign,
)
from crm.campaigns.models import TIERS, TRADES, LiaisonPair
from crm.extensions import db
from crm.jobs import folders
from crm.referrals import jobs, operations
from crm.referrals.models import (
    CHAIN_ROLES,
    CLOSED_REASONS,
    INTAKE_CHANNELS,
    OPEN_STATUSES,
    STATUSES,
    IntakeSubmission,
    Referral,
    ReferralList,
)
from crm.referrals.views import BUILDER_ROLES
from crm.regions.queries import regions_and_below

FUNNEL_COUNTS = ("assigned", "contacted", "visited", "applied", "granted", "drawn", "closed")
# A list pushed by the API: read with this, documented from it.
NEW_LIST_INPUT = shapes.Shape(
    campaign_id=shapes.integer(required=True), name=shapes.text(120, required=True),
    bank_org_id=shapes.integer(required=True),
    credit_codes=shapes.strings(_l("Give a non-empty list of credit codes."), required=True),
)
NEW_LIST = schema("ReferralListNew", NEW_LIST_INPUT.schema())
CREATED = schema("ReferralListCreated", obj({
    "id": {"type": "integer"},
    "created": {"type": "integer"},
    "rejected": array(obj({"credit_code": {"type": "string"}, "reason": {"type": "string"}})),
}))
PROGRESS = schema("ReferralListProgress", obj({
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "counts": obj({status: {"type": "integer"} for status in ("pending", *FUNNEL_COUNTS)}),
    "overdue": {"type": "integer"},
    "granted_amount": {"type": "number"},
    "drawn_amount": {"type": "number"},
}))
# Working an item (PATCH /api/v1/referrals/{id}): read with this, documented from it; other fields are refused.
PATCH_INPUT = shapes.Shape.strict(
    status=shapes.choice(operations.MANUAL_TARGETS), closed_reason=shapes.choice(CLOSED_REASONS),
    closed_note=shapes.text(300), assignee_id=shapes.integer(low=1),
)
PATCH = schema("ReferralPatch", PATCH_INPUT.schema())
REFERRAL = schema("Referral", obj({
    "id": {"type": "integer"},
    "list_id": {"type": "integer"},
    "merchant_id": {"type": "integer"},
    "credit_code": {"type": "string"},
    "status": {"type": "string"},
    "closed_reason": nullable("string"),
    "closed_note": nullable("string"),
    "assignee_id": nullable("integer"),
    "deadline_on": nullable({"type": "string", "format": "date"}),
    "chain_role": nullable({"type": "string", "enum": list(CHAIN_ROLES)}),
}))


@route("/referral-lists", ["POST"], summary="Create a referral list from credit codes and hand it to a bank",
       body=NEW_LIST, responses={201: CREATED, 404: None, 422: None})
def create_referral_list():
    if not current_user.has_role(*BUILDER_ROLES):
        raise ApiError(404, "not_found", _("Not found."))
    try:
        body = NEW_LIST_INPUT.read(json_body())
    except Invalid as err:
        raise ApiError(422, "invalid", _("Some fields are not valid."), err.fields) from err
    campaign_id, bank_org_id, name, codes = (body[key] for key in ("campaign_id", "bank_org_id", "name",
                                                                  "credit_codes"))
    campaign, bank = _drive_and_bank(campaign_id, bank_org_id)
    check = operations.check_codes(current_user, campaign, codes)
    if not check.merchant_ids:
        raise ApiError(422, "invalid", _("None of the codes can go on the list."),
                       {"credit_codes": "; ".join(f"{r['credit_code']}: {r['reason']}" for r in check.rejected[:20])})
    referral_list, _count = operations.create_list(current_user, campaign, name, bank, check.merchant_ids,
                                                   source="upload")
    operations.hand_over(referral_list, current_user)
    db.session.commit()
    return jsonify({"id": referral_list.id, "created": len(check.merchant_ids), "rejected": check.rejected}), 201


# A list built from registry filters (POST /api/v1/referral-list-builds): a background job, as on the page.
BUILD_FILTERS = shapes.Shape.strict(
    county_id=shapes.integer(low=1), town_id=shapes.integer(low=1), district_id=shapes.integer(low=1),
    trade=shapes.choice(TRADES), tier=shapes.choice(TIERS), distinguished=shapes.flag(), not_visited=shapes.flag(),
    not_listed=shapes.boolean(),
)
BUILD_INPUT = shapes.Shape(
    campaign_id=shapes.integer(required=True), name=shapes.text(120, required=True),
    bank_org_id=shapes.integer(required=True), filters=shapes.nested(BUILD_FILTERS, required=True),
)
BUILD_JOB = schema("ReferralListBuild", obj({
    "id": {"type": "string"},
    "kind": {"type": "string", "enum": ["referral_build"]},
    "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
    "phase": nullable("string"),
    "read": {"type": "integer", "description": "merchants the filters select"},
    "checked": {"type": "integer", "description": "of those, not yet on a list of the drive (when asked)"},
    "written": {"type": "integer", "description": "names written on the list"},
    "total": {"type": "integer"},
    "seconds_left": nullable("integer"),
    "error": nullable("string"),
    "list_id": nullable({"type": "integer", "description": "the new list, once done"}),
    "names": nullable("integer"),
    "progress_url": {"type": "string"},
}))


def _build_job(job_id: str) -> dict:
    path = jobs.find(current_user.id, job_id) if current_user.has_role(*BUILDER_ROLES) else None
    state = folders.progress(path) if path else None
    if state is None or state["kind"] != "referral_build":
        raise ApiError(404, "not_found", _("No such list build."))
    result = state.get("result") or {}
    return folders.progress_json(state) | {"list_id": result.get("list_id"), "names": result.get("names"),
                   "progress_url": url_for("api.get_referral_list_build", job_id=job_id)}


@route("/referral-list-builds", ["POST"], summary="Build a referral list from registry filters, in the background",
       body=schema("ReferralListBuildNew", BUILD_INPUT.schema()), responses={202: BUILD_JOB, 404: None, 422: None})
def start_referral_list_build():
    if not current_user.has_role(*BUILDER_ROLES):
        raise ApiError(404, "not_found", _("Not found."))
    try:
        body = BUILD_INPUT.read(json_body())
    except Invalid as err:
        raise ApiError(422, "invalid", _("Some fields are not valid."), err.fields) from err
    campaign, bank = _drive_and_bank(body["campaign_id"], body["bank_org_id"])
    filters = operations.Filters(**{"not_listed": True, **{k: v for k, v in body["filters"].items() if v is not None}})
    job_id, _state = jobs.start_build(current_user, campaign, bank, body["name"], filters=filters)
    job = _build_job(job_id)
    return jsonify(job), 202, {"Location": job["progress_url"]}


@route("/referral-list-builds/<job_id>", ["GET"], summary="Progress of a list build, and its list once done",
       responses={200: BUILD_JOB, 404: None})
def get_referral_list_build(job_id: str):
    return jsonify(_build_job(job_id))


def _drive_and_bank(campaign_id: int, bank_org_id: int):
    """The drive the user may build lists for, and a bank organization of it; 422 otherwise."""
    campaign = visible_campaign(campaign_id, current_user)
    if campaign is None:
        raise ApiError(422, "invalid", _("No such drive."), {"campaign_id": _("no such drive")})
    bank = next((o for o in operations.bank_choices(campaign) if o.id == bank_org_id), None)
    if bank is None:
        raise ApiError(422, "invalid", _("The list must go to the drive's bank or one of its branches."),
                       {"bank_org_id": _("not a bank organization of this drive")})
    return campaign, bank


def _visible_list(list_id: int) -> ReferralList:
    found = db.session.scalar(select(ReferralList).where(ReferralList.id == list_id, list_condition(current_user)))
    if found is None:
        raise ApiError(404, "not_found", _("No such list, or not one you may see."))
    return found


@route("/referral-lists/<int:list_id>", ["GET"], summary="A referral list's progress: the funnel and amounts",
       responses={200: PROGRESS, 404: None})
def get_referral_list(list_id: int):
    referral_list = _visible_list(list_id)
    figures = operations.progress(referral_list, referral_condition(current_user))
    return jsonify({"id": referral_list.id, "name": referral_list.name, "counts": figures["counts"],
                    "overdue": figures["overdue"], "granted_amount": float(figures["granted_amount"]),
                    "drawn_amount": float(figures["drawn_amount"])})


def referral_json(referral: Referral) -> dict:
    return {"id": referral.id, "list_id": referral.list_id, "merchant_id": referral.merchant_id,
            "credit_code": referral.merchant.credit_code, "status": referral.status,
            "closed_reason": referral.closed_reason, "closed_note": referral.closed_note,
            "assignee_id": referral.assignee_id,
            "deadline_on": referral.deadline_on.isoformat() if referral.deadline_on else None,
            "chain_role": referral.chain_role}


@route("/referrals/<int:referral_id>", ["PATCH"], summary="Reassign an item or move it along its status flow",
       body=PATCH, responses={200: REFERRAL, 404: None, 409: None, 422: None})
def patch_referral(referral_id: int):
    referral = db.session.scalar(select(Referral).where(Referral.id == referral_id, referral_condition(current_user)))
    if referral is None or not can_work_referral(referral, current_user):
        raise ApiError(404, "not_found", _("No such item, or not one you may change."))
    try:
        body = PATCH_INPUT.read(json_body())
    except Invalid as err:
        raise ApiError(422, "invalid", _("Some fields are not valid."), err.fields) from err
    if "assignee_id" in body:
        _reassign(referral, body["assignee_id"])
    if body.get("status") is not None:
        try:
            operations.change_status(referral, body["status"], current_user, closed_reason=body.get("closed_reason"),
                                     closed_note=body.get("closed_note"))
        except operations.TransitionRefused as err:
            db.session.rollback()
            raise ApiError(409, "illegal_transition", str(err)) from err
    db.session.commit()
    return jsonify(referral_json(referral))


def _reassign(referral: Referral, assignee_id: int | None) -> None:
    if not can_assign_list(referral.referral_list, current_user):
        raise ApiError(404, "not_found", _("No such item, or not one you may change."))
    assignee = next((u for u in operations.account_managers(referral.referral_list) if u.id == assignee_id), None)
    if assignee is None:
        raise ApiError(422, "invalid", _("Choose an account manager of the branch the list was handed to."),
                       {"assignee_id": _("not an account manager of this branch")})
    if referral.status not in ("pending", *operations.FUNNEL[:-1]):
        raise ApiError(409, "illegal_transition", _("The item is finished; it cannot be reassigned."))
    pair = operations.pair_of_user(referral.campaign_id, assignee, referral.merchant.town_id)
    operations.assign([referral], assignee, current_user, pair)



# ---- list and sync (crm/api/sync.py) ------------------------------------------------------------

INTAKE_SUBMISSION = schema("IntakeSubmission", obj({
    "id": {"type": "integer"}, "pair_id": {"type": "integer"}, "campaign_id": {"type": "integer"},
    "business_name": {"type": "string"}, "credit_code": {"type": "string"},
    "phone": {"type": "string", "description": "masked unless the caller may see operators' phones"},
    "amount": nullable("integer"), "purpose": nullable("string"), "consent": {"type": "boolean"},
    "referral_id": nullable("integer"), "created_at": {"type": "string", "format": "date-time"},
    "channel": {"type": "string", "enum": list(INTAKE_CHANNELS)},
}))


def intake_submission_json(s: IntakeSubmission) -> dict:
    return {
        "id": s.id, "pair_id": s.pair_id, "campaign_id": s.campaign_id, "business_name": s.business_name,
        "credit_code": s.credit_code, "phone": shown_phone(s.phone, can_call_applicant(s, current_user)),
        "amount": s.amount, "purpose": s.purpose, "consent": bool(s.consent), "referral_id": s.referral_id,
        "created_at": s.created_at.isoformat() + "Z", "channel": s.channel,
    }


def _pair_region(pair_column):
    return lambda region_id: pair_column.in_(
        select(LiaisonPair.id).where(LiaisonPair.region_id.in_(regions_and_below([region_id]))))


sync.register(sync.Listing(
    "referrals", Referral, REFERRAL, referral_json, referral_condition, campaign=Referral.campaign_id,
    region=sync.merchant_region(Referral), pair=Referral.pair_id, status=Referral.status,
    status_values=tuple(dict.fromkeys(OPEN_STATUSES + STATUSES)), day=Referral.deadline_on,
    plain=True))
sync.register(sync.Listing(
    "intake-submissions", IntakeSubmission, INTAKE_SUBMISSION, intake_submission_json,
    lambda user: IntakeSubmission.pair_id.in_(select(LiaisonPair.id).where(pair_condition(user))),
    campaign=IntakeSubmission.campaign_id, region=_pair_region(IntakeSubmission.pair_id),
    pair=IntakeSubmission.pair_id, day=IntakeSubmission.created_at))
