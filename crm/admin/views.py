"""Administration: one set of views serves every screen described in crm/admin/screens.py."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.admin import audit
from crm.admin.crud import Screen, screen_or_404
from crm.admin.screens import SCREENS
from crm.audit.queries import history
from crm.auth.scoping import is_admin
from crm.extensions import db
from crm.web import list_page

bp = Blueprint("admin", __name__, url_prefix="/admin")


def blueprints():
    return [bp, audit.bp]


@bp.before_request
@login_required
def _signed_in():
    """Every page here needs a signed-in user; which screens they see is up to each screen."""
    return


@bp.get("/")
def index():
    sections = [(screen, screen.count(current_user)) for screen in SCREENS.values() if screen.may_view(current_user)]
    if not sections:
        abort(404)
    return render_template("admin/index.html", sections=sections, show_audit=is_admin(current_user))


def _screen(name: str) -> Screen:
    return screen_or_404(SCREENS, name, current_user)


@bp.get("/<screen_name>/")
def records(screen_name: str):
    screen = _screen(screen_name)
    q = request.args.get("q", "")
    page = list_page(screen.query(current_user, q))
    return render_template("admin/list.html", screen=screen, page=page, q=q)


@bp.get("/<screen_name>/<int:record_id>")
def record(screen_name: str, record_id: int):
    screen = _screen(screen_name)
    obj = screen.load(current_user, record_id)
    return render_template("admin/detail.html", screen=screen, obj=obj, history=history(obj))


def _save(form, action: Callable[[], object]):
    """Run an operation and commit; a broken rule leaves nothing changed and shows its message."""
    try:
        result = action()
        db.session.commit()
    except ValueError as err:
        db.session.rollback()
        form.form_errors.append(str(err))
        return None
    return result


@bp.route("/<screen_name>/new", methods=["GET", "POST"])
def create(screen_name: str):
    screen = _screen(screen_name)
    if not screen.may_create(current_user):
        abort(404)
    form = screen.form(current_user, None)
    if form.validate_on_submit():
        obj = _save(form, lambda: screen.create(form.values(), current_user))
        if obj is not None:
            flash(_("%(name)s was created.", name=screen.display(obj)), "success")
            return redirect(url_for("admin.record", screen_name=screen.name, record_id=obj.id))
    return render_template("admin/form.html", screen=screen, form=form, obj=None)


@bp.route("/<screen_name>/<int:record_id>/edit", methods=["GET", "POST"])
def edit(screen_name: str, record_id: int):
    screen = _screen(screen_name)
    if not screen.may_edit(current_user):
        abort(404)
    obj = screen.load(current_user, record_id)
    form = screen.form(current_user, obj)
    if form.validate_on_submit():
        changes = _save(form, lambda: screen.update(obj, form.values(), current_user))
        if changes is not None:
            flash(_("Changes saved.") if changes else _("Nothing was changed."), "success" if changes else "info")
            return redirect(url_for("admin.record", screen_name=screen.name, record_id=obj.id))
    return render_template("admin/form.html", screen=screen, form=form, obj=obj)


@bp.post("/<screen_name>/<int:record_id>/remove")
def remove(screen_name: str, record_id: int):
    screen = _screen(screen_name)
    obj = screen.load(current_user, record_id)
    if screen.removal is None or not screen.removal.allowed(current_user, obj):
        abort(404)
    try:
        screen.removal.run(obj, current_user)
        db.session.commit()
    except ValueError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("admin.record", screen_name=screen.name, record_id=record_id))
    flash(str(screen.removal.done), "success")
    if db.session.get(screen.model, record_id) is None:
        return redirect(url_for("admin.records", screen_name=screen.name))
    return redirect(url_for("admin.record", screen_name=screen.name, record_id=record_id))
