"""Organizations and users: creating and changing them under the password policy, with an audit trail.

Each function checks its rules and raises ValueError with a message for the user; nothing is
committed here, so the caller (a view, the CLI, a test) commits or rolls back the whole change.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.auth.operations import end_sessions
from crm.auth.passwords import hash_password, policy_problem
from crm.extensions import db
from crm.people.models import ORG_KINDS, ROLES, Organization, User
from crm.regions.models import Region

AUDITED_FIELDS = ("username", "display_name", "organization_id", "phone", "email", "active", "roles")
ORG_FIELDS = ("name", "kind", "parent_id", "region_id")


# ---- organizations ----------------------------------------------------------------------------

def _check_organization(org: Organization, values: dict) -> None:
    kind = values.get("kind", org.kind)
    if kind not in ORG_KINDS:
        raise ValueError(_("Unknown kind of organization: %(kind)s.", kind=kind))
    parent_id = values.get("parent_id", org.parent_id)
    if parent_id is not None:
        parent = db.session.get(Organization, parent_id)
        if parent is None:
            raise ValueError(_("The parent organization does not exist."))
        if parent.kind != kind:
            raise ValueError(_("A bureau office belongs under the bureau, a bank branch under the bank."))
        if org.id is not None and parent.id in org.subtree_ids():
            raise ValueError(_("An organization cannot be placed under itself or one of its own units."))
    region_id = values.get("region_id", org.region_id)
    if region_id is not None and db.session.get(Region, region_id) is None:
        raise ValueError(_("The region does not exist."))


def create_organization(values: dict, actor=None) -> Organization:
    org = Organization()
    _check_organization(org, values)
    return audit.add(org, values, ORG_FIELDS, summary=values.get("name"), actor=actor)


def update_organization(org: Organization, values: dict, actor=None) -> dict:
    _check_organization(org, values)
    return audit.apply_changes(org, values, ORG_FIELDS, summary=values.get("name", org.name), actor=actor)


# ---- users ------------------------------------------------------------------------------------

def _check_user(user: User, values: dict) -> None:
    unknown = set(values.get("roles", ())) - set(ROLES)
    if unknown:
        raise ValueError(_("Unknown roles: %(roles)s.", roles=", ".join(sorted(unknown))))
    if "organization_id" in values and db.session.get(Organization, values["organization_id"]) is None:
        raise ValueError(_("The organization does not exist."))
    username = values.get("username")
    if username is not None:
        taken = db.session.scalar(select(User.id).where(User.username == username, User.id != (user.id or 0)))
        if taken is not None:
            raise ValueError(_("The username %(username)s is taken.", username=username))


def _checked_hash(password: str, user: User) -> str:
    problem = policy_problem(password, (user.username, user.display_name))
    if problem:
        raise ValueError(problem)
    return hash_password(password)


def create_user(*, username: str, display_name: str, roles, organization_id: int, password: str,
                phone: str | None = None, email: str | None = None, active: bool = True, actor=None) -> User:
    values = {"username": username, "display_name": display_name, "organization_id": organization_id,
              "phone": phone, "email": email, "active": active, "roles": list(roles)}
    user = User(username=username, display_name=display_name)
    _check_user(user, values)
    user.password_hash = _checked_hash(password, user)
    return audit.add(user, values, AUDITED_FIELDS, summary=username, actor=actor)


def update_user(user: User, values: dict, actor=None) -> dict:
    """Change a user; a non-empty "password" in values resets it (recorded, never the password itself)."""
    values = dict(values)
    password = values.pop("password", None)
    _check_user(user, values)
    if actor is not None and actor.id == user.id and values.get("active") is False:
        raise ValueError(_("You cannot deactivate your own account."))
    if password:
        user.password_hash = _checked_hash(password, user)
        audit.record("update", user, summary=f"{user.display_name}: password reset", actor=actor)
    changes = audit.apply_changes(user, values, AUDITED_FIELDS, summary=user.username, actor=actor)
    old_roles, new_roles = changes.get("roles", ((), ()))
    if password or "active" in changes or set(old_roles) - set(new_roles):
        end_sessions(user)  # whoever holds one of the user's sessions keeps no access they lost
    return changes


def deactivate_user(user: User, actor=None) -> dict:
    """Users are never deleted: their visits and decisions must keep a name."""
    return update_user(user, {"active": False}, actor=actor)
