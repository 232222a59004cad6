"""Sign-in, sign-out, and the user's own account page (password, API tokens, language)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from crm import audit
from crm.auth import operations
from crm.auth.forms import DeliveryForm, LoginForm, PasswordForm, TokenForm
from crm.auth.models import ApiToken
from crm.auth.passwords import hash_password, verify_password
from crm.extensions import db, limiter
from crm.menu import home_endpoint
from crm.timeutil import utcnow

bp = Blueprint("auth", __name__)


def blueprints():
    return [bp]


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: a sign-in link must not bounce a user to another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(home_endpoint(current_user)))


def _sign_in_failed(response) -> bool:
    return response.status_code != 302  # a successful sign-in redirects


def _account_and_address() -> str:
    return f"{(request.form.get('username') or '').strip().lower()}|{request.remote_addr}"


def _throttled(_limit):
    """The sign-in page with one message for any username: it must not tell which ones exist."""
    audit.record("lockout", summary=(request.form.get("username") or "")[:60], object_type="users")
    db.session.commit()
    flash(_("Too many failed sign-ins: please wait a while and try again."), "error")
    return current_app.make_response((render_template("auth/login.html", form=LoginForm()), 429))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], key_func=_account_and_address, methods=["POST"],
               deduct_when=_sign_in_failed, on_breach=_throttled, scope="login-account")
@limiter.limit(lambda: current_app.config["LOGIN_ADDRESS_LIMIT"], methods=["POST"],
               deduct_when=_sign_in_failed, on_breach=_throttled, scope="login-address")
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.sign_in(form.username.data, form.password.data)
        if user is not None:
            session.clear()
            login_user(user)
            session["last_seen"] = utcnow().timestamp()
            return redirect(_safe_next(request.args.get("next")) or url_for(home_endpoint(user)))
        flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    operations.end_sessions(current_user)
    audit.record("logout", current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in ("zh_Hans", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))


@bp.get("/account")
@login_required
def account():
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template(
        "auth/account.html", tokens=tokens, token_form=TokenForm(), password_form=PasswordForm(), new_token=None,
        delivery_form=DeliveryForm(obj=current_user),
    )


@bp.post("/account/tokens")
@login_required
def create_token():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _token, new_token = operations.create_token(current_user, form.name.data)
        db.session.commit()
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template(
        "auth/account.html", tokens=tokens, token_form=TokenForm(formdata=None), password_form=PasswordForm(),
        new_token=new_token, delivery_form=DeliveryForm(obj=current_user),
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if token.revoked_at is None:
        operations.revoke_token(token, current_user)
        db.session.commit()
        flash(_("Token revoked."), "info")
    return redirect(url_for("auth.account"))


@bp.post("/account/password")
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit() and verify_password(current_user.password_hash, form.current.data):
        current_user.password_hash = hash_password(form.new.data)
        operations.end_sessions(current_user)
        audit.record("update", current_user, summary="password changed")
        db.session.commit()
        login_user(current_user._get_current_object())  # this session goes on under the new version; all others end
        flash(_("Password changed."), "info")
        return redirect(url_for("auth.account"))
    if form.is_submitted() and not form.errors:
        flash(_("The current password is wrong."), "error")
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")
    return redirect(url_for("auth.account"))


@bp.post("/account/delivery")
@login_required
def change_delivery():
    form = DeliveryForm()
    if form.validate_on_submit():
        values = {"email": form.email.data or None, "webhook_url": form.webhook_url.data or None}
        audit.apply_changes(current_user, values, tuple(values), summary="reminder delivery")
        db.session.commit()
        flash(_("Reminder delivery saved."), "success")
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")
    return redirect(url_for("auth.account"))
