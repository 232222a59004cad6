"""Creating and changing users, with the password policy and an audit trail."""
from __future__ import annotations

from sqlalchemy import select

from crm import audit
from crm.auth.passwords import hash_password, policy_problem
from crm.extensions import db
from crm.people.models import ROLES, Organization, User

AUDITED_FIELDS = ("username", "display_name", "organization_id", "phone", "email", "active", "roles")


def create_user(*, username: str, display_name: str, roles, organization_id: int, password: str,
                phone: str | None = None, email: str | None = None, actor=None) -> User:
    problem = policy_problem(password)
    if problem:
        raise ValueError(problem)
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    if db.session.get(Organization, organization_id) is None:
        raise ValueError(f"no organization {organization_id}")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValueError(f"username {username} is taken")
    user = User(username=username, display_name=display_name, organization_id=organization_id,
                password_hash=hash_password(password), phone=phone, email=email)
    user.roles = roles
    db.session.add(user)
    audit.record("create", user, summary=username, actor=actor,
                 changes={k: [None, v] for k, v in audit.snapshot(user, AUDITED_FIELDS).items()})
    db.session.commit()
    return user
