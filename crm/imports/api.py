"""POST /api/v1/imports (a registry file → a background job) and GET /api/v1/imports/{id} (its progress)."""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.api.core import ApiError, nullable, obj, route, schema
from crm.imports import jobs
from crm.imports.operations import ImportRefused
from crm.imports.views import IMPORT_ROLES
from crm.web import takes_registry_file

COUNTS = obj({name: {"type": "integer"} for name in ("rows", "created", "updated", "unchanged", "rejected")})
IMPORT_JOB = schema("ImportJob", obj({
    "id": {"type": "string"},
    "kind": {"type": "string", "enum": ["import_plan", "import_apply"],
             "description": "import_plan: the dry run; import_apply: the import itself"},
    "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
    "filename": {"type": "string"},
    "phase": nullable("string"),
    "read": {"type": "integer"}, "checked": {"type": "integer"}, "written": {"type": "integer"},
    "total": {"type": "integer", "description": "rows in the file (about, for a .csv), 0 until known"},
    "seconds_left": nullable("integer"),
    "error": nullable("string"),
    "counts": nullable(COUNTS),
    "progress_url": {"type": "string"},
    "report_url": {"type": "string"},
}))
UPLOAD = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary", "description": "the registry export, .xlsx or .csv"},
    "apply": {"type": "boolean", "description": "import after checking (default: only the dry run)"},
    "strict": {"type": "boolean", "description": "with apply: import nothing if any row is rejected"},
}}


def _flag(name: str) -> bool:
    return request.form.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _job(job_id: str) -> dict:
    if not current_user.has_role(*IMPORT_ROLES):
        raise ApiError(404, "not_found", _("No such import."))
    path = jobs.folder(current_user.id, job_id)
    if path is None:
        raise ApiError(404, "not_found", _("No such import."))
    return jobs.progress_json(jobs.progress(path)) | {
        "progress_url": url_for("api.get_import", job_id=job_id),
        "report_url": url_for("imports.report", token=job_id)}


@route("/imports", ["POST"], summary="Upload a registry file; its dry run (or import) runs in the background",
       body=UPLOAD, media_type="multipart/form-data", responses={202: IMPORT_JOB, 404: None, 413: None, 422: None})
@takes_registry_file
def start_import():
    if not current_user.has_role(*IMPORT_ROLES):
        raise ApiError(404, "not_found", _("No such import."))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(422, "invalid", _("Send the file as the multipart field 'file'."),
                       {"file": _("This field is required.")})
    try:
        job_id = jobs.start(upload, upload.filename, current_user, apply=_flag("apply"), strict=_flag("strict"))
    except ImportRefused as err:
        raise ApiError(422, "invalid", str(err), {"file": str(err)}) from err
    body = _job(job_id)
    return jsonify(body), 202, {"Location": body["progress_url"]}


@route("/imports/<job_id>", ["GET"], summary="Progress of an import job, and its counts once done",
       responses={200: IMPORT_JOB, 404: None})
def get_import(job_id: str):
    return jsonify(_job(job_id))


@route("/imports/<job_id>/apply", ["POST"], summary="Import a file whose dry run has finished",
       body=obj({"strict": {"type": "boolean"}}, required=[]),
       responses={202: IMPORT_JOB, 404: None, 409: None})
def apply_import(job_id: str):
    _job(job_id)
    body = request.get_json(silent=True) or {}
    try:
        jobs.start_apply(jobs.folder(current_user.id, job_id), strict=bool(body.get("strict")))
    except ImportRefused as err:
        raise ApiError(409, "conflict", str(err)) from err
    return jsonify(_job(job_id)), 202
