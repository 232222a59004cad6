"""Fixtures: one app and one schema per run (per worker under xdist), every table emptied after each test.

The database is SQLite (a temporary file) unless CRM_TEST_DATABASE_URL names a PostgreSQL
server; then a fresh database is created for this run and dropped at its end.
"""
from __future__ import annotations

import os
import tempfile
import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crm import create_app
from crm.extensions import db as _db
from crm.extensions import limiter
from tests import factories


def _postgres_database(base_url: str):
    url = make_url(base_url)
    name = f"crm_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def _new_database():
    """(url, cleanup) for an empty database on the engine under test."""
    base = os.environ.get("CRM_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        return _postgres_database(base)
    folder = tempfile.mkdtemp(prefix="crm-test-")
    return f"sqlite:///{os.path.join(folder, 'test.sqlite3')}", lambda: None


@pytest.fixture(scope="session")
def database_url():
    url, drop = _new_database()
    yield url
    drop()


@pytest.fixture
def empty_database_url():
    """A second, empty database (for migrations and multi-process tests)."""
    url, drop = _new_database()
    yield url
    drop()


@pytest.fixture
def new_database():
    """new_database() gives the URL of one more empty database; each is dropped after the test."""
    drops = []

    def make() -> str:
        url, drop = _new_database()
        drops.append(drop)
        return url

    yield make
    for drop in drops:
        drop()


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh app context, as in production.

    The test's own app context (and its session) would otherwise be shared with the request,
    caching the signed-in user, the locale and g between requests. The test's session is
    committed first, so the request sees what the test built, and expired after, so the test
    sees what the request did.
    """

    def open(self, *args, **kwargs):
        _db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["CRM_INSTANCE_PATH"] = str(instance)
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "SERVER_NAME": None,
        "JOBS_URL": "immediate",  # jobs run inside the request; tests of the worker start real workers
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def app_context(app):
    """Every test runs in an app context and leaves the tables empty behind it."""
    limiter.reset()  # rate-limit counts (in memory) start afresh for each test
    with app.app_context():
        yield
        _db.session.rollback()
        _empty_tables()
        _db.session.remove()


def _empty_tables():
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    _db.session.remove()
    with _db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # Trees (regions, organizations) refer to themselves; check nothing while emptying.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
        conn.commit()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture
def db():
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world():
    """A small drive with two counties, every role, two pairs and a few merchants."""
    return factories.build_world()


@pytest.fixture
def people(world):
    """The world with the names people have, for pages read in Chinese (usernames stay Latin: they
    are typed, not read)."""
    names = {"admin": "管理员", "lead": "李主任", "head_a": "王行长", "head_b": "赵行长", "liaison_a1": "刘专员",
             "liaison_a2": "陈专员", "liaison_b1": "杨专员", "am_a1": "张晓明", "am_a2": "周敏", "am_b1": "吴刚"}
    for username, name in names.items():
        world.users[username].display_name = name
    _db.session.commit()
    return world


@pytest.fixture
def login(client):
    """login(user) signs the test client in as that user (through the real sign-in form)."""

    def sign_in(user, password=factories.PASSWORD):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return sign_in


@pytest.fixture
def api(app):
    """api(user) returns a test client that sends a fresh bearer token for that user."""
    from crm.auth.operations import create_token

    def for_user(user):
        _token, plain = create_token(user, "test")
        _db.session.commit()
        test_client = app.test_client()
        test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
        return test_client

    return for_user


CHROMIUM = "/usr/bin/chromium"  # Debian's package; tests never download a browser
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def live_server(app):
    """The app served over real HTTP on a free loopback port, for browser tests."""
    import threading

    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright: one for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory):
    """The folder the browser tests write screenshots to for review: $CRM_SCREENSHOTS, else
    <pytest's tmp>/screenshots (printed at the end of the run)."""
    from tests.browser import screenshot_folder

    return screenshot_folder(tmp_path_factory.getbasetemp() / "screenshots")
