"""The 300,000-row registry file through the web page, served as the README deploys it: gunicorn with
its default 30 s worker timeout, and `crm worker` doing the jobs (issue 16)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import requests
from sqlalchemy import func, select

from crm.extensions import db
from crm.merchants.models import Merchant
from tests import factories
from tests.apps import app_on
from tests.imports.helpers import merchant_indexes, write_csv
from tests.imports.test_import_rules import row
from tests.sockets import listening_socket

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
ROWS = 300_000
GUNICORN_TIMEOUT = 30  # gunicorn's default: a request taking longer kills its worker (WORKER TIMEOUT)


def _start(command: list[str], env: dict, pass_fds=()) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, pass_fds=pass_fds)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def _csrf(page: requests.Response) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)


class Browser:
    """A signed-in session over real HTTP that remembers the slowest answer."""

    def __init__(self, base: str):
        self.base, self.session, self.slowest = base, requests.Session(), 0.0

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        started = time.monotonic()
        response = self.session.request(method, self.base + path, allow_redirects=False, timeout=120, **kwargs)
        self.slowest = max(self.slowest, time.monotonic() - started)
        assert response.status_code < 500, (path, response.status_code)
        return response

    def wait_for(self, path: str, done, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self("GET", path).json()
            if done(state):
                return state
            time.sleep(1.0)
        raise AssertionError(f"waited {timeout} s; last state {state}")


def _serving(base: str, server: subprocess.Popen) -> None:
    for _attempt in range(120):
        assert server.poll() is None, "gunicorn stopped"
        try:
            requests.get(base + "/login", timeout=30)  # the workers load the app first
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.5)
    raise AssertionError("gunicorn did not answer")


def test_a_300000_row_registry_is_checked_and_imported_through_the_page_under_gunicorn(empty_database_url,
                                                                                       tmp_path):
    """Upload, dry run, report, apply: each request answers at once, the worker does the work.

        Budget ≤ 5 min on a loaded 2-core machine: the worker's check and import of 300,000 rows take
        most of it, gunicorn's four workers and `crm worker` ~10 s of CPU to start."""
    with app_on(empty_database_url) as app:
        world = factories.build_world()
        admin = world.users["admin"]
        before = db.session.scalar(select(func.count(Merchant.id)))
        indexes = merchant_indexes()
        db.session.commit()
        path = write_csv(tmp_path / "registry.csv", [row(n, county="沁县", town="", district="", date="2019-03-01")
                                                     for n in range(1, ROWS + 1)])
        env = {**os.environ, "CRM_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "CRM_INSTANCE_PATH": str(tmp_path), "CRM_UPLOAD_FOLDER": str(tmp_path / "uploads"),
               "CRM_JOBS_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}", "PYTHONPATH": ROOT}
        # The README's commands, on a socket of the test's; nothing said about the timeout, so gunicorn's default.
        with listening_socket() as listener:
            server = _start([os.path.join(BIN, "gunicorn"), "-w", "4", "-b", f"fd://{listener.fileno()}", "wsgi:app"],
                            env, pass_fds=(listener.fileno(),))
            port = listener.getsockname()[1]
        worker = _start([sys.executable, "-c", "from crm.cli import main; main()", "worker"], env)
        try:
            base = f"http://127.0.0.1:{port}"
            _serving(base, server)
            browser = Browser(base)
            login = browser("GET", "/login")
            assert browser("POST", "/login", data={"csrf_token": _csrf(login), "username": admin.username,
                                                   "password": factories.PASSWORD}).status_code == 302
            form = browser("GET", "/imports/")
            with open(path, "rb") as handle:
                sent = browser("POST", "/imports/", data={"csrf_token": _csrf(form)},
                               files={"file": ("registry.csv", handle, "text/csv")})
            assert sent.status_code == 302, sent.text[:500]
            report_url = sent.headers["Location"]
            checked = browser.wait_for(report_url + "/progress.json", lambda s: s["status"] in ("done", "failed"),
                                       timeout=240)
            assert checked["counts"] == {"rows": ROWS, "created": ROWS, "updated": 0, "unchanged": 0,
                                         "rejected": 0}, checked
            report = browser("GET", report_url)
            assert re.search(rf'data-count="created">{ROWS}<', report.text)
            assert browser("POST", report_url + "/apply", data={"csrf_token": _csrf(report)}).status_code == 302
            applied = browser.wait_for(report_url + "/progress.json", lambda s: s["kind"] == "import_apply"
                                       and s["status"] in ("done", "failed"), timeout=240)
            assert (applied["status"], applied["written"]) == ("done", ROWS), applied
            assert "data-applied" in browser("GET", report_url).text
        finally:
            _stop(worker)
            _stop(server)
        db.session.expire_all()
        assert db.session.scalar(select(func.count(Merchant.id))) == before + ROWS
        assert db.session.scalar(select(Merchant.name).where(Merchant.credit_code == row(ROWS)[0])) == f"测试商店{ROWS}"
        assert merchant_indexes() == indexes  # those set aside for a big insert on SQLite are back
        assert browser.slowest < GUNICORN_TIMEOUT, browser.slowest
