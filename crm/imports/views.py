"""Registry import pages: upload a file, follow its dry run, read the stored report, apply it."""
from __future__ import annotations

import os

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, FileField
from wtforms.validators import DataRequired

from crm import audit
from crm.audit.models import AuditEvent
from crm.extensions import db
from crm.imports import jobs
from crm.imports.operations import ImportRefused
from crm.regions.models import Region
from crm.web import takes_registry_file

bp = Blueprint("imports", __name__, url_prefix="/imports")
IMPORT_ROLES = ("liaison", "admin")


def blueprints():
    return [bp]


class UploadForm(FlaskForm):
    file = FileField(validators=[DataRequired()])


class ApplyForm(FlaskForm):
    strict = BooleanField()


def _require_importer():
    if not current_user.has_role(*IMPORT_ROLES):
        abort(404)


def _folder(token: str) -> str:
    """An import belongs to the user who sent it: anyone else gets 404."""
    _require_importer()
    path = jobs.folder(current_user.id, token)
    if path is None:
        abort(404)
    return path


@bp.route("/", methods=["GET", "POST"])
@login_required
@takes_registry_file
def index():
    _require_importer()
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            token = jobs.start(upload, upload.filename, current_user)
        except ImportRefused as err:
            form.file.errors.append(str(err))
        else:
            return redirect(url_for("imports.report", token=token))
    recent = select(AuditEvent).where(AuditEvent.object_type == "merchant_import")
    if not current_user.has_role("admin"):
        recent = recent.where(AuditEvent.actor_id == current_user.id)
    recent = db.session.scalars(recent.order_by(AuditEvent.at.desc()).limit(10)).all()
    return render_template("imports/index.html", form=form, recent=recent)


@bp.get("/<token>")
@login_required
def report(token: str):
    path = _folder(token)
    state = jobs.progress(path)
    stored = jobs.report(path) if state["status"] == "done" else None
    places = dict(db.session.execute(select(Region.id, Region.name)).all()) if stored else {}
    return render_template("imports/report.html", state=state, report=stored, token=token, form=ApplyForm(),
                           places=places)


@bp.get("/<token>/progress.json")
@login_required
def progress(token: str):
    return jsonify(jobs.progress_json(jobs.progress(_folder(token))))


@bp.get("/<token>/rejected.xlsx")
@login_required
def rejected(token: str):
    folder = _folder(token)
    path = os.path.join(folder, jobs.REJECTED_FILE)
    if not os.path.exists(path):
        abort(404)
    stem = jobs.progress(folder)["filename"].rsplit(".", 1)[0]
    audit.record("export", object_type="import", object_id=token, summary=f"{stem}-rejected.xlsx")
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=f"{stem}-rejected.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.post("/<token>/apply")
@login_required
def apply(token: str):
    path = _folder(token)
    form = ApplyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        jobs.start_apply(path, strict=form.strict.data)
    except ImportRefused as err:
        flash(str(err), "error")
    return redirect(url_for("imports.report", token=token))
