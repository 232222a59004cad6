"""Job folders (an uploaded registry with people's names, a report, an exported list) are not kept
for ever: `crm jobs purge` and the scheduler's nightly purge delete those of jobs that ended more
than CRM_JOB_RETENTION_DAYS ago, never a job that is still running."""
from __future__ import annotations

import os
import time

from crm.jobs import state as job_state
from crm.reminders import scheduler
from tests.imports.helpers import write_xlsx
from tests.imports.test_import_rules import row

DAY = 86400


def _start_import(client, tmp_path, name: str) -> str:
    path = write_xlsx(tmp_path / name, [row(1)])
    with open(path, "rb") as handle:
        started = client.post("/api/v1/imports", data={"file": (handle, name)}, content_type="multipart/form-data")
    assert started.status_code == 202, started.get_data(as_text=True)
    return started.get_json()["progress_url"]


def _folder(app, user, progress_url: str) -> str:
    return os.path.join(app.config["UPLOAD_FOLDER"], "imports", str(user.id), progress_url.rsplit("/", 1)[-1])


def _age(folder: str, days: float, **state) -> None:
    """Make the job's state say it was queued, last beat and ended `days` days ago."""
    saved = job_state.load(folder)
    then = time.time() - days * DAY
    saved.update({"queued": then, "heartbeat": then, "finished": then, **state})
    job_state.save(folder, saved)


def test_old_finished_jobs_are_purged_and_recent_or_running_ones_kept(app, world, api, tmp_path):
    liaison = world.users["liaison_a1"]
    client = api(liaison)
    old, recent, running = (_start_import(client, tmp_path, f"{n}.xlsx") for n in ("old", "recent", "running"))
    _age(_folder(app, liaison, old), 8)
    _age(_folder(app, liaison, recent), 6)
    # Queued long ago and still beating: a long job at work, whatever its age.
    _age(_folder(app, liaison, running), 30, status="running", heartbeat=time.time())
    assert client.get(old).status_code == 200

    result = app.test_cli_runner().invoke(args=["crm", "jobs", "purge"])

    assert result.exit_code == 0 and "purged 1 job folders older than 7 days" in result.output
    assert client.get(old).status_code == 404
    assert not os.path.exists(_folder(app, liaison, old))  # the uploaded registry with it
    assert client.get(recent).get_json()["status"] == "done"
    assert client.get(running).get_json()["status"] == "running"
    result = app.test_cli_runner().invoke(args=["crm", "jobs", "purge", "--older-than", "5"])
    assert "purged 1 " in result.output and client.get(recent).status_code == 404


def test_a_job_whose_worker_died_long_ago_is_purged_too(app, world, api, tmp_path):
    liaison = world.users["liaison_a1"]
    client = api(liaison)
    dead = _start_import(client, tmp_path, "dead.xlsx")
    _age(_folder(app, liaison, dead), 10, status="running")  # stopped beating ten days ago
    assert client.get(dead).get_json()["status"] == "failed"
    scheduler.purge_job(app)
    assert client.get(dead).status_code == 404


def test_the_scheduler_purges_nightly(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    purge = scheduler.build(app, BackgroundScheduler).get_job("purge")
    assert purge is not None and purge.func is scheduler.purge_job
    assert "hour='4'" in str(purge.trigger)
