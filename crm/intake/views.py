"""The pair's printable QR poster, the public self-application form, the service window's staff-entered
application, and the pair's submissions by channel."""
from __future__ import annotations

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from crm import audit
from crm.audit.operations import client_address
from crm.auth.scoping import (
    can_call_applicant,
    can_enter_window_application,
    can_screen_submission,
    get_visible,
    pair_condition,
    shown_phone,
)
from crm.campaigns.models import LiaisonPair
from crm.extensions import db, limiter
from crm.intake import operations as ops
from crm.intake.forms import ApplyForm, WindowForm
from crm.intake.queries import channel_counts
from crm.referrals.models import IntakeSubmission
from crm.web import public_url

bp = Blueprint("intake", __name__)


def blueprints():
    return [bp]


@bp.app_template_global()
def applicant_phone(submission: IntakeSubmission) -> str:
    """The applicant's phone: whole for the pair's own account manager and liaison, else masked."""
    return shown_phone(submission.phone, can_call_applicant(submission, current_user))


@bp.get("/pairs/<int:pair_id>/poster")
@login_required
def poster(pair_id: int):
    pair = get_visible(LiaisonPair, pair_id, pair_condition(current_user))
    token = ops.ensure_token(pair, current_user)
    db.session.commit()
    url = public_url("intake.apply", token=token)
    svg = segno.make(url, error="m").svg_inline(scale=10, border=2, omitsize=True)
    return render_template("intake/poster.html", pair=pair, url=url, svg=Markup(svg))


@bp.get("/pairs/<int:pair_id>/submissions")
@login_required
def submissions(pair_id: int):
    pair = get_visible(LiaisonPair, pair_id, pair_condition(current_user))
    rows = db.session.scalars(select(IntakeSubmission).where(IntakeSubmission.pair_id == pair.id)
                              .order_by(IntakeSubmission.created_at.desc()).limit(200)).all()
    audit.record("view", pair, summary=_("Self-applications") + f" · {pair.name}")  # a list page with phones
    db.session.commit()
    return render_template("intake/submissions.html", pair=pair, rows=rows,
                           counts=channel_counts(pair.campaign_id, pair_id=pair.id),
                           can_window=can_enter_window_application(pair, current_user),
                           can_screen=lambda s: s.status == "pending" and can_screen_submission(s, current_user))


@bp.route("/pairs/<int:pair_id>/window", methods=["GET", "POST"])
@login_required
def window(pair_id: int):
    """服务专窗: staff enter a walk-in applicant's application; it lands on the pair like a QR application."""
    pair = get_visible(LiaisonPair, pair_id, pair_condition(current_user))
    if not can_enter_window_application(pair, current_user):
        abort(404)
    form = WindowForm()
    if form.validate_on_submit():
        submission = ops.submit(pair, form.values(), ops.address_hash(client_address()), channel="window",
                                entered_by=current_user)
        db.session.commit()
        flash(_("Application entered: it is on the pair's list.") if submission.status == "landed"
              else _("Application entered: the code is not registered in the pair's area, so it waits for the "
                     "pair's liaison."), "success")
        return redirect(url_for("intake.submissions", pair_id=pair.id))
    return render_template("intake/window.html", pair=pair, form=form), 422 if form.errors else 200


def _screenable(submission_id: int) -> IntakeSubmission:
    submission = get_visible(IntakeSubmission, submission_id, IntakeSubmission.pair_id.in_(
        select(LiaisonPair.id).where(pair_condition(current_user))))
    if not can_screen_submission(submission, current_user):
        abort(404)
    return submission


@bp.post("/submissions/<int:submission_id>/<any(accept, reject):decision>")
@login_required
def screen(submission_id: int, decision: str):
    """The pair's liaison screens a submission the form could not land by itself."""
    submission = _screenable(submission_id)
    try:
        if decision == "accept":
            ops.accept(submission, current_user)
        else:
            ops.reject(submission, current_user)
    except ops.ScreeningRefused as err:
        db.session.rollback()
        flash(str(err), "error")
    else:
        db.session.commit()
        flash(_("Submission accepted: it is on the pair's list.") if decision == "accept"
              else _("Submission rejected."), "success")
    return redirect(url_for("intake.submissions", pair_id=submission.pair_id))


def _render_form(pair, form, status=200):
    form.stamp.data = ops.form_stamp()
    form.website.data = ""
    return render_template("intake/apply.html", pair=pair, form=form), status


def _accepted(response) -> bool:
    return response.status_code == 200  # the thanks page (also shown to a script caught by the honeypot)


def _limited(_limit):
    return make_response(render_template("intake/limited.html"), 429)


@bp.route("/apply/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["INTAKE_LIMIT"], methods=["POST"], deduct_when=_accepted,
               on_breach=_limited)
def apply(token: str):
    """The public form behind the poster: no sign-in, rate-limited per address, spam-resistant."""
    pair = ops.pair_for_token(token)
    if pair is None:
        return render_template("intake/closed.html"), 404
    form = ApplyForm()
    if request.method == "GET":
        return _render_form(pair, form)
    if form.website.data:
        # A script filled in the hidden field: answer as if all went well, keep nothing.
        current_app.logger.info("intake honeypot triggered for pair %s", pair.id)
        return render_template("intake/thanks.html", pair=pair, days=pair.campaign.referral_contact_days)
    if not form.validate_on_submit():
        return _render_form(pair, form, 422)
    problem = ops.use_stamp(form.stamp.data)
    if problem:
        form.form_errors.append(problem)
        return _render_form(pair, form, 422)
    ops.submit(pair, form.values(), ops.address_hash(client_address()))
    db.session.commit()
    return render_template("intake/thanks.html", pair=pair, days=pair.campaign.referral_contact_days)
