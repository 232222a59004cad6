"""One description per administration screen; crm/admin/views.py serves every screen from it.

A Screen names the model, its form, the columns of its list, what the search looks in, who may
open and change it, which rows each user may see (scoping: anything else is a 404), and the
operations that create, change and delete or deactivate a row (they check the rules and audit).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import abort
from sqlalchemy import Select, func, or_, select, true
from sqlalchemy.sql import ColumnElement

from crm.auth.scoping import get_visible
from crm.extensions import db
from crm.people.models import User


@dataclass(frozen=True)
class Column:
    label: Any                      # a lazy translated string
    value: Callable[[Any], Any]     # the cell: text, or Markup for a tag or a link
    minor: bool = False             # left out of the list on a phone's narrow screen


@dataclass(frozen=True)
class Removal:
    """Deleting or deactivating a row: the button, its question and result, the operation, who and when."""

    label: Any
    confirm: Any
    done: Any
    run: Callable[[Any, User], Any]
    applies: Callable[[Any], bool] = lambda obj: True
    roles: tuple[str, ...] = ("admin",)

    def allowed(self, user: User, obj) -> bool:
        return user.has_role(*self.roles) and self.applies(obj)


@dataclass(frozen=True)
class Screen:
    name: str                                       # /admin/<name>/
    model: type
    title: Any                                      # the list's heading, e.g. "Users"
    new_label: Any                                  # the create button, e.g. "New user"
    hint: Any                                       # one line on the index page
    form: Callable[[User, Any], Any]                # (user, obj or None) → a form with values() and sections
    columns: tuple[Column, ...]                     # the list's columns, shown again on a row's page
    more: tuple[Column, ...]                        # what a row's page shows besides the columns
    search: tuple                                   # model columns the search box looks in
    order_by: tuple
    create: Callable[[dict, User], Any]
    update: Callable[[Any, dict, User], dict]
    display: Callable[[Any], str]
    removal: Removal | None = None
    scope: Callable[[User], ColumnElement] = lambda user: true()
    viewers: tuple[str, ...] = ("admin",)
    editors: tuple[str, ...] = ("admin",)
    creators: tuple[str, ...] = ("admin",)
    options: tuple = field(default_factory=tuple)   # loader options for the list's rows

    @property
    def details(self) -> tuple[Column, ...]:
        return self.columns + self.more

    def may_view(self, user: User) -> bool:
        return user.has_role(*self.viewers)

    def may_edit(self, user: User) -> bool:
        return user.has_role(*self.editors)

    def may_create(self, user: User) -> bool:
        return user.has_role(*self.creators)

    def query(self, user: User, q: str = "") -> Select:
        stmt = select(self.model).where(self.scope(user)).options(*self.options)
        text = q.strip()
        if text:
            stmt = stmt.where(or_(*(column.icontains(text, autoescape=True) for column in self.search)))
        return stmt.order_by(*self.order_by)

    def count(self, user: User) -> int:
        return db.session.scalar(select(func.count()).select_from(self.model).where(self.scope(user))) or 0

    def load(self, user: User, record_id: int):
        """The row if this user may see it, else 404."""
        return get_visible(self.model, record_id, self.scope(user))


def screen_or_404(screens: dict[str, Screen], name: str, user: User) -> Screen:
    screen = screens.get(name)
    if screen is None or not screen.may_view(user):
        abort(404)
    return screen
