"""Registry imports as background jobs: the dry run and the apply run in a worker, not in a request.

An import lives in its own folder, named by the user and a random id: the uploaded file, the
job's state (crm.jobs.state), the stored dry-run report (report.json) and the rejected rows
(rejected.xlsx). Pages and the API only read those files: a report is computed once, by the job.
"""
from __future__ import annotations

import json
import os

from flask_babel import get_locale
from flask_babel import gettext as _

from crm.extensions import db
from crm.imports.operations import ImportRefused, apply_import, plan_import, rejected_workbook
from crm.jobs import folders, queue
from crm.jobs import state as job_state
from crm.jobs.queue import JobFailed

EXTENSIONS = ("xlsx", "csv")
REPORT_ROWS = 200  # rows of each kind kept in the stored report; the download has every rejected row
REPORT_FILE = "report.json"
REJECTED_FILE = "rejected.xlsx"
AREA = "imports"  # the uploads folder's subfolder of import jobs


def folder(user_id: int, job_id: str) -> str | None:
    """The folder of this user's import, or None when the id is not one (or not theirs)."""
    return folders.find(AREA, user_id, job_id)


def upload_path(path: str, filename: str) -> str:
    return os.path.join(path, "upload." + filename.rsplit(".", 1)[-1].lower())


def start(upload, filename: str, user, apply: bool = False, strict: bool = False) -> str:
    """Keep an uploaded file (anything with .save(path)) and queue its dry run, or its import; the job id."""
    filename = os.path.basename(filename or "")
    if filename.rsplit(".", 1)[-1].lower() not in EXTENSIONS:
        raise ImportRefused(_("Upload an .xlsx or .csv file."))
    job_id, path = folders.create(AREA, user.id)
    upload.save(upload_path(path, filename))
    state = {"id": job_id, "kind": "import_apply" if apply else "import_plan", "user_id": user.id,
             "filename": filename, "strict": strict, "locale": str(get_locale() or "")}
    queue.enqueue(path, state)
    return job_id


def start_apply(path: str, strict: bool) -> None:
    """Queue the import of a checked file; refused while a job on it is still queued or running."""
    state = progress(path)
    if state["status"] in job_state.ACTIVE:
        raise ImportRefused(_("This file is still being worked on; wait until it has finished."))
    if state["kind"] == "import_apply" and state["status"] == "done":
        raise ImportRefused(_("This file has already been imported."))
    queue.enqueue(path, {**state, "kind": "import_apply", "strict": strict})


def progress(path: str) -> dict:
    """The import's state, with the time left while it runs."""
    return folders.progress(path)


def report(path: str) -> dict | None:
    try:
        with open(os.path.join(path, REPORT_FILE), encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def _user(state: dict):
    from crm.people.models import User

    return db.session.get(User, state["user_id"])


def _keep(path: str, plan) -> dict:
    """Store the report and the rejected rows; the job's result is the counts."""
    with open(os.path.join(path, REJECTED_FILE), "wb") as handle:
        rejected_workbook(plan, handle)
    job_state.save_json(os.path.join(path, REPORT_FILE), plan.report(REPORT_ROWS))
    return plan.counts()


def run_plan(path: str, state: dict, tracker) -> dict:
    try:
        plan = plan_import(upload_path(path, state["filename"]), state["filename"], _user(state), tracker)
    except ImportRefused as err:
        raise JobFailed(str(err)) from err
    return _keep(path, plan)


def run_apply(path: str, state: dict, tracker) -> dict:
    try:
        plan = apply_import(upload_path(path, state["filename"]), state["filename"], _user(state),
                            strict=state.get("strict", False), progress=tracker)
    except ImportRefused as err:
        raise JobFailed(str(err)) from err
    return _keep(path, plan)


def progress_json(state: dict) -> dict:
    """The job as the page's progress bar and the API read it."""
    return folders.progress_json(state) | {
        "filename": state["filename"], "counts": state.get("result") if state["status"] == "done" else None}
