"""With CRM_RATELIMIT_STORAGE_URI pointing at Redis, the workers of one deployment count sign-in failures
together: two server processes, failures spread over both, and the sixth try is refused by either."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from sqlalchemy import create_engine

from crm.extensions import db
from tests.sockets import listening_socket

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REDIS = os.environ.get("CRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Serves on the listening socket whose fileno it is given.
SERVE = ("import sys; from werkzeug.serving import make_server; from crm import create_app; "
         "make_server('127.0.0.1', 0, create_app({'WTF_CSRF_ENABLED': False}), fd=int(sys.argv[1])).serve_forever()")


def _wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120  # a loaded 2-core CI machine takes a while to import the app
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def _sign_in(port: int, username: str, password: str) -> int:
    data = urllib.parse.urlencode({"username": username, "password": password}).encode()
    opener = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,),
                                              {"redirect_request": lambda *a, **k: None}))
    try:
        return opener.open(f"http://127.0.0.1:{port}/login", data=data, timeout=10).status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.fixture
def two_workers(empty_database_url, tmp_path):
    engine = create_engine(empty_database_url)
    db.metadata.create_all(engine)
    engine.dispose()
    env = {**os.environ, "CRM_DATABASE_URL": empty_database_url, "CRM_INSTANCE_PATH": str(tmp_path),
           "CRM_RATELIMIT_STORAGE_URI": REDIS, "CRM_RATELIMIT_KEY_PREFIX": f"crm-test-{uuid.uuid4().hex}",
           "PYTHONPATH": ROOT}
    listeners = [listening_socket(), listening_socket()]
    ports = [listener.getsockname()[1] for listener in listeners]
    processes = [subprocess.Popen([sys.executable, "-c", SERVE, str(listener.fileno())], cwd=ROOT, env=env,
                                  pass_fds=(listener.fileno(),), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True) for listener in listeners]
    for listener in listeners:
        listener.close()  # the servers have their own copies
    try:
        for port, process in zip(ports, processes):
            _wait_until_up(port, process)
        yield ports
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)


def test_failures_counted_by_one_worker_lock_the_other_too(two_workers):
    first, second = two_workers
    for port in (first, second, first, second, first):
        assert _sign_in(port, "ghost", "wrong-password") == 200
    assert _sign_in(second, "ghost", "wrong-password") == 429
    assert _sign_in(first, "ghost", "wrong-password") == 429
