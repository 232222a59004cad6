"""Look-ups of organizations and users for forms and filters."""
from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from crm.people.models import Organization, User, UserRole
from crm.regions.queries import tree_paths


def organization_choices(kind: str | None = None) -> list[tuple[int, str]]:
    """(id, "市局 / 县局 / 所") for every organization (of one kind), sorted by that path."""
    orgs = db.session.scalars(select(Organization)).all()
    paths = tree_paths(orgs)
    return sorted(((o.id, paths[o.id]) for o in orgs if kind in (None, o.kind)), key=lambda item: item[1])


def user_choices(role: str) -> list[tuple[int, str]]:
    """(id, "name (username)") of the active users who hold a role."""
    users = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == role, User.active.is_(True)).order_by(User.display_name)
    )
    return [(u.id, f"{u.display_name} ({u.username})") for u in users]
