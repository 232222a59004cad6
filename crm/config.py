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


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def load_config(instance_path: str) -> dict:
    """Return the Flask config mapping; every setting the app reads is named here."""
    sqlite_path = os.path.join(instance_path, "crm.sqlite3")
    idle_minutes = _int("CRM_IDLE_TIMEOUT_MINUTES", 30)
    env_name = os.environ.get("CRM_ENV", "development").strip().lower()
    production = env_name == "production"
    return {
        "ENV_NAME": env_name,
        "SECRET_KEY": os.environ.get("CRM_SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("CRM_DATABASE_URL", f"sqlite:///{sqlite_path}"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("CRM_SECURE_COOKIES", production),
        "REMEMBER_COOKIE_SECURE": _bool("CRM_SECURE_COOKIES", production),
        "REMEMBER_COOKIE_DURATION": timedelta(minutes=idle_minutes),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=idle_minutes),
        "IDLE_TIMEOUT": timedelta(minutes=idle_minutes),
        "WTF_CSRF_TIME_LIMIT": None,  # the session's own idle time-out bounds a form's life
        "BABEL_DEFAULT_LOCALE": os.environ.get("CRM_DEFAULT_LOCALE", "zh_Hans"),
        "BABEL_DEFAULT_TIMEZONE": LOCAL_TZ.key,
        "CRM_TIMEZONE": LOCAL_TZ.key,  # read from the environment by crm.timeutil, which all local time uses
        # Failed sign-ins allowed (limits notation) per account and client address, then per address alone.
        "LOGIN_LIMIT": os.environ.get("CRM_LOGIN_LIMIT", "5 per 15 minutes"),
        "LOGIN_ADDRESS_LIMIT": os.environ.get("CRM_LOGIN_ADDRESS_LIMIT", "20 per 15 minutes"),
        "INTAKE_LIMIT": os.environ.get("CRM_INTAKE_LIMIT", "5 per hour"),  # public form submissions per address
        "RATELIMIT_STORAGE_URI": os.environ.get("CRM_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("CRM_RATELIMIT_KEY_PREFIX", "crm"),  # deployments sharing a Redis
        "RATELIMIT_STRATEGY": "moving-window",  # counts the last N minutes, not since a round clock time
        # Addresses or networks of the reverse proxies whose X-Forwarded-For/-Proto are believed.
        "TRUSTED_PROXIES": _list("CRM_TRUSTED_PROXIES"),
        "UPLOAD_FOLDER": os.environ.get("CRM_UPLOAD_FOLDER", os.path.join(instance_path, "uploads")),
        "MAX_CONTENT_LENGTH": _int("CRM_MAX_UPLOAD_MB", 32) * 1024 * 1024,
        # A province's registry export (300,000 rows: ~50 MB as CSV), sent only where a view takes one.
        "MAX_REGISTRY_LENGTH": _int("CRM_MAX_REGISTRY_MB", 128) * 1024 * 1024,
        # Refused before decoding or parsing: a small file can declare a huge image or sheet.
        "PHOTO_MAX_MEGAPIXELS": _int("CRM_PHOTO_MAX_MEGAPIXELS", 40),
        "XLSX_MAX_EXPANDED_MB": _int("CRM_XLSX_MAX_EXPANDED_MB", 256),
        "PAGE_SIZE": _int("CRM_PAGE_SIZE", 25),
        # The background job queue (crm.jobs.queue): a SQLite file by default, redis:// or postgresql://.
        "JOBS_URL": os.environ.get("CRM_JOBS_URL", f"sqlite:///{os.path.join(instance_path, 'jobs.sqlite3')}"),
        # A running job whose worker has not reported for this long is shown as failed.
        "JOB_STALE_SECONDS": _int("CRM_JOB_STALE_SECONDS", 30),
        # A job's folder (an uploaded registry, its report, an exported list) is deleted this long after it ended.
        "JOB_RETENTION_DAYS": _int("CRM_JOB_RETENTION_DAYS", 7),
        "RUN_SCHEDULER": _bool("CRM_RUN_SCHEDULER", False),
        "SMTP_HOST": os.environ.get("CRM_SMTP_HOST", ""),
        "SMTP_PORT": _int("CRM_SMTP_PORT", 25),
        "SMTP_USER": os.environ.get("CRM_SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("CRM_SMTP_PASSWORD", ""),
        "SMTP_SENDER": os.environ.get("CRM_SMTP_SENDER", "crm@localhost"),
        "SMTP_STARTTLS": _bool("CRM_SMTP_STARTTLS", False),
        "WEBHOOK_URL": os.environ.get("CRM_WEBHOOK_URL", ""),
        # Hosts users' webhooks may post to ("chat.example.com", "*.example.com"); nothing else.
        "WEBHOOK_ALLOWED_HOSTS": _list("CRM_WEBHOOK_ALLOWED_HOSTS"),
        "OUTBOX_MAX_ATTEMPTS": _int("CRM_OUTBOX_MAX_ATTEMPTS", 8),
        # The address people reach the app at, for absolute links in e-mails and chat messages.
        "PUBLIC_URL": os.environ.get("CRM_PUBLIC_URL", ""),
        "DIGEST_HOUR": _int("CRM_DIGEST_HOUR", 8),
        # Public-form submissions (name, credit code, phone, consent) are purged after this many days.
        "INTAKE_RETENTION_DAYS": _int("CRM_INTAKE_RETENTION_DAYS", 180),
        "HOLIDAYS": [d for d in os.environ.get("CRM_HOLIDAYS", "").split(",") if d],
    }


MIN_SECRET_BYTES = 32


def check_production(config: dict) -> None:
    """Refuse to run production with settings that would expose every session or mislead users."""
    if config["ENV_NAME"] != "production":
        return
    secret = str(config["SECRET_KEY"])
    # A guessable secret lets anyone forge a session cookie; few distinct characters betray a made-up one.
    if secret == DEFAULT_SECRET_KEY or len(secret.encode()) < MIN_SECRET_BYTES or len(set(secret)) < 12:
        raise RuntimeError(
            "CRM_ENV=production needs CRM_SECRET_KEY set to at least 32 random bytes, e.g. the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'")
    if not config["PUBLIC_URL"].startswith("https://"):
        raise RuntimeError("CRM_ENV=production needs CRM_PUBLIC_URL, the https:// address people reach the app at "
                           "(the QR posters and reminder links point there)")
