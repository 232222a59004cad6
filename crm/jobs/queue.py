"""The Huey queue behind the jobs, chosen by `CRM_JOBS_URL`.

- `sqlite:///path` (default: instance/jobs.sqlite3): no server, for one machine;
- `redis://host:6379/0`: Redis;
- `postgresql://…`: a table in PostgreSQL;
- `immediate`: run each job inside the request that starts it (tests, single-process tools).

Huey stores the task until a worker takes it; everything a user reads about the job is in the
job's state file (crm.jobs.state).
"""
from __future__ import annotations

import importlib
import logging
import os
import threading
import time

from flask import Flask, current_app
from huey import MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey
from sqlalchemy.engine import make_url

from crm.jobs import state as job_state

log = logging.getLogger(__name__)

# Kinds of job and the function that does each: f(folder, state, progress) -> result (JSON-able).
HANDLERS = {
    "import_plan": "crm.imports.jobs:run_plan",
    "import_apply": "crm.imports.jobs:run_apply",
    "referral_build": "crm.referrals.jobs:run_build",
    "referral_export": "crm.referrals.jobs:run_export",
}


class JobFailed(Exception):
    """A job that cannot be done, with the reason shown to the user (already translated)."""


def make_huey(url: str, instance_path: str):
    if url == "immediate":
        return MemoryHuey("crm", immediate=True)
    if url.startswith("redis"):
        return RedisHuey("crm", url=url)
    if url.startswith("postgres"):
        return PostgresHuey("crm", dsn=make_url(url).set(drivername="postgresql").render_as_string(False))
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else os.path.join(instance_path,
                                                                                              "jobs.sqlite3")
    return SqliteHuey("crm", filename=path)


def init_app(app: Flask) -> None:
    huey = make_huey(app.config["JOBS_URL"], app.instance_path)

    @huey.task(name="crm.run_job")
    def run_job(folder: str) -> None:
        with app.app_context():
            execute(folder)

    app.extensions["jobs"] = (huey, run_job)


def queue():
    return current_app.extensions["jobs"][0]


def enqueue(folder: str, state: dict) -> None:
    """Mark the job queued in its folder and hand it to a worker."""
    state.update(status="queued", queued=time.time(), error=None, result=None)
    job_state.save(folder, state)
    current_app.extensions["jobs"][1](folder)


def handler(kind: str):
    module, name = HANDLERS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def execute(folder: str) -> None:
    """Run the job in this folder, recording its progress, its result or why it failed."""
    from flask_babel import force_locale

    from crm.extensions import db

    state = job_state.load(folder)
    if state is None or state["status"] != "queued":
        return  # withdrawn, or already taken by another worker
    tracker = job_state.Tracker(folder, state)
    tracker.start()
    with force_locale(state.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            result = handler(state["kind"])(folder, state, tracker)
        except JobFailed as err:
            db.session.rollback()
            tracker.finish("failed", error=str(err))
        except Exception as err:  # any other failure: the user sees it failed, the log has why
            db.session.rollback()
            log.exception("job in %s failed", folder)
            tracker.finish("failed", error=f"{type(err).__name__}: {err}")
        else:
            tracker.finish("done", result=result)
        finally:
            db.session.remove()


def public_state(state: dict) -> dict:
    """The state as readers see it: a runner that stopped beating has failed."""
    if job_state.is_stale(state, current_app.config["JOB_STALE_SECONDS"]):
        from flask_babel import gettext as _

        state = {**state, "status": "failed",
                 "error": _("The worker stopped before the job finished (it was stopped or restarted); "
                            "nothing of this job was saved. Start it again.")}
    return state


def start_in_app(app: Flask, stop: threading.Event | None = None) -> threading.Thread:
    """The single-command demo (and tests): one worker thread inside this process, until `stop` is set."""
    stop = stop or threading.Event()

    def loop():
        huey = app.extensions["jobs"][0]
        while not stop.is_set():
            task = huey.dequeue()
            if task is None:
                stop.wait(0.5)
            else:
                huey.execute(task)

    worker = threading.Thread(target=loop, name="crm-jobs", daemon=True)
    worker.start()
    return worker
