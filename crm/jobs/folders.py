"""Where a job lives: a folder per job under the upload folder, `<area>/<user id>/<job id>`, and how
readers see its state (with a time-left estimate). A job belongs to the user who started it: the
folder is found through that user's id, so nobody else can reach it. A job's folder (the uploaded
registry, its report, an exported workbook) is kept for CRM_JOB_RETENTION_DAYS after the job ended.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import time
import uuid

from flask import current_app

from crm.jobs import queue
from crm.jobs import state as job_state

AREAS = ("imports", "referrals")  # the upload folder's subfolders of jobs: registry imports, list builds and exports


def _path(area: str, user_id: int, job_id: str) -> str:
    return os.path.join(current_app.config["UPLOAD_FOLDER"], area, str(user_id), job_id)


def create(area: str, user_id: int) -> tuple[str, str]:
    """A new, empty job folder: (job id, path)."""
    assert area in AREAS, f"{area}: add it to AREAS, or purge() never removes its jobs"
    job_id = uuid.uuid4().hex
    path = _path(area, user_id, job_id)
    os.makedirs(path)
    return job_id, path


def find(area: str, user_id: int, job_id: str) -> str | None:
    """The folder of this user's job, or None when the id is not one (or not theirs)."""
    if not re.fullmatch(r"[0-9a-f]{32}", job_id or ""):
        return None
    path = _path(area, user_id, job_id)
    return path if os.path.exists(os.path.join(path, job_state.STATE_FILE)) else None


def purge(days: int, now: float | None = None) -> int:
    """Delete the folders of jobs that ended (or were last touched) more than `days` days ago; how many.
    A job still running keeps its folder, however old."""
    cutoff = (time.time() if now is None else now) - days * 86400
    removed = 0
    for area in AREAS:
        for path in glob.glob(os.path.join(current_app.config["UPLOAD_FOLDER"], area, "*", "*")):
            if _last_touched(path) < cutoff:
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
    return removed


def _last_touched(path: str) -> float:
    """When the job in this folder last did anything; infinitely recent while it runs."""
    state = job_state.load(path)
    if state is None:  # a folder whose job never got as far as its state file
        return os.path.getmtime(path)
    if queue.public_state(state)["status"] == "running":
        return float("inf")
    return max(state.get(key) or 0 for key in ("queued", "heartbeat", "finished"))


def progress(path: str) -> dict:
    """The job's state as readers see it, with a time-left estimate while it runs."""
    state = queue.public_state(job_state.load(path))
    state["seconds_left"] = _seconds_left(state, state.get("progress") or {})
    return state


def _seconds_left(state: dict, counts: dict) -> int | None:
    """From the pace so far: reading and checking first, then writing."""
    if state["status"] != "running" or not counts.get("total"):
        return None
    done = counts["written"] if counts.get("phase") == "write" else counts["read"]
    total = counts["total"]
    if counts.get("phase") == "write":
        total = max(total, done)
    elapsed = time.time() - state.get("phase_started", state["started"])
    if done <= 0 or elapsed <= 0:
        return None
    return int(elapsed * (total - done) / done)


def progress_json(state: dict) -> dict:
    """The job's counters as a progress bar (the page's script and the API) reads them."""
    counts = state.get("progress") or {}
    return {
        "id": state["id"], "kind": state["kind"], "status": state["status"], "phase": counts.get("phase"),
        "read": counts.get("read", 0), "checked": counts.get("checked", 0), "written": counts.get("written", 0),
        "total": counts.get("total", 0), "seconds_left": state.get("seconds_left"), "error": state.get("error"),
    }
