"""Settings, read once from the environment, with defaults that are safe for a laptop."""
import os
from datetime import timedelta

from crm.timeutil import LOCAL_TZ

DEFAULT_SECRET_KEY = "dev-only-secret-change-me"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str) -> dict:
    """Return the Flask config mapping; every setting the app reads is named here."""
    sqlite_path = os.path.join(instance_path, "crm.sqlite3")
    idle_minutes = _int("CRM_IDLE_TIMEOUT_MINUTES", 30)
    return {
        "ENV_NAME": os.environ.get("CRM_ENV", "development"),
        "SECRET_KEY": os.environ.get("CRM_SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("CRM_DATABASE_URL", f"sqlite:///{sqlite_path}"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("CRM_SECURE_COOKIES", False),
        "REMEMBER_COOKIE_DURATION": timedelta(minutes=idle_minutes),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=idle_minutes),
        "IDLE_TIMEOUT": timedelta(minutes=idle_minutes),
        "WTF_CSRF_TIME_LIMIT": None,  # the session's own idle time-out bounds a form's life
        "BABEL_DEFAULT_LOCALE": os.environ.get("CRM_DEFAULT_LOCALE", "zh_Hans"),
        "BABEL_DEFAULT_TIMEZONE": LOCAL_TZ.key,
        "CRM_TIMEZONE": LOCAL_TZ.key,  # read from the environment by crm.timeutil, which all local time uses
        "LOCKOUT_THRESHOLD": _int("CRM_LOCKOUT_THRESHOLD", 5),
        "LOCKOUT_MINUTES": _int("CRM_LOCKOUT_MINUTES", 15),
        "UPLOAD_FOLDER": os.environ.get("CRM_UPLOAD_FOLDER", os.path.join(instance_path, "uploads")),
        "MAX_CONTENT_LENGTH": _int("CRM_MAX_UPLOAD_MB", 32) * 1024 * 1024,
        # Refused before decoding or parsing: a small file can declare a huge image or sheet.
        "PHOTO_MAX_MEGAPIXELS": _int("CRM_PHOTO_MAX_MEGAPIXELS", 40),
        "XLSX_MAX_EXPANDED_MB": _int("CRM_XLSX_MAX_EXPANDED_MB", 256),
        "PAGE_SIZE": _int("CRM_PAGE_SIZE", 25),
        # The background job queue (crm.jobs.queue): a SQLite file by default, redis:// or postgresql://.
        "JOBS_URL": os.environ.get("CRM_JOBS_URL", f"sqlite:///{os.path.join(instance_path, 'jobs.sqlite3')}"),
        # A running job whose worker has not reported for this long is shown as failed.
        "JOB_STALE_SECONDS": _int("CRM_JOB_STALE_SECONDS", 30),
        "RUN_SCHEDULER": _bool("CRM_RUN_SCHEDULER", False),
        "SMTP_HOST": os.environ.get("CRM_SMTP_HOST", ""),
        "SMTP_PORT": _int("CRM_SMTP_PORT", 25),
        "SMTP_USER": os.environ.get("CRM_SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("CRM_SMTP_PASSWORD", ""),
        "SMTP_SENDER": os.environ.get("CRM_SMTP_SENDER", "crm@localhost"),
        "SMTP_STARTTLS": _bool("CRM_SMTP_STARTTLS", False),
        "WEBHOOK_URL": os.environ.get("CRM_WEBHOOK_URL", ""),
        "OUTBOX_MAX_ATTEMPTS": _int("CRM_OUTBOX_MAX_ATTEMPTS", 8),
        # The address people reach the app at, for absolute links in e-mails and chat messages.
        "PUBLIC_URL": os.environ.get("CRM_PUBLIC_URL", ""),
        # The scheduler recomputes the rollup snapshots of the current periods this often.
        "REPORTS_REFRESH_MINUTES": _int("CRM_REPORTS_REFRESH_MINUTES", 10),
        "DIGEST_HOUR": _int("CRM_DIGEST_HOUR", 8),
        # Public-form submissions (name, credit code, phone, consent) are purged after this many days.
        "INTAKE_RETENTION_DAYS": _int("CRM_INTAKE_RETENTION_DAYS", 180),
        "HOLIDAYS": [d for d in os.environ.get("CRM_HOLIDAYS", "").split(",") if d],
    }


def check_production(config: dict) -> None:
    """Refuse to run production with settings that would expose every session."""
    if config["ENV_NAME"] == "production" and config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise RuntimeError("CRM_ENV=production needs CRM_SECRET_KEY set to a long random value")
