"""Each role's home: what needs them now. Account managers land on Today, leads on the dashboard,
admins on the administration hub (crm.menu.home_endpoint); liaisons and branch heads here."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from crm.auth.scoping import remembering
from crm.homes import queries
from crm.imports.queries import waiting_imports
from crm.referrals.forms import RuleAssignForm
from crm.timeutil import local_today
from crm.visits.queries import flagged_visits, joint_visit_days, location_shares

bp = Blueprint("homes", __name__, url_prefix="/home")
FLAGGED_SHOWN = 5


def blueprints():
    return [bp]


@bp.get("/liaison")
@login_required
@remembering()
def liaison():
    if not current_user.has_role("liaison"):
        abort(404)
    today = local_today()
    lists = queries.list_progress(current_user, queries.latest_lists(current_user))
    shares = [s for s in location_shares(current_user) if s.pair.liaison_id == current_user.id]
    days = joint_visit_days(current_user, today)
    return render_template(
        "homes/liaison.html", today=today, lists=lists, statuses=queries.FUNNEL_SHOWN,
        overdue=queries.overdue_names(current_user, [p.referral_list.id for p in lists]),
        imports=waiting_imports(current_user.id), shares=shares,
        flagged=flagged_visits(current_user, [s.pair.id for s in shares])[:FLAGGED_SHOWN],
        days=days, months=queries.pair_months([d.pair for d in days if d.pair.liaison_id == current_user.id], today))


@bp.get("/branch")
@login_required
@remembering()
def branch():
    if not current_user.has_role("branch_head"):
        abort(404)
    today = local_today()
    week = queries.week_start(today)
    return render_template(
        "homes/branch.html", today=today, week=week, waiting=queries.lists_to_assign(current_user),
        loads=queries.manager_loads(queries.branch_managers(current_user)),
        handed=queries.handed_over_since(current_user, week), form=RuleAssignForm())
