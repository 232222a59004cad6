"""Field-work pages: Today (the account manager's home), record and correct a visit, loan
applications, the needs ledger, and the service worker that keeps the visit form usable offline."""
from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from crm.api.payload import Conflict, Invalid, NotFound
from crm.auth.scoping import (
    can_edit_application,
    can_edit_visit,
    get_visible,
    merchant_condition,
    work_condition,
)
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.timeutil import local_now, local_today, to_local
from crm.visits import offline, operations, queries
from crm.visits.forms import (
    application_payload,
    campaign_choices,
    outcome_payload,
    place_choices_for,
    product_choices,
    visit_payload,
)
from crm.visits.models import VISIT_KINDS, Application, Need, Photo, Visit
from crm.web import int_arg, list_page, photo_response

bp = Blueprint("visits", __name__, url_prefix="/visits")
needs_bp = Blueprint("needs", __name__, url_prefix="/needs")
PHOTO_FIELDS = ("photo0", "photo1", "photo2")


def blueprints():
    return [bp, needs_bp, offline.bp]


@bp.get("/")
@login_required
def today():
    return render_template("visits/today.html", agenda=queries.agenda(current_user),
                           shell_version=offline.shell_version(), script_names=offline.SCRIPTS)


def _visible_merchant_arg() -> Merchant | None:
    merchant_id = int_arg("merchant")
    return get_visible(Merchant, merchant_id, merchant_condition(current_user)) if merchant_id is not None else None


def _render_visit_form(values: dict, errors: dict, status: int = 200):
    campaigns = campaign_choices(current_user)
    default_campaign = campaigns[0][0] if campaigns else None
    today = local_today()
    interval = {c.id: c.follow_up_interval_days for _id, _name, c in campaigns}
    return render_template(
        "visits/form.html", values=values, errors=errors, campaigns=campaigns, default_campaign=default_campaign,
        places=place_choices_for(current_user), now=local_now().strftime("%Y-%m-%dT%H:%M"),
        next_follow_up=(today + timedelta(days=interval.get(default_campaign, 30))).isoformat(),
        shell_version=offline.shell_version(), script_names=offline.SCRIPTS,
    ), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if request.method == "GET":
        merchant = _visible_merchant_arg()
        values = {"client_id": str(uuid.uuid4())}
        if merchant is not None:
            values.update(credit_code=merchant.credit_code, merchant_name=merchant.name)
        if request.args.get("kind") in VISIT_KINDS:  # 走访 on a follow-up opens a 回访
            values["kind"] = request.args["kind"]
        return _render_visit_form(values, {})
    payload = visit_payload(request.form)
    try:
        visit, created = operations.record_visit(current_user, payload)
        if created:
            _store_form_photos(visit)
        db.session.commit()
    except Invalid as err:
        db.session.rollback()
        return _render_visit_form(request.form.to_dict(), err.fields, 422)
    except NotFound as err:
        db.session.rollback()
        return _render_visit_form(request.form.to_dict(), {"merchant.credit_code": str(err)}, 422)
    except Conflict as err:
        db.session.rollback()
        values = {**request.form.to_dict(), "client_id": str(uuid.uuid4())}
        return _render_visit_form(values, {"client_id": str(err)}, 409)
    flash(_("Visit to %(name)s recorded.", name=visit.merchant.name) if created
          else _("This visit was already recorded."), "success")
    return redirect(url_for("merchants.detail", merchant_id=visit.merchant_id))


def _store_form_photos(visit: Visit) -> None:
    for position, name in enumerate(PHOTO_FIELDS):
        upload = request.files.get(name)
        if upload and upload.filename:
            try:
                operations.add_photo(visit, position, upload.stream)
            except Invalid as err:
                raise Invalid({name: err.fields["photo"]}) from err


def _editable_visit(visit_id: int) -> Visit:
    visit = get_visible(Visit, visit_id, work_condition(current_user, Visit, Visit.author_id))
    if not can_edit_visit(visit, current_user):
        abort(403)
    return visit


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
@login_required
def edit(visit_id: int):
    visit = _editable_visit(visit_id)
    errors: dict = {}
    if request.method == "POST":
        try:
            changes = operations.update_visit(visit, current_user, visit_payload(request.form))
            db.session.commit()
            flash(_("Changes saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for("merchants.detail", merchant_id=visit.merchant_id))
        except Invalid as err:
            db.session.rollback()
            errors = err.fields
    values = request.form.to_dict() if request.method == "POST" else _visit_values(visit)
    return render_template("visits/edit.html", visit=visit, values=values, errors=errors), 422 if errors else 200


def _visit_values(visit: Visit) -> dict:
    return {
        "kind": visit.kind, "visited_at": to_local(visit.visited_at).strftime("%Y-%m-%dT%H:%M"),
        "has_need": {True: "yes", False: "no"}.get(visit.has_financing_need, ""),
        "amount": visit.financing_amount or "", "purpose": visit.financing_purpose or "",
        "satisfaction": str(visit.satisfaction or ""), "notes": visit.notes or "",
    }


@bp.get("/photos/<int:photo_id>")
@login_required
def photo(photo_id: int):
    item = db.session.get(Photo, photo_id)
    if item is None or item.visit_id is None:
        abort(404)
    get_visible(Visit, item.visit_id, work_condition(current_user, Visit, Visit.author_id))
    return photo_response(operations.photo_path(item))


@bp.get("/flagged")
@login_required
def flagged():
    """Visits far from the merchant or without position, and their share per pair: the pair's
    liaison and the drive's leads look; nothing was refused when the visits were recorded."""
    if not current_user.has_role("liaison", "lead", "admin"):
        abort(404)
    shares = queries.location_shares(current_user)
    visits = queries.flagged_visits(current_user, [s.pair.id for s in shares])
    return render_template("visits/flagged.html", shares=shares, visits=visits)


# ---- applications -----------------------------------------------------------------------------

@bp.route("/applications/new", methods=["GET", "POST"])
@login_required
def application_new():
    merchant = _visible_merchant_arg()
    if merchant is None:
        abort(404)
    errors: dict = {}
    if request.method == "POST":
        try:
            operations.create_application(current_user, application_payload(request.form, merchant))
            db.session.commit()
            flash(_("Application recorded."), "success")
            return redirect(url_for("merchants.detail", merchant_id=merchant.id))
        except (Invalid, NotFound, Conflict) as err:
            db.session.rollback()
            errors = err.fields if isinstance(err, Invalid) else {"campaign_id": str(err)}
    values = request.form.to_dict() if request.method == "POST" else {
        "client_id": str(uuid.uuid4()), "applied_on": local_today().isoformat()}
    open_needs = db.session.scalars(select(Need).where(
        Need.merchant_id == merchant.id, Need.status == "open").order_by(Need.id.desc())).all()
    return render_template("visits/application_new.html", merchant=merchant, values=values, errors=errors,
                           campaigns=campaign_choices(current_user), products=product_choices(),
                           needs=open_needs), 422 if errors else 200


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@login_required
def application_outcome(application_id: int):
    application = get_visible(Application, application_id,
                              work_condition(current_user, Application, Application.author_id))
    if not can_edit_application(application, current_user):
        abort(403)
    errors: dict = {}
    if request.method == "POST":
        try:
            operations.update_application(application, current_user, outcome_payload(request.form))
            db.session.commit()
            flash(_("Outcome saved."), "success")
            return redirect(url_for("merchants.detail", merchant_id=application.merchant_id))
        except (Invalid, Conflict) as err:
            db.session.rollback()
            errors = err.fields if isinstance(err, Invalid) else {"outcome": str(err)}
    values = request.form.to_dict() if request.method == "POST" else _outcome_values(application)
    return render_template("visits/application_outcome.html", application=application, values=values,
                           errors=errors), 422 if errors else 200


def _outcome_values(application: Application) -> dict:
    rate = application.rate * 100 if application.rate is not None else ""
    return {
        "granted_amount": application.granted_amount or "", "rate": rate,
        "granted_on": application.granted_on or "", "declined_reason": application.declined_reason or "",
        "drawn_amount": application.drawn_amount or "", "drawn_on": application.drawn_on or "",
        "first_time_borrower": "y" if application.first_time_borrower else "",
    }


# ---- needs ledger -----------------------------------------------------------------------------

@needs_bp.get("/")
@login_required
def ledger():
    state = request.args.get("state", "open")
    if state not in queries.NEED_STATES:
        state = "open"
    page = list_page(queries.needs_for(current_user, state))
    return render_template("needs/ledger.html", page=page, state=state, today=local_today())


@needs_bp.post("/<int:need_id>/close")
@login_required
def close(need_id: int):
    need = get_visible(Need, need_id, work_condition(current_user, Need, Need.owner_id))
    try:
        operations.close_need(need, current_user, request.form.get("resolution"))
        db.session.commit()
        flash(_("Need closed."), "success")
    except (Invalid, Conflict) as err:
        db.session.rollback()
        flash(next(iter(err.fields.values())) if isinstance(err, Invalid) else str(err), "error")
    back = request.form.get("next", "")
    return redirect(back if back.startswith(("/needs", "/merchants/")) else url_for("needs.ledger"))
