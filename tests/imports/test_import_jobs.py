"""Imports as background jobs: the API and the page follow a job's progress; a killed worker writes nothing."""
from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from crm.extensions import db
from crm.merchants.models import Merchant
from tests import factories
from tests.api.openapi_check import assert_matches
from tests.apps import app_on
from tests.imports.helpers import merchant_indexes, write_csv, write_xlsx
from tests.imports.test_import_rules import code, row

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _upload(api_client, path, name, **form):
    with open(path, "rb") as handle:
        return api_client.post("/api/v1/imports", data={"file": (handle, name), **form},
                               content_type="multipart/form-data")


def test_the_api_takes_a_file_answers_202_and_reports_progress_then_applies(app, world, api, tmp_path):
    client = api(world.users["liaison_a1"])
    started = _upload(client, write_xlsx(tmp_path / "名录.xlsx", [row(1), row(2, county="火星县")]), "名录.xlsx")
    assert started.status_code == 202, started.get_data(as_text=True)
    assert_matches(started, "POST", "/api/v1/imports")
    job = started.get_json()
    assert started.headers["Location"] == job["progress_url"] == f"/api/v1/imports/{job['id']}"
    progress = client.get(job["progress_url"])
    assert_matches(progress, "GET", "/api/v1/imports/{job_id}")
    body = progress.get_json()
    assert (body["status"], body["kind"], body["read"], body["checked"]) == ("done", "import_plan", 2, 2)
    assert body["counts"] == {"rows": 2, "created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert Merchant.query.filter_by(credit_code=code(1)).count() == 0  # a dry run writes nothing
    applied = client.post(f"/api/v1/imports/{job['id']}/apply", json={})
    assert applied.status_code == 202
    assert_matches(applied, "POST", "/api/v1/imports/{job_id}/apply")
    assert client.get(job["progress_url"]).get_json()["counts"]["created"] == 1
    assert Merchant.query.filter_by(credit_code=code(1)).one().name == "测试商店1"
    again = client.post(f"/api/v1/imports/{job['id']}/apply", json={})
    assert again.status_code == 409 and again.get_json()["error"]["message"] == "这个文件已经导入过了。"
    assert_matches(again, "POST", "/api/v1/imports/{job_id}/apply")


def test_another_user_and_a_wrong_file_get_clear_answers(app, world, api, tmp_path):
    owner = api(world.users["liaison_a1"])
    job = _upload(owner, write_xlsx(tmp_path / "a.xlsx", [row(1)]), "a.xlsx").get_json()
    stranger = api(world.users["liaison_a2"]).get(job["progress_url"])
    assert stranger.status_code == 404
    assert_matches(stranger, "GET", "/api/v1/imports/{job_id}")
    refused = owner.post("/api/v1/imports", data={"file": (io.BytesIO(b"x"), "a.pdf")},
                         content_type="multipart/form-data")
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"]["file"] == "请上传 .xlsx 或 .csv 文件。"
    assert_matches(refused, "POST", "/api/v1/imports")
    assert api(world.users["am_a1"]).get(job["progress_url"]).status_code == 404


def test_the_page_reads_progress_from_json_and_the_stored_report(app, world, login, tmp_path):
    client = login(world.users["liaison_a1"])
    client.get("/lang/en")
    path = write_xlsx(tmp_path / "a.xlsx", [row(1)])
    with open(path, "rb") as handle:
        report_url = client.post("/imports/", data={"file": (handle, "a.xlsx")},
                                 content_type="multipart/form-data").headers["Location"]
    progress = client.get(report_url + "/progress.json").get_json()
    assert (progress["status"], progress["read"], progress["total"]) == ("done", 1, 2)  # header + 1 row
    os.remove(path)
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "imports", str(world.users["liaison_a1"].id),
                          report_url.rsplit("/", 1)[-1])
    os.remove(os.path.join(folder, "upload.xlsx"))  # the report is stored: viewing it never reads the file again
    page = client.get(report_url).get_data(as_text=True)
    assert re.search(r'data-count="created">1<', page)


def _csv_rows(count: int) -> list:
    return [row(n, county="沁县", town="", district="") for n in range(1, count + 1)]


def _queued_app(url: str, tmp_path):
    """An app on a second database whose jobs go to a real queue (a SQLite file) for worker processes."""
    return app_on(url, WTF_CSRF_ENABLED=False, UPLOAD_FOLDER=str(tmp_path / "uploads"),
                  JOBS_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}", JOB_STALE_SECONDS=6)


def _worker(app, tmp_path) -> subprocess.Popen:
    env = {**os.environ, "CRM_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "CRM_INSTANCE_PATH": str(tmp_path), "CRM_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
           "CRM_JOBS_URL": app.config["JOBS_URL"], "PYTHONPATH": ROOT}
    return subprocess.Popen([sys.executable, "-c", "from crm.cli import main; main()", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _wait_for(client, url, done, timeout=60.0, every=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(url).get_json()
        if done(state):
            return state
        time.sleep(every)
    raise AssertionError(f"waited {timeout} s; last state {state}")


def test_a_worker_killed_while_importing_leaves_the_registry_unchanged_and_the_job_failed(empty_database_url,
                                                                                           tmp_path):
    """A real worker process checks, then imports 12,000 rows and is killed (SIGKILL) while writing.

        ~8 s of CPU (most of it the worker starting); 20–40 s on a loaded 2-core machine."""
    with _queued_app(empty_database_url, tmp_path) as other:
        world = factories.build_world()
        admin = world.users["admin"]
        before = db.session.scalar(select(func.count(Merchant.id)))
        indexes = merchant_indexes()
        db.session.commit()
        client = other.test_client()
        assert client.post("/login", data={"username": admin.username, "password": factories.PASSWORD}).status_code == 302
        client.get("/lang/en")
        path = write_csv(tmp_path / "registry.csv", _csv_rows(12_000))
        with open(path, "rb") as handle:
            report_url = client.post("/imports/", data={"file": (handle, "registry.csv")},
                                     content_type="multipart/form-data").headers["Location"]
        progress_url = report_url + "/progress.json"
        assert client.get(progress_url).get_json()["status"] == "queued"  # no worker yet: it waits
        assert "Waiting for a worker" in client.get(report_url).get_data(as_text=True)
        worker = _worker(other, tmp_path)
        try:
            planned = _wait_for(client, progress_url, lambda s: s["status"] in ("done", "failed"))
            assert planned["counts"]["created"] == 12_000, planned
            assert client.post(report_url + "/apply", data={}).status_code == 302
            writing = _wait_for(client, progress_url, lambda s: s["phase"] == "write" or s["status"] in ("done", "failed"))
            assert writing["status"] == "running", writing
            os.killpg(worker.pid, signal.SIGKILL)  # the worker dies in the middle of its transaction
            worker.wait(10)
            failed = _wait_for(client, progress_url, lambda s: s["status"] != "running", timeout=15)
            assert failed["status"] == "failed" and "worker stopped" in failed["error"]
            assert "worker stopped" in client.get(report_url).get_data(as_text=True)
            db.session.expire_all()
            assert db.session.scalar(select(func.count(Merchant.id))) == before  # nothing half-written
            assert merchant_indexes() == indexes  # those set aside for a big insert on SQLite are back
            # The user may start it again: it waits for the next worker.
            assert client.post(report_url + "/apply", data={}).status_code == 302
            assert client.get(progress_url).get_json()["status"] == "queued"
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(10)
