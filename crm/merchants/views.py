"""Merchant pages: the scoped registry list, one merchant's page, create and edit."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm import audit
from crm.auth.scoping import (
    area_region_ids,
    can_edit_merchant,
    can_see_merchant,
    get_visible,
    merchant_condition,
    merchant_phone,
)
from crm.extensions import db
from crm.merchants import operations
from crm.merchants.forms import MerchantForm
from crm.merchants.models import Merchant
from crm.merchants.queries import merchants_for
from crm.regions.models import Region
from crm.regions.queries import counties, counties_of, places_in
from crm.timeutil import local_today
from crm.visits.queries import merchant_timeline
from crm.web import int_arg, list_page

bp = Blueprint("merchants", __name__, url_prefix="/merchants")
EDITOR_ROLES = ("admin", "liaison", "account_manager")


def blueprints():
    return [bp]


@bp.app_template_global()
def phone_of(merchant: Merchant) -> str:
    """The operator's phone as the signed-in user may see it (whole only for the pair who calls)."""
    return merchant_phone(merchant, current_user)


@bp.get("/")
@login_required
def index():
    filters = {
        "q": request.args.get("q", "").strip(),
        "county_id": int_arg("county"),
        "trade": request.args.get("trade") or None,
        "tier": request.args.get("tier") or None,
        "status": request.args.get("status") or None,
    }
    stmt = merchants_for(current_user, **filters)
    page = list_page(stmt)
    return render_template("merchants/index.html", page=page, filters=filters, counties=counties(),
                           can_create=current_user.has_role(*EDITOR_ROLES))


@bp.get("/<int:merchant_id>")
@login_required
def detail(merchant_id: int):
    merchant = get_visible(Merchant, merchant_id, merchant_condition(current_user))
    audit.record("view", merchant, summary=merchant.name)  # access audit: who opened whose personal data
    db.session.commit()
    return render_template("merchants/detail.html", merchant=merchant,
                           timeline=merchant_timeline(merchant, current_user), today=local_today(),
                           can_edit=can_edit_merchant(merchant, current_user))


def _form(merchant: Merchant | None = None) -> MerchantForm:
    """The merchant form, offering only places in the user's area: a merchant placed elsewhere would be
    out of their sight the moment it is saved, and the choice is refused."""
    places = places_in(area_region_ids(current_user))
    return MerchantForm(obj=merchant, place_choices=places, counties=counties_of(places))


def _form_region(form: MerchantForm) -> Region:
    region = db.session.get(Region, form.region_id.data)
    if region is None or region.level not in ("town", "district"):
        abort(400)
    return region


def _save(form: MerchantForm, merchant: Merchant | None) -> Merchant | None:
    existing = operations.find_by_code(form.credit_code.data)
    if existing is not None and existing is not merchant:
        # Only a merchant the user may see is named as such: elsewhere the code answers like any unusable one.
        form.credit_code.errors.append(_("A merchant with this credit code is already registered.")
                                       if can_see_merchant(existing, current_user)
                                       else _("No such merchant, or not one you may see."))
        return None
    values = {**form.values(), **operations.location_of(_form_region(form))}
    if merchant is None:
        merchant = operations.create_merchant(values)
    else:
        operations.update_merchant(merchant, values)
    db.session.commit()
    return merchant


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not current_user.has_role(*EDITOR_ROLES):
        abort(404)
    form = _form()
    if form.validate_on_submit():
        merchant = _save(form, None)
        if merchant is not None:
            flash(_("Merchant registered."), "success")
            return redirect(url_for("merchants.detail", merchant_id=merchant.id))
    return render_template("merchants/form.html", form=form, merchant=None)


@bp.route("/<int:merchant_id>/edit", methods=["GET", "POST"])
@login_required
def edit(merchant_id: int):
    merchant = get_visible(Merchant, merchant_id, merchant_condition(current_user))
    if not can_edit_merchant(merchant, current_user):
        abort(404)
    form = _form(merchant)
    if request.method == "GET":
        form.region_id.data = merchant.district_id or merchant.town_id
    if form.validate_on_submit() and _save(form, merchant) is not None:
        flash(_("Changes saved."), "success")
        return redirect(url_for("merchants.detail", merchant_id=merchant.id))
    return render_template("merchants/form.html", form=form, merchant=merchant)
