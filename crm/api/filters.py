"""Query-string filters every list reads the same way: a region named by id, code or name.

A region parameter (`county`, `town`, `region`) accepts the region's id, its administrative code
(区划代码, e.g. 140428) or its exact name (长子县). A code wins over an id when both would match,
since codes are what other systems hold; a name shared by two regions is refused, not guessed.
"""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select

from crm.api.core import ApiError, query
from crm.extensions import db
from crm.regions.models import Region
from crm.web import MAX_ID


def region_parameter(name: str, level: str | None = None) -> dict:
    """The OpenAPI description of a region filter."""
    what = f"{level} region" if level else "region (any level)"
    return query(name, description=f"{what}: its id, administrative code (区划代码) or exact name")


def region_arg(name: str, level: str | None = None) -> int | None:
    """The id of the region the query parameter names, None when absent; 422 when it names none or several."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    matches = _regions_named(value, level)
    if len(matches) != 1:
        message = (_("Several regions have this name; use the code or the id.") if matches
                   else _("No such region: give its id, code or exact name."))
        raise ApiError(422, "invalid", message, {name: message})
    return matches[0].id


def _regions_named(value: str, level: str | None) -> list[Region]:
    levels = (Region.level == level,) if level else ()
    if value.isascii() and value.isdigit():
        by_code = db.session.scalars(select(Region).where(Region.code == value, *levels)).all()
        if by_code or int(value) > MAX_ID:  # beyond any id a digit string can only be a code
            return list(by_code)
        return list(db.session.scalars(select(Region).where(Region.id == int(value), *levels)))
    return list(db.session.scalars(select(Region).where(Region.name == value, *levels)))
