"""Referral list pages: the lists, building one, its progress page, assigning and working items, export."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from crm import audit
from crm.auth.scoping import (
    area_region_ids,
    can_assign_list,
    can_hand_over_list,
    can_work_referral,
    get_visible,
    list_condition,
    referral_condition,
)
from crm.campaigns.models import Campaign
from crm.campaigns.queries import visible_campaigns
from crm.extensions import db
from crm.imports.parsing import CellError
from crm.jobs import folders
from crm.people.models import Organization, User
from crm.referrals import chains, jobs, operations
from crm.referrals.forms import (
    AssignForm,
    BuildForm,
    ChainForm,
    ReassignForm,
    RuleAssignForm,
    StatusForm,
    offer_banks,
)
from crm.referrals.models import Referral, ReferralList
from crm.referrals.queries import items_for
from crm.regions.models import Region
from crm.regions.queries import region_choices
from crm.timeutil import local_today
from crm.web import list_page, saved_upload

bp = Blueprint("referrals", __name__, url_prefix="/referrals")
BUILDER_ROLES = ("liaison", "admin")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def blueprints():
    return [bp]


@bp.get("/")
@login_required
def lists():
    page = list_page(
        select(ReferralList).options(joinedload(ReferralList.campaign), joinedload(ReferralList.bank_org))
        .where(list_condition(current_user)).order_by(ReferralList.created_at.desc(), ReferralList.id.desc()))
    # Names counted for this page's lists only (a province has half a million).
    counts = dict(db.session.execute(
        select(Referral.list_id, func.count(Referral.id))
        .where(Referral.list_id.in_([r.id for r in page.items]), referral_condition(current_user))
        .group_by(Referral.list_id)).all()) if page.items else {}
    return render_template("referrals/lists.html", page=page, counts=counts,
                           can_build=current_user.has_role(*BUILDER_ROLES))


def _campaigns() -> list[Campaign]:
    return visible_campaigns(current_user)


def _filters(form: BuildForm) -> operations.Filters:
    return operations.Filters(
        county_id=form.county_id.data or None, town_id=form.town_id.data or None,
        district_id=form.district_id.data or None, trade=form.trade.data or None, tier=form.tier.data or None,
        distinguished=form.distinguished.data, not_visited=form.not_visited.data, not_listed=form.not_listed.data)


def _uploaded_codes(form: BuildForm) -> list[str]:
    codes = operations.split_codes(form.codes.data or "")
    upload = form.codes_file.data
    if upload and getattr(upload, "filename", ""):
        with saved_upload(upload) as path:
            codes += operations.codes_from_file(path, upload.filename)
    return codes


def _builder_form(make_form):
    """(form, drive it builds for) for a list builder; None, with a message, when the user is in no drive."""
    if not current_user.has_role(*BUILDER_ROLES):
        abort(404)
    campaigns = _campaigns()
    if not campaigns:
        flash(_("You take part in no drive yet."), "warning")
        return None
    form = make_form(campaigns)
    return form, next((c for c in campaigns if c.id == form.campaign_id.data), campaigns[0])


@bp.route("/new", methods=["GET", "POST"])
@login_required
def build():
    """Filter the registry or paste codes; 'preview' shows the count and first names, 'create' makes the list."""
    built = _builder_form(lambda campaigns: BuildForm(campaigns=campaigns, places=_places()))
    if built is None:
        return redirect(url_for("referrals.lists"))
    form, campaign = built
    offer_banks(form, operations.bank_choices(campaign), blank=[SelectChoice(0, "—")])
    context = {"form": form, "campaign": campaign, "preview": None, "check": None}
    if request.method == "POST" and form.validate():
        try:
            codes = _uploaded_codes(form)
        except CellError as err:
            form.codes_file.errors.append(str(err))
            return render_template("referrals/build.html", **context)
        if request.form.get("action") == "create":
            started = _start_build(form, campaign, codes)
            if started is not None:
                return started
        elif codes:
            context["check"] = operations.check_codes(current_user, campaign, codes)
        else:
            context["preview"] = operations.preview(current_user, campaign, _filters(form))
    return render_template("referrals/build.html", **context)


def _start_build(form: BuildForm, campaign: Campaign, codes: list[str]):
    """Queue the list's build (a county's list is tens of thousands of names) and follow it; None, with the
    form's errors, when the bank or the name is missing."""
    bank = db.session.get(Organization, form.bank_org_id.data or 0)
    if bank is None or bank.id not in {o.id for o in operations.bank_choices(campaign)}:
        form.bank_org_id.errors.append(_("Choose the bank organization to hand the list to."))
    if not (form.name.data or "").strip():
        form.name.errors.append(_("Give the list a name."))
    if form.bank_org_id.errors or form.name.errors:
        return None
    job_id, state = jobs.start_build(current_user, campaign, bank, form.name.data.strip(),
                                     filters=_filters(form), codes=codes)
    return _follow(job_id, state)


def _follow(job_id: str, state: dict):
    """Where a job just started leads: its outcome if it already ran (no worker queue), else its progress."""
    if state["status"] == "done":
        return _finished(job_id, state)
    return redirect(url_for("referrals.job", job_id=job_id))


def _finished(job_id: str, state: dict):
    """A finished build leads to its list; a finished export, to its file."""
    if state["kind"] == "referral_export":
        return redirect(url_for("referrals.job_file", job_id=job_id))
    result = state["result"]
    flash(_("List created with %(n)s names. Check it, then hand it over.", n=result["names"]), "success")
    if result["rejected_count"]:
        flash(_("%(n)s of the codes could not go on the list.", n=result["rejected_count"]), "warning")
    return redirect(url_for("referrals.detail", list_id=result["list_id"]))


def _job_folder(job_id: str) -> str:
    """A build or export belongs to the user who started it: anyone else gets 404."""
    path = jobs.find(current_user.id, job_id)
    if path is None:
        abort(404)
    return path


@bp.get("/jobs/<job_id>")
@login_required
def job(job_id: str):
    """A build's or an export's progress bar; once the build is done, its list (an export: its download)."""
    state = folders.progress(_job_folder(job_id))
    if state["status"] == "done" and state["kind"] == "referral_build":
        return _finished(job_id, state)
    return render_template("referrals/job.html", state=state, job_id=job_id)


@bp.get("/jobs/<job_id>/progress.json")
@login_required
def job_progress(job_id: str):
    return jsonify(folders.progress_json(folders.progress(_job_folder(job_id))))


@bp.get("/jobs/<job_id>/file")
@login_required
def job_file(job_id: str):
    """The workbook an export job wrote (audited when it was written, with the phones it holds)."""
    folder = _job_folder(job_id)
    path = jobs.export_path(folder)
    if path is None:
        abort(404)
    state = folders.progress(folder)
    return send_file(path, as_attachment=True, download_name=f"referral-list-{state['list_id']}.xlsx",
                     mimetype=XLSX)


@bp.route("/chain", methods=["GET", "POST"])
@login_required
def build_chain():
    """一链一策: the core enterprise and its up- and downstream merchants as one list."""
    built = _builder_form(lambda campaigns: ChainForm(campaigns=campaigns))
    if built is None:
        return redirect(url_for("referrals.lists"))
    form, campaign = built
    banks = operations.bank_choices(campaign)
    offer_banks(form, banks)
    if form.validate_on_submit():
        bank = next((o for o in banks if o.id == form.bank_org_id.data), None)
        try:
            if bank is None:
                raise chains.ChainRefused(_("Choose the bank organization to hand the list to."))
            result = chains.create_chain_list(
                current_user, campaign, form.name.data.strip(), bank, form.core_code.data,
                operations.split_codes(form.upstream.data), operations.split_codes(form.downstream.data))
        except chains.ChainRefused as err:
            db.session.rollback()
            form.form_errors.append(str(err))
        else:
            db.session.commit()
            flash(_("Chain list created with %(n)s names. Check it, then hand it over.", n=result.count), "success")
            for rejected in result.rejected:
                flash(f"{rejected['credit_code']}: {rejected['reason']}", "warning")
            return redirect(url_for("referrals.detail", list_id=result.referral_list.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("referrals/chain.html", form=form), status


@bp.post("/<int:list_id>/grant-chain")
@login_required
def grant_chain(list_id: int):
    """链式授信: the branch grants the chain's members together."""
    referral_list = _load(list_id)
    if not can_assign_list(referral_list, current_user) or referral_list.source != "chain":
        abort(404)
    amounts = {key.removeprefix("amount-"): value for key, value in request.form.items()
               if key.startswith("amount-") and key.removeprefix("amount-").isdigit()}
    try:
        count = chains.grant_chain(referral_list, amounts, current_user, unit=10000)  # typed in 10k yuan
    except chains.ChainRefused as err:
        db.session.rollback()
        flash(str(err), "error")
    else:
        db.session.commit()
        flash(_("Credit granted to %(n)s members of the chain.", n=count), "success")
    return redirect(url_for("referrals.detail", list_id=list_id))


def _places() -> list[tuple[int, str, str, int | None]]:
    """(id, name, level, parent id) of the counties, towns and districts of the user's area, for the pickers:
    a list is built from merchants the user sees."""
    area = area_region_ids(current_user)
    regions = {r.id: r for r in db.session.scalars(select(Region).where(
        Region.level.in_(("county", "town", "district"))))}
    return [(place.value, place.label, regions[place.value].level, regions[place.value].parent_id)
            for place in region_choices(("county", "town", "district")) if area is None or place.value in area]


def _load(list_id: int) -> ReferralList:
    return get_visible(ReferralList, list_id, list_condition(current_user))


@bp.get("/<int:list_id>")
@login_required
def detail(list_id: int):
    referral_list = _load(list_id)
    audit.record("view", referral_list, summary=referral_list.name)  # a list page with phones
    db.session.commit()
    status = request.args.get("status") or None
    overdue = request.args.get("overdue") == "1"
    page = list_page(items_for(current_user, referral_list, status=status, overdue=overdue))
    assignable = can_assign_list(referral_list, current_user)
    managers = operations.account_managers(referral_list) if assignable else []
    towns = _towns(referral_list) if assignable else []
    return render_template(
        "referrals/detail.html", referral_list=referral_list, page=page, status=status, overdue=overdue,
        figures=operations.progress(referral_list, referral_condition(current_user)),
        can_manage=can_hand_over_list(referral_list, current_user),
        can_assign=assignable, managers=managers, towns=towns, status_form=StatusForm(),
        assign_form=AssignForm(), rule_form_data=RuleAssignForm(),
        can_work=lambda r: can_work_referral(r, current_user), today=local_today(),
        chain=(list(db.session.scalars(select(Referral).where(Referral.list_id == referral_list.id)
                                       .order_by(Referral.chain_role, Referral.id)))
               if referral_list.source == "chain" and assignable else None),
        next_statuses=operations.next_statuses)


def _towns(referral_list: ReferralList) -> list[tuple[Region, int]]:
    """Towns with pending items on the list, and how many."""
    from crm.merchants.models import Merchant

    return db.session.execute(
        select(Region, func.count(Referral.id)).join(Merchant, Merchant.town_id == Region.id)
        .join(Referral, Referral.merchant_id == Merchant.id)
        .where(Referral.list_id == referral_list.id, Referral.status == "pending")
        .group_by(Region.id).order_by(Region.name)).all()


@bp.post("/<int:list_id>/hand-over")
@login_required
def hand_over(list_id: int):
    referral_list = _load(list_id)
    if not can_hand_over_list(referral_list, current_user):
        abort(404)
    operations.hand_over(referral_list, current_user)
    db.session.commit()
    flash(_("List handed over to %(bank)s.", bank=referral_list.bank_org.name), "success")
    return redirect(url_for("referrals.detail", list_id=list_id))


def _assignee(list_: ReferralList, user_id: int | None) -> User:
    """An account manager of the branch the list was handed to, else 404."""
    assignee = next((u for u in operations.account_managers(list_) if u.id == user_id), None)
    if assignee is None:
        abort(404)
    return assignee


@bp.post("/<int:list_id>/assign")
@login_required
def assign(list_id: int):
    """Automatically by pair, or every pending item of a town (or of the list) to one account manager."""
    referral_list = _load(list_id)
    if not can_assign_list(referral_list, current_user):
        abort(404)
    if request.form.get("mode") in ("auto", "rule"):
        form = RuleAssignForm()
        if request.form.get("mode") == "rule" and not form.validate_on_submit():
            abort(400)
        rule = form.rule.data if request.form.get("mode") == "rule" else "pair"
        assigned, unmatched = operations.assign_by_rule(referral_list, rule, current_user)
        message = _("%(n)s names of %(list)s assigned.", n=assigned, list=referral_list.name)
        if unmatched:
            message += " " + _("%(n)s items have no pair for their town: assign them by hand.", n=unmatched)
    else:
        form = AssignForm()
        if not form.validate_on_submit():
            abort(400)
        assignee = _assignee(referral_list, form.assignee_id.data)
        items = operations.pending_items(referral_list, form.town_id.data or None)
        pair = operations.pair_of_user(referral_list.campaign_id, assignee, form.town_id.data or None)
        assigned = operations.assign(items, assignee, current_user, pair)
        message = _("%(n)s items assigned to %(name)s.", n=assigned, name=assignee.display_name)
    db.session.commit()
    flash(message, "success")
    return redirect(_safe_next() or url_for("referrals.detail", list_id=list_id))


def _load_item(referral_id: int) -> Referral:
    return get_visible(Referral, referral_id, referral_condition(current_user))


@bp.post("/items/<int:referral_id>/assign")
@login_required
def reassign(referral_id: int):
    referral = _load_item(referral_id)
    if not can_assign_list(referral.referral_list, current_user):
        abort(404)
    form = ReassignForm()
    if not form.validate_on_submit():
        abort(400)
    assignee = _assignee(referral.referral_list, form.assignee_id.data)
    pair = operations.pair_of_user(referral.campaign_id, assignee, referral.merchant.town_id)
    operations.assign([referral], assignee, current_user, pair)
    db.session.commit()
    flash(_("%(merchant)s is now with %(name)s.", merchant=referral.merchant.name, name=assignee.display_name),
          "success")
    return redirect(_safe_next() or url_for("referrals.detail", list_id=referral.list_id))


@bp.post("/items/<int:referral_id>/status")
@login_required
def set_status(referral_id: int):
    referral = _load_item(referral_id)
    if not can_work_referral(referral, current_user):
        abort(404)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("Choose a status."), "error")
    else:
        try:
            operations.change_status(referral, form.status.data, current_user,
                                     closed_reason=form.closed_reason.data or None, closed_note=form.closed_note.data)
            db.session.commit()
            flash(_("%(merchant)s: status saved.", merchant=referral.merchant.name), "success")
        except operations.TransitionRefused as err:
            db.session.rollback()
            flash(str(err), "error")
    return redirect(_safe_next() or url_for("referrals.detail", list_id=referral.list_id))


def _safe_next() -> str | None:
    target = request.form.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else None


@bp.post("/<int:list_id>/export")
@login_required
def export(list_id: int):
    """The list as .xlsx, written by a job (a county's list is tens of thousands of rows), then downloaded."""
    job_id, state = jobs.start_export(current_user, _load(list_id))
    return _follow(job_id, state)
