"""Reminder pages: everyone's inbox, and the rules page where admins see and control the sweeps."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from crm import audit
from crm.auth.scoping import is_admin, leads_any_campaign, led_campaign_condition
from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.reminders import operations, scheduler
from crm.reminders.models import OutboxMessage, Reminder, RuleRun
from crm.reminders.rules import RULES, TITLES, drive_rules
from crm.reminders.settings import QUARTER_FRACTIONS, TARGETS, TUNABLES, rule_settings
from crm.web import list_page

bp = Blueprint("reminders", __name__, url_prefix="/reminders")
RECENT_RUNS = 30


def blueprints():
    return [bp]


def _own_reminder(reminder_id: int) -> Reminder:
    """A reminder is only ever visible to its recipient."""
    reminder = db.session.scalar(
        select(Reminder).where(Reminder.id == reminder_id, Reminder.recipient_id == current_user.id))
    if reminder is None:
        abort(404)
    return reminder


def _safe_next(target: str | None) -> str:
    # Only paths inside this site: a link in a reminder must never send people elsewhere.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("reminders.inbox")


@bp.get("/")
@login_required
def inbox():
    unread_only = request.args.get("unread") == "1"
    page = list_page(operations.inbox_query(current_user, unread_only))
    return render_template("reminders/inbox.html", page=page, unread_only=unread_only,
                           titles=TITLES, unread=operations.unread_count(current_user),
                           can_run=is_admin(current_user),
                           can_tune=leads_any_campaign(current_user))


@bp.post("/<int:reminder_id>/read")
@login_required
def mark_read(reminder_id: int):
    reminder = _own_reminder(reminder_id)
    operations.mark_read(reminder)
    db.session.commit()
    if request.form.get("open") and reminder.link:
        return redirect(_safe_next(reminder.link))
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/read-all")
@login_required
def mark_all_read():
    count = operations.mark_all_read(current_user)
    db.session.commit()
    flash(_("%(num)d reminders marked as read.", num=count), "info")
    return redirect(url_for("reminders.inbox"))


# ---- per-drive settings: admins and the drive's leads ------------------------------------------

def _editable_campaigns():
    return db.session.scalars(select(Campaign).where(led_campaign_condition(current_user))
                              .order_by(Campaign.starts_on.desc(), Campaign.id)).all()


@bp.get("/settings")
@login_required
def settings_index():
    campaigns = _editable_campaigns()
    if not campaigns:
        abort(404)
    if len(campaigns) == 1:
        return redirect(url_for("reminders.settings", campaign_id=campaigns[0].id))
    return render_template("reminders/settings_index.html", campaigns=campaigns)


@bp.route("/settings/<int:campaign_id>", methods=["GET", "POST"])
@login_required
def settings(campaign_id: int):
    campaign = next((c for c in _editable_campaigns() if c.id == campaign_id), None)
    if campaign is None:
        abort(404)
    form = request.form if request.method == "POST" else None
    if form is not None:
        try:
            operations.update_settings(campaign, form, actor=current_user)
        except ValueError as err:
            db.session.rollback()
            flash(str(err), "error")
            return render_template("reminders/settings.html", **_settings_context(campaign, form)), 422
        db.session.commit()
        flash(_("Reminder settings saved."), "success")
        return redirect(url_for("reminders.settings", campaign_id=campaign.id))
    return render_template("reminders/settings.html", **_settings_context(campaign, None))


def _settings_context(campaign: Campaign, form) -> dict:
    """What the settings form shows: the submitted values after an error, else the drive's own."""
    stored = campaign.reminder_settings or {}
    return {
        "campaign": campaign, "form": form, "titles": {name: TITLES[name] for name in drive_rules(campaign)},
        "tunables": TUNABLES, "targets": TARGETS,
        "fractions": QUARTER_FRACTIONS,
        "current": {name: rule_settings(campaign, name) for name in RULES}, "stored": stored,
        "digest_hour": current_app.config.get("DIGEST_HOUR", 8),
        "holidays": " ".join(stored.get("holidays", [])), "workdays": " ".join(stored.get("workdays", [])),
    }


# ---- admin: the rules, their runs and failed deliveries ----------------------------------------

def _require_admin() -> None:
    if not current_user.has_role("admin"):
        abort(404)


@bp.get("/rules")
@login_required
def rules():
    _require_admin()
    last = scheduler.last_runs()
    rows = [{"name": name, "title": TITLES[name], "last": last.get(name), "next": scheduler.next_run(name)}
            for name in RULES]
    runs = db.session.scalars(select(RuleRun).order_by(RuleRun.id.desc()).limit(RECENT_RUNS)).all()
    failed = operations.failed_deliveries()
    pending = db.session.scalar(select(db.func.count(OutboxMessage.id)).where(
        OutboxMessage.status.in_(("pending", "sending"))))
    return render_template("reminders/rules.html", rows=rows, runs=runs, failed=failed, pending=pending,
                           titles=TITLES)


@bp.post("/rules/<name>/run")
@login_required
def run_rule(name: str):
    _require_admin()
    if name not in RULES:
        abort(404)
    result = operations.run_rule(name)
    audit.record("run", object_type="reminder_rule", object_id=name,
                 summary=f"sweep run by hand: {result.created_count} created")
    db.session.commit()
    if result.error:
        flash(_("The sweep failed; the error is in the list of runs."), "error")
    else:
        flash(_("Sweep done: %(num)d reminders created.", num=result.created_count), "info")
    return redirect(url_for("reminders.rules"))


@bp.post("/outbox/retry-failed")
@login_required
def retry_all():
    _require_admin()
    count = operations.retry_all_failed(actor=current_user)
    db.session.commit()
    flash(_("%(num)d deliveries will be tried again within a minute.", num=count), "info")
    return redirect(url_for("reminders.rules"))


@bp.post("/outbox/<int:message_id>/retry")
@login_required
def retry(message_id: int):
    _require_admin()
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    try:
        operations.retry_delivery(message, actor=current_user)
    except ValueError as err:
        flash(str(err), "error")
        return redirect(url_for("reminders.rules"))
    db.session.commit()
    flash(_("The delivery will be tried again within a minute."), "info")
    return redirect(url_for("reminders.rules"))
