"""Sign-in, signing a user out everywhere, and the user's own API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from crm import audit
from crm.auth.models import ApiToken
from crm.auth.passwords import hash_password, verify_password
from crm.extensions import db
from crm.people.models import User
from crm.timeutil import utcnow

# Verifying against a real hash when the user does not exist keeps the timing the same.
_DUMMY_HASH = hash_password("not-a-real-password-Aa1!")


def sign_in(username: str, password: str) -> User | None:
    """The user whose password this is, or None; an unknown, inactive or wrong one all look alike.

    Repeated failures are throttled in crm.auth.views (per account and address, and per address),
    before this is called, so nothing here tells which usernames exist.
    """
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        audit.record("login_failed", summary=f"unknown user {username[:60]}", object_type="users")
        db.session.commit()
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        audit.record("login_failed", user, summary="wrong password" if user.active else "inactive", actor=user)
        db.session.commit()
        return None
    user.last_login_at = utcnow()
    audit.record("login", user, actor=user)
    db.session.commit()
    return user


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session cookie names the previous version and is refused."""
    user.session_version = (user.session_version or 1) + 1


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token; the plain value is returned once and never stored."""
    plain = "crm_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:64] or "token", token_hash=_digest(plain), prefix=plain[:12])
    db.session.add(token)
    audit.record("create", token, summary=f"API token {token.name}", actor=user)
    return token, plain


def revoke_token(token: ApiToken, actor: User) -> None:
    token.revoked_at = utcnow()
    audit.record("revoke", token, summary=f"API token {token.name}", actor=actor)


def user_for_token(plain: str) -> User | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plain)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = utcnow()
    # Touch last_used_at at most once a minute so that reads don't all become writes.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        db.session.commit()
    return token.user
