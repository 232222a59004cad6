"""Start-up settings: production refuses the default secret, SQLite runs as a real database, /healthz."""
import pytest
from sqlalchemy import text

from crm import create_app
from crm.config import DEFAULT_SECRET_KEY
from crm.extensions import db


@pytest.fixture
def fresh_env(monkeypatch, tmp_path):
    """A clean environment: the app's defaults, an empty instance folder."""
    for name in ("CRM_ENV", "CRM_SECRET_KEY", "CRM_DATABASE_URL", "CRM_PUBLIC_URL", "CRM_SECURE_COOKIES",
                 "CRM_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path))
    return monkeypatch


def test_production_refuses_the_default_secret_key(fresh_env):
    fresh_env.setenv("CRM_ENV", "production")
    with pytest.raises(RuntimeError, match="CRM_SECRET_KEY"):
        create_app()
    fresh_env.setenv("CRM_SECRET_KEY", DEFAULT_SECRET_KEY)
    with pytest.raises(RuntimeError):
        create_app()


GOOD_SECRET = "a-long-random-value-0f9a8b7c6d5e4f3a2b1c"


@pytest.fixture
def production(fresh_env):
    fresh_env.setenv("CRM_ENV", "Production")  # as people type it
    fresh_env.setenv("CRM_SECRET_KEY", GOOD_SECRET)
    fresh_env.setenv("CRM_PUBLIC_URL", "https://crm.example.gov.cn")
    return fresh_env


def test_production_starts_with_a_secret_key(production):
    app = create_app()
    assert app.config["SECRET_KEY"] == GOOD_SECRET
    assert app.config["ENV_NAME"] == "production"


@pytest.mark.parametrize("secret", ["0f9a8b7c6d5e4f3a2b1c-shortvalue", "ab" * 20, " " * 40])  # 31 bytes; 2 letters
def test_production_refuses_a_short_or_made_up_secret(production, secret):
    production.setenv("CRM_SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="at least 32 random bytes"):
        create_app()


@pytest.mark.parametrize("env", ["PRODUCTION", " production "])
def test_crm_env_is_read_whatever_its_case(fresh_env, env):
    fresh_env.setenv("CRM_ENV", env)
    with pytest.raises(RuntimeError, match="CRM_SECRET_KEY"):
        create_app()


def test_production_needs_its_public_address(production):
    production.delenv("CRM_PUBLIC_URL")
    with pytest.raises(RuntimeError, match="CRM_PUBLIC_URL"):
        create_app()


def test_production_sends_secure_cookies_and_hsts(production):
    response = create_app().test_client().get("/login")  # the sign-in form keeps its CSRF token in the session
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_laptop_sends_plain_cookies_and_no_hsts(fresh_env):
    response = create_app().test_client().get("/login")
    assert "Secure" not in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in response.headers


def test_a_bad_trusted_proxy_entry_stops_the_start(fresh_env):
    fresh_env.setenv("CRM_TRUSTED_PROXIES", "10.0.0.1, proxy.local")
    with pytest.raises(RuntimeError, match="CRM_TRUSTED_PROXIES"):
        create_app()


def test_the_default_database_is_sqlite_in_the_instance_folder_with_its_pragmas(fresh_env, tmp_path):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'crm.sqlite3'}"
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA busy_timeout")).scalar() > 0
        finally:
            db.session.remove()
            db.engine.dispose()


def test_cookies_are_http_only_and_sessions_expire(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["IDLE_TIMEOUT"].total_seconds() == 30 * 60


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_pages_send_protective_headers(client):
    headers = client.get("/login").headers
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"


CLOCK_PROBE = """
from datetime import datetime
from crm import create_app
from crm.formatting import local_dt
from crm.timeutil import freeze, local_today
app = create_app()
with app.app_context(), freeze(datetime(2025, 7, 1, 20, 0)):  # 20:00 UTC
    print(local_today(), local_dt(datetime(2025, 7, 1, 20, 0)), app.config["BABEL_DEFAULT_TIMEZONE"])
"""


def test_crm_timezone_sets_the_day_and_the_clock_people_see(fresh_env, tmp_path):
    """Read once at start-up: Asia/Shanghai in this process (no CRM_TIMEZONE), London in one told so."""
    import os
    import subprocess
    import sys
    from datetime import datetime

    from crm.formatting import local_dt
    from crm.timeutil import freeze, local_today

    assert "CRM_TIMEZONE" not in os.environ
    app = create_app()
    with app.app_context(), freeze(datetime(2025, 7, 1, 20, 0)):  # 20:00 UTC
        assert (str(local_today()), local_dt(datetime(2025, 7, 1, 20, 0)), app.config["BABEL_DEFAULT_TIMEZONE"]) == (
            "2025-07-02", "2025-07-02 04:00", "Asia/Shanghai")
    env = {**os.environ, "CRM_INSTANCE_PATH": str(tmp_path), "CRM_TIMEZONE": "Europe/London"}
    london = subprocess.run([sys.executable, "-c", CLOCK_PROBE], env=env, capture_output=True, text=True,
                            timeout=120, check=True).stdout.strip()
    assert london == "2025-07-01 2025-07-01 21:00 Europe/London"
