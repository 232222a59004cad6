"""Registry import pages: upload a file, read the dry-run report, download rejected rows, apply."""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, FileField
from wtforms.validators import DataRequired

from crm import audit
from crm.audit.models import AuditEvent
from crm.extensions import db
from crm.imports.operations import ImportRefused, apply_import, plan_import, rejected_workbook
from crm.regions.models import Region

bp = Blueprint("imports", __name__, url_prefix="/imports")
IMPORT_ROLES = ("liaison", "admin")
EXTENSIONS = ("xlsx", "csv")
REPORT_ROWS = 200  # rows of each kind shown on the report page; the download has them all


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
    """An upload belongs to the user who sent it: the folder is named by both."""
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        abort(404)
    return os.path.join(current_app.config["UPLOAD_FOLDER"], "imports", str(current_user.id), token)


def _stored(token: str) -> tuple[str, str]:
    """(path, original filename) of an uploaded file, or 404."""
    meta = os.path.join(_folder(token), "meta.json")
    if not os.path.exists(meta):
        abort(404)
    with open(meta, encoding="utf-8") as handle:
        filename = json.load(handle)["filename"]
    return os.path.join(_folder(token), "upload." + filename.rsplit(".", 1)[-1].lower()), filename


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    _require_importer()
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        filename = os.path.basename(upload.filename or "")
        if filename.rsplit(".", 1)[-1].lower() not in EXTENSIONS:
            form.file.errors.append(_("Upload an .xlsx or .csv file."))
        else:
            token = uuid.uuid4().hex
            os.makedirs(_folder(token))
            upload.save(os.path.join(_folder(token), "upload." + filename.rsplit(".", 1)[-1].lower()))
            with open(os.path.join(_folder(token), "meta.json"), "w", encoding="utf-8") as handle:
                json.dump({"filename": filename}, handle)
            return redirect(url_for("imports.report", token=token))
    recent = select(AuditEvent).where(AuditEvent.object_type == "merchant_import")
    if not current_user.has_role("admin"):
        recent = recent.where(AuditEvent.actor_id == current_user.id)
    recent = db.session.scalars(recent.order_by(AuditEvent.at.desc()).limit(10)).all()
    return render_template("imports/index.html", form=form, recent=recent)


def _planned(token: str):
    """The dry run of an uploaded file (its rows are checked again each time: the registry moves)."""
    _require_importer()
    path, filename = _stored(token)
    return plan_import(path, filename, current_user)


@bp.get("/<token>")
@login_required
def report(token: str):
    try:
        plan = _planned(token)
    except ImportRefused as err:
        flash(str(err), "error")
        return redirect(url_for("imports.index"))
    places = dict(db.session.execute(select(Region.id, Region.name)).all())  # region ids shown by name
    return render_template("imports/report.html", plan=plan, token=token, form=ApplyForm(), limit=REPORT_ROWS,
                           places=places)


@bp.get("/<token>/rejected.xlsx")
@login_required
def rejected(token: str):
    try:
        plan = _planned(token)
    except ImportRefused:
        abort(404)
    buffer = io.BytesIO()
    rejected_workbook(plan, buffer)
    buffer.seek(0)
    stem = plan.filename.rsplit(".", 1)[0]
    audit.record("export", object_type="import", object_id=token, summary=f"{stem}-rejected.xlsx")
    db.session.commit()
    return send_file(buffer, as_attachment=True, download_name=f"{stem}-rejected.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.post("/<token>/apply")
@login_required
def apply(token: str):
    _require_importer()
    path, filename = _stored(token)
    form = ApplyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        plan = apply_import(path, filename, current_user, strict=form.strict.data)
    except ImportRefused as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("imports.report", token=token))
    shutil.rmtree(_folder(token), ignore_errors=True)
    counts = plan.counts()
    flash(_("Imported %(file)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
            "%(rejected)s rejected.", file=filename, **{k: counts[k] for k in
                                                        ("created", "updated", "unchanged", "rejected")}),
          "success")
    return redirect(url_for("imports.index"))
