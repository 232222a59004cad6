"""Administration: regions, organizations, users, pairs and drives."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def blueprints():
    return [bp]


@bp.get("/")
@login_required
def index():
    if not current_user.has_role("admin", "lead"):
        abort(404)
    return render_template("admin/index.html")
