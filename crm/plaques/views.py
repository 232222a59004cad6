"""Plaque pages: nominations and plaques of a drive, one plaque with its checks, the certificate."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from crm.auth.scoping import campaign_condition, can_lead_campaign, get_visible, merchant_condition
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.plaques import operations as ops
from crm.plaques.models import PLAQUE_STATUSES, Plaque
from crm.web import list_page, requested_campaign

bp = Blueprint("plaques", __name__, url_prefix="/plaques")


def blueprints():
    return [bp]


def _visible_plaques():
    return select(Plaque).join(Merchant, Merchant.id == Plaque.merchant_id).where(
        merchant_condition(current_user), campaign_condition(current_user, Plaque.campaign_id))


def _load(plaque_id: int) -> Plaque:
    plaque = db.session.scalar(_visible_plaques().where(Plaque.id == plaque_id))
    if plaque is None:
        abort(404)
    return plaque


@bp.get("/")
@login_required
def index():
    campaign = requested_campaign(current_user)
    status = request.args.get("status") if request.args.get("status") in PLAQUE_STATUSES else None
    stmt = _visible_plaques().where(Plaque.campaign_id == campaign.id)
    if status:
        stmt = stmt.where(Plaque.status == status)
    if request.args.get("flagged") == "1":
        stmt = stmt.where(Plaque.flagged.is_(True))
    page = list_page(stmt.order_by(Plaque.flagged.desc(), Plaque.nominated_at.desc()))
    return render_template("plaques/index.html", campaign=campaign, page=page, status=status)


@bp.route("/nominate/<int:merchant_id>", methods=["GET", "POST"])
@login_required
def nominate(merchant_id: int):
    """Nominate a merchant: the drive's criteria are checked and shown before and after."""
    merchant = get_visible(Merchant, merchant_id, merchant_condition(current_user))
    campaign = requested_campaign(current_user)
    if request.method == "POST":
        try:
            plaque = ops.nominate(merchant, campaign, current_user)
        except ops.PlaqueError as err:
            flash(str(err), "error")
        else:
            db.session.commit()
            flash(_("Merchant nominated."), "success")
            return redirect(url_for("plaques.detail", plaque_id=plaque.id))
    return render_template("plaques/nominate.html", merchant=merchant, campaign=campaign,
                           checks=ops.check_criteria(merchant, campaign))


@bp.get("/<int:plaque_id>")
@login_required
def detail(plaque_id: int):
    plaque = _load(plaque_id)
    current = ops.check_criteria(plaque.merchant, plaque.campaign) if plaque.status == "nominated" else None
    return render_template("plaques/detail.html", plaque=plaque, current=current,
                           can_decide=can_lead_campaign(plaque.campaign, current_user))


@bp.post("/<int:plaque_id>/<any(approve, reject, revoke):action>")
@login_required
def decide(plaque_id: int, action: str):
    plaque = _load(plaque_id)
    if not can_lead_campaign(plaque.campaign, current_user):
        abort(404)
    try:
        if action == "approve":
            ops.approve(plaque, current_user)
        elif action == "reject":
            ops.reject(plaque, current_user)
        else:
            ops.revoke(plaque, request.form.get("reason", ""), current_user)
    except ops.PlaqueError as err:
        db.session.rollback()
        flash(str(err), "error")
    else:
        db.session.commit()
        flash(_("Plaque updated."), "success")
    return redirect(url_for("plaques.detail", plaque_id=plaque.id))


@bp.get("/<int:plaque_id>/certificate")
@login_required
def certificate(plaque_id: int):
    plaque = _load(plaque_id)
    if plaque.status != "approved":
        abort(404)
    return render_template("plaques/certificate.html", plaque=plaque)
