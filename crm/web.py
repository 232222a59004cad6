"""What every page shares: the signed-in user, idle time-out, filters, menu, errors, headers, gzip."""
from __future__ import annotations

import gzip
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from flask import (
    Flask,
    Request,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.routing import IntegerConverter

from crm.campaigns.models import Campaign
from crm.campaigns.queries import chosen_campaign
from crm.extensions import db, login_manager
from crm.formatting import FILTERS
from crm.people.models import User
from crm.timeutil import utcnow

API_PREFIX = "/api/v1"
# Only the app's own files run: no inline script or handler, no other origin. Images may be data:/blob:
# URLs (photo previews, offline drafts); the service worker and its fetches are same-origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
COMPRESSIBLE = ("text/html", "text/css", "application/javascript", "text/javascript", "application/json",
                "image/svg+xml")
MIN_COMPRESS_BYTES = 600
YEAR = 365 * 24 * 3600
# Ids are PostgreSQL integers; a larger number names nothing and must not reach the database.
MAX_ID = 2**31 - 1


def _digits_up_to(limit: int) -> str:
    """A regular expression for the whole numbers from 0 to limit, e.g. 0–2147483647."""
    digits = str(limit)
    options = [rf"\d{{1,{len(digits) - 1}}}"]
    for i, digit in enumerate(digits):
        rest = len(digits) - i - 1
        if i == rest == 0 or digit != "0":
            top = digit if rest == 0 else str(int(digit) - 1)
            options.append(digits[:i] + f"[0-{top}]" + (rf"\d{{{rest}}}" if rest else ""))
    return "(?:" + "|".join(options) + ")"


class IdConverter(IntegerConverter):
    """`<int:…>` in every URL rule: a number larger than any id does not match the rule (404).

    The bound is in the pattern, not only in the conversion: werkzeug answers 405 rather than 404
    when a number is refused after another method's rule matched the same path."""

    regex = _digits_up_to(MAX_ID)

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def int_arg(name: str) -> int | None:
    """A whole-number query argument, or None when absent or not a number; 404 beyond any id."""
    value = request.args.get(name, "")
    if not value.isdigit():
        return None
    if int(value) > MAX_ID:
        abort(404)
    return int(value)


def list_page(stmt):
    """The page of a list page's query named by ?page= (bounded like every id; beyond the last is empty)."""
    return db.paginate(stmt, page=int_arg("page"), per_page=current_app.config["PAGE_SIZE"], error_out=False)


def _text_inputs():
    """Every piece of text the request carries: path, query, form fields and JSON strings."""
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            yield key
            yield value
    if request.is_json:
        yield from _json_strings(request.get_json(silent=True))


def _json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _refuse_nul_bytes():
    """No text field may hold a NUL character: PostgreSQL cannot store one, and no person types it."""
    if any(text and "\x00" in text for text in _text_inputs()):
        message = _("The request contains a NUL character, which no field may hold.")
        if is_api_request():
            from crm.api.core import error_response

            return error_response(422, "invalid", message)
        abort(422, message)
    return None


@login_manager.user_loader
def _load_user(session_id: str):
    """The user of a session cookie, unless the user has since signed out everywhere or was deactivated."""
    user_id, _sep, version = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active or version != str(user.session_version):
        return None
    return user


@login_manager.request_loader
def _load_user_from_token(req):
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        from crm.auth.operations import user_for_token

        user = user_for_token(header[7:].strip())
        if user is not None:
            g.token_auth = True
        return user
    return None


DEVELOPMENT_URL = "http://127.0.0.1:5000"  # where `crm demo --serve` listens; production must set CRM_PUBLIC_URL


@contextmanager
def saved_upload(upload) -> Iterator[str]:
    """The path of an uploaded file saved under the upload folder (with its extension) while the block runs."""
    folder = os.path.join(current_app.config["UPLOAD_FOLDER"], "tmp")
    os.makedirs(folder, exist_ok=True)
    suffix = "." + upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    with tempfile.NamedTemporaryFile(suffix=suffix, dir=folder) as handle:
        upload.save(handle.name)
        yield handle.name


def public_url(endpoint: str, **values) -> str:
    """An absolute link to hand out (a QR poster): CRM_PUBLIC_URL, never the Host the request claims."""
    base = current_app.config["PUBLIC_URL"].rstrip("/") or DEVELOPMENT_URL
    return base + url_for(endpoint, **values)


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def requested_campaign(user) -> Campaign:
    """The drive named by ?campaign= (404 if not visible), else the latest visible one (404 if none)."""
    campaign = chosen_campaign(user, int_arg("campaign"))
    if campaign is None:
        abort(404)
    return campaign


def photo_response(path: str):
    """A stored photo: revalidated by its date, kept a day in the browser's own cache only (photos are
    scoped to who may see them, so no shared cache may keep one)."""
    response = send_file(path, mimetype="image/jpeg", conditional=True, max_age=86400)
    response.cache_control.private = True
    response.cache_control.public = False
    return response


def _enforce_idle_timeout():
    """Sign out a browser session that has been idle longer than the configured time."""
    if not current_user.is_authenticated or g.get("token_auth"):
        return None
    now = utcnow().timestamp()
    last = session.get("last_seen")
    if last and now - last > g.idle_seconds:
        logout_user()
        session.clear()
        if is_api_request():
            return None
        flash(_("You were signed out after a period of inactivity."), "info")
        return redirect(url_for("auth.login", next=request.full_path))
    # Refresh the stamp at most once a minute: rewriting the cookie on every request lets two
    # requests in flight (a page and its service worker) undo each other's session changes.
    if not last or now - last > 60:
        session["last_seen"] = now
    return None


def takes_registry_file(view):
    """Mark a view that receives a whole registry file: its requests may be up to CRM_MAX_REGISTRY_MB."""
    view.takes_registry_file = True
    return view


class AppRequest(Request):
    """Requests are limited to CRM_MAX_UPLOAD_MB, those of views marked takes_registry_file to more (the
    limit is read when the body is first parsed, by the CSRF check before any view runs)."""

    @property
    def max_content_length(self) -> int | None:
        view = current_app.view_functions.get(self.endpoint)
        if getattr(view, "takes_registry_file", False):
            return current_app.config["MAX_REGISTRY_LENGTH"]
        return current_app.config["MAX_CONTENT_LENGTH"]


def register_web(app: Flask) -> None:
    from crm import labels
    from crm.audit.readable import readable_changes, readable_summary
    from crm.campaigns import coverage
    from crm.menu import menu_for

    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.unauthorized_handler
    def _unauthorized():
        if is_api_request():
            from crm.api.core import error_response

            return error_response(401, "unauthorized", _("Sign in or send a valid bearer token."))
        return redirect(url_for("auth.login", next=request.full_path))

    app.request_class = AppRequest
    app.before_request(_refuse_nul_bytes)

    @app.before_request
    def _before():
        g.idle_seconds = app.config["IDLE_TIMEOUT"].total_seconds()
        # Who acts and from where, for the audit trail (rules never read the request themselves).
        g.acting_user = current_user
        g.client_address = request.remote_addr
        return _enforce_idle_timeout()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if app.config["ENV_NAME"] == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    app.after_request(_cache_and_compress)
    app.jinja_env.filters.update(FILTERS)
    from flask_babel import get_locale

    app.jinja_env.globals.update(label=labels.label, labels=labels.choices, get_locale=get_locale,
                                coverage_rule=coverage.rule_text, has_coverage_rule=coverage.has_rule,
                                readable_changes=readable_changes,
                                readable_summary=readable_summary)

    @app.context_processor
    def _menu():
        if not current_user.is_authenticated:
            return {"menu": []}
        inbox = url_for("reminders.inbox") if "reminders.inbox" in app.view_functions else None
        return {"menu": menu_for(current_user), "unread_count": _unread_count(), "inbox_url": inbox}

    for code in (400, 403, 404, 405, 413, 422, 429, 500):
        app.register_error_handler(code, _error_page)

    @app.get("/healthz")
    def healthz():
        from sqlalchemy import text

        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means unhealthy
            return {"status": "error", "database": "unreachable"}, 503
        return {"status": "ok", "database": "ok"}


def _cache_and_compress(response):
    """Versioned static files cached for a year; text gzipped: a village with one bar of signal pays
    for every byte."""
    if request.path.startswith("/static/") and request.args.get("v") and response.status_code in (200, 304):
        # A versioned URL never changes content: the phone keeps it for a year.
        response.cache_control.max_age = YEAR
        response.cache_control.public = True
        response.cache_control.immutable = True
    return _gzip(response)


def _gzip(response):
    if (response.status_code != 200 or "gzip" not in request.accept_encodings
            or response.headers.get("Content-Encoding") or response.mimetype not in COMPRESSIBLE
            or response.is_streamed and not response.direct_passthrough):
        return response
    response.direct_passthrough = False  # static files: read the file so it can be compressed
    data = response.get_data()
    if len(data) < MIN_COMPRESS_BYTES:
        return response
    response.set_data(gzip.compress(data, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def _unread_count() -> int:
    from sqlalchemy import func, select

    from crm.reminders.models import Reminder

    return db.session.scalar(
        select(func.count(Reminder.id)).where(Reminder.recipient_id == current_user.id, Reminder.read_at.is_(None))
    ) or 0


def _error_page(error):
    if getattr(error, "response", None) is not None:  # e.g. a rate limit that answers with its own page
        return error.response
    code = getattr(error, "code", 500) or 500
    message = _error_message(error, code)
    if is_api_request():
        from crm.api.core import error_response

        return error_response(code, _http_code_name(code), message)
    if code == 500:
        db.session.rollback()
    return render_template("error.html", code=code, message=message), code


def _error_message(error, code: int) -> str:
    """What went wrong in the user's language: the view's own words, else a sentence per status."""
    described = getattr(error, "description", None)
    if described and described != getattr(type(error), "description", None):
        return str(described)
    return {
        400: _("The request could not be understood. If you were filling in a form, reload the page and try again."),
        403: _("You may not do this."), 404: _("Nothing here, or nothing you may see."),
        405: _("This address does not accept this kind of request."), 413: _("The file is too large."),
        422: _("Some fields are not valid."), 429: _("Too many requests; please wait a moment."),
    }.get(code, _("Something went wrong on our side. Please try again."))


def _http_code_name(code: int) -> str:
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
            409: "conflict", 413: "too_large", 422: "invalid", 429: "too_many_requests"}.get(code, "server_error")
