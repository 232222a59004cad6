"""The audit log page (/admin/audit): read-only, for administrators; rows link to their admin screen."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from crm.admin.screens import SCREENS
from crm.audit import queries
from crm.audit.models import AuditEvent
from crm.auth.scoping import is_admin
from crm.web import list_page

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("/")
@login_required
def index():
    if not is_admin(current_user):
        abort(404)
    filters = {name: request.args.get(name, "").strip() or None
               for name in ("action", "object_type", "actor", "object_id")}
    page = list_page(queries.events(**filters))
    return render_template(
        "admin/audit.html", page=page, filters=filters,
        actions=queries.recorded_values(AuditEvent.action),
        object_types=queries.recorded_values(AuditEvent.object_type),
        screen_links={screen.model.__tablename__: name for name, screen in SCREENS.items()},
    )
