"""Organizations (the bureau's and the bank's trees) and the users who belong to them."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.timeutil import utcnow

ORG_KINDS = ("bureau", "bank")
ROLES = ("account_manager", "liaison", "branch_head", "lead", "admin")


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    # The region the organization serves: a city bureau its city, a grassroots office its town.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)

    parent: Mapped[Organization | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organization]] = relationship(back_populates="parent", order_by="Organization.name")
    region = relationship("Region")

    def subtree_ids(self) -> list[int]:
        """This organization and every one under it: a query per level, not one per organization (a
        provincial bank has over a hundred branches and outlets)."""
        ids, level = [self.id], [self.id]
        while level:
            level = list(db.session.scalars(select(Organization.id).where(Organization.parent_id.in_(level))))
            ids += level
        return ids

    def __repr__(self) -> str:
        return f"<Organization {self.kind} {self.name}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(120))
    webhook_url: Mapped[str | None] = mapped_column(String(300))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the id kept in every session cookie: raising it ends all of the user's sessions at once.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    last_login_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> list[str]:
        return sorted(r.role for r in self.role_rows)

    @roles.setter
    def roles(self, names) -> None:
        wanted = set(names)
        self.role_rows = [r for r in self.role_rows if r.role in wanted] + [
            UserRole(role=name) for name in sorted(wanted - {r.role for r in self.role_rows})
        ]

    def has_role(self, *names: str) -> bool:
        return any(r.role in names for r in self.role_rows)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session; crm.web's user loader checks the version in it."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def __repr__(self) -> str:
        return f"<User {self.username}>"
