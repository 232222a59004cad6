"""Event pages: the list, planning and holding an event, a pair's month strip, the drive's grid, quotas."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from crm.api.payload import Invalid
from crm.auth.scoping import (
    campaign_condition,
    can_edit_event,
    can_lead_campaign,
    event_counties,
    get_visible,
    pair_condition,
    plans_pair_day,
    work_condition,
)
from crm.campaigns.models import LiaisonPair
from crm.campaigns.queries import campaign_counties
from crm.campaigns.rulebook import quota_text, source_text
from crm.campaigns.rules import event_quota, rule_source
from crm.events import operations as ops
from crm.events.forms import OUTCOME_NAMES, PLAN_NAMES, EventForm, OutcomeForm
from crm.events.models import EVENT_KINDS, Event
from crm.events.queries import events_for, linked_visits, pair_joint_days
from crm.extensions import db
from crm.forms import shape_payload
from crm.regions.queries import places_by_county
from crm.timeutil import local_today
from crm.visits.models import Photo, Visit
from crm.visits.operations import photo_path
from crm.web import int_arg, list_page, photo_response, requested_campaign

bp = Blueprint("events", __name__, url_prefix="/events")


MAX_PAIRS = 150  # pairs shown one by one on the joint-visit-day grid; more are summed per county


def blueprints():
    return [bp]


def _visible_pairs(campaign) -> list[LiaisonPair]:
    return list(db.session.scalars(select(LiaisonPair).where(
        LiaisonPair.campaign_id == campaign.id, LiaisonPair.active.is_(True), pair_condition(current_user)
    ).order_by(LiaisonPair.name)))


def _load(event_id: int) -> Event:
    return get_visible(Event, event_id, campaign_condition(current_user, Event.campaign_id))


def _editable(event_id: int) -> Event:
    event = _load(event_id)
    if not can_edit_event(event, current_user):
        abort(404)
    return event


@bp.get("/")
@login_required
def index():
    campaign = requested_campaign(current_user)
    filters = {"kind": request.args.get("kind") if request.args.get("kind") in EVENT_KINDS else None,
               "county_id": int_arg("county"), "status": request.args.get("status") or None}
    page = list_page(events_for(campaign, **filters))
    # Counties, level pairs and the drive behind a quota (pairs: on the joint visit days page).
    behind = [(table.quota, row, cell) for table in ops.quota_tables(campaign) if table.quota.scope != "pair"
              for row in table.rows for cell in row.cells if cell.state in ("behind", "missed")]
    my_pairs = [p for p in _visible_pairs(campaign) if current_user.id in (p.account_manager_id, p.liaison_id)]
    return render_template("events/index.html", campaign=campaign, page=page, filters=filters,
                           counties=campaign_counties(campaign), behind=behind, my_pairs=my_pairs)


def _event_form(campaign, event: Event | None = None) -> EventForm:
    """The plan form, offering only the pairs and counties where the user may plan (ensure_in_area refuses
    the rest, and the form refuses what it does not offer)."""
    counties = event_counties(campaign, current_user)
    pairs = [p for p in _visible_pairs(campaign) if plans_pair_day(p, current_user, counties)]
    # A joint visit day is held in the pair's county: offer the towns and districts of those counties.
    county_names = {p.county.name for p in pairs}
    places = [place for place in places_by_county() if place.label.split(" / ")[0] in county_names]
    offered = [c for c in campaign_counties(campaign) if counties is None or c.id in counties]
    return EventForm(obj=event, pairs=pairs, places=places, counties=offered)


# What a page submits is read with the API's declaration of an event (crm/events/operations.py).
PLAN_INPUT = ops.EVENT_INPUT.only(*PLAN_NAMES)
OUTCOME_INPUT = ops.EVENT_INPUT.only(*OUTCOME_NAMES)


def _show_errors(form, err: Invalid | ops.EventError) -> None:
    for name, message in err.fields.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            flash(message, "error")


def _save(form, shape, names, save, message: str):
    """Read what the page submitted with the event's declaration and save it; the redirect to the event,
    or None when something was refused (the problems are then shown on the form, nothing is kept)."""
    try:
        event = save(shape.read(shape_payload(form, names)))
    except (Invalid, ops.EventError) as err:
        db.session.rollback()
        _show_errors(form, err)
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    campaign = requested_campaign(current_user)
    form = _event_form(campaign)
    if request.method == "GET":
        form.kind.data = request.args.get("kind") if request.args.get("kind") in EVENT_KINDS else "matchmaking"
        form.pair_id.data = int_arg("pair")
        form.county_id.data = int_arg("county")
    if form.validate_on_submit():
        def plan(values: dict) -> Event:
            event = ops.plan_event(campaign, values, current_user)
            ops.ensure_in_area(event, current_user)
            return event

        done = _save(form, PLAN_INPUT, PLAN_NAMES, plan, _("Event planned."))
        if done:
            return done
    return render_template("events/form.html", form=form, campaign=campaign, event=None)


@bp.get("/<int:event_id>")
@login_required
def detail(event_id: int):
    event = _load(event_id)
    visits = linked_visits(event, work_condition(current_user, Visit, Visit.author_id))
    return render_template("events/detail.html", event=event, visits=visits, photos=ops.event_photos(event),
                           can_edit=can_edit_event(event, current_user))


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = _editable(event_id)
    form = _event_form(event.campaign, event)
    if form.validate_on_submit():
        def change(values: dict) -> Event:
            ops.update_plan(event, values, current_user)
            ops.ensure_in_area(event, current_user)
            return event

        done = _save(form, PLAN_INPUT, PLAN_NAMES, change, _("Changes saved."))
        if done:
            return done
    return render_template("events/form.html", form=form, campaign=event.campaign, event=event)


@bp.route("/<int:event_id>/held", methods=["GET", "POST"])
@login_required
def held(event_id: int):
    event = _editable(event_id)
    form = OutcomeForm(obj=event)
    if request.method == "GET" and event.held_on is None:
        form.held_on.data = min(event.planned_on, local_today())
    if form.validate_on_submit():
        def record(values: dict) -> Event:
            ops.record_held(event, values, current_user)
            ops.add_photos(event, form.streams(), current_user)
            return event

        done = _save(form, OUTCOME_INPUT, OUTCOME_NAMES, record, _("Recorded as held."))
        if done:
            return done
    return render_template("events/held.html", form=form, event=event)


@bp.post("/<int:event_id>/cancel")
@login_required
def cancel(event_id: int):
    event = _editable(event_id)
    if event.status != "planned":
        abort(400)
    ops.cancel_event(event, current_user)
    db.session.commit()
    flash(_("Event cancelled."), "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.get("/photos/<int:photo_id>")
@login_required
def photo(photo_id: int):
    stored = db.session.get(Photo, photo_id)
    if stored is None or stored.event_id is None:
        abort(404)
    _load(stored.event_id)
    return photo_response(photo_path(stored))


@bp.get("/quotas")
@login_required
def quotas():
    campaign = requested_campaign(current_user)
    return render_template("events/quotas.html", campaign=campaign, tables=ops.quota_tables(campaign),
                           quota_text=quota_text, rule_source=rule_source, source_text=source_text)


@bp.get("/joint-days")
@login_required
def joint_days():
    """The drive's pairs × months: a month without a day held stands out."""
    campaign = requested_campaign(current_user)
    county_id = int_arg("county")
    counties = campaign_counties(campaign)
    months = ops.drive_months(campaign)
    quota = event_quota(campaign, "joint_visit_day", "pair", "month")
    if not county_id:
        # A province has a thousand pairs: until a county is chosen, one line per county.
        by_county = ops.county_month_lines(campaign, pair_condition(current_user), counties)
        if sum(line["pairs"] for line in by_county) > MAX_PAIRS:
            return render_template("events/joint_days.html", campaign=campaign, pairs=[], cells={}, months=months,
                                   counties=counties, county_id=None, by_county=by_county, quota=quota)
    pairs = [p for p in _visible_pairs(campaign) if not county_id or p.county_id == county_id]
    return render_template("events/joint_days.html", campaign=campaign, pairs=pairs,
                           cells=ops.month_cells(campaign, [p.id for p in pairs]), months=months,
                           counties=counties, county_id=county_id, by_county=None, quota=quota)


@bp.get("/pairs/<int:pair_id>")
@login_required
def pair(pair_id: int):
    """A pair's page: its 12-month strip of joint visit days and the days themselves."""
    the_pair = get_visible(LiaisonPair, pair_id, pair_condition(current_user))
    cells = ops.month_cells(the_pair.campaign, [the_pair.id])[the_pair.id]
    member = current_user.id in (the_pair.account_manager_id, the_pair.liaison_id)
    return render_template("events/pair.html", pair=the_pair, cells=cells, days=pair_joint_days(the_pair),
                           can_plan=member or can_lead_campaign(the_pair.campaign, current_user))
