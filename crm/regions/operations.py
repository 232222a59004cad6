"""Changing the territory tree: each level sits under the one above it, and only districts count households.

Functions raise ValueError with a message for the user and leave committing to the caller.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.extensions import db
from crm.regions.models import DISTRICT_KINDS, LEVELS, Region

AUDITED_FIELDS = ("name", "level", "parent_id", "code", "district_kind", "households", "address")


def _check(region: Region, values: dict) -> dict:
    """The values to store, completed and checked against the tree's rules."""
    merged = {**{k: getattr(region, k) for k in AUDITED_FIELDS}, **values}
    level = merged["level"]
    if level not in LEVELS:
        raise ValueError(_("Unknown level: %(level)s.", level=level))
    parent = db.session.get(Region, merged["parent_id"]) if merged["parent_id"] is not None else None
    if level == "city":
        if parent is not None:
            raise ValueError(_("A city is the top of the tree and has no parent."))
    else:
        expected = LEVELS[LEVELS.index(level) - 1]
        if parent is None or parent.level != expected:
            raise ValueError(_("This region must be placed under a region of level: %(level)s.",
                               level=expected))
    if region.id is not None and level != region.level and region.children:
        raise ValueError(_("A region with sub-regions cannot change its level."))
    if level == "district":
        if merged["district_kind"] not in DISTRICT_KINDS:
            raise ValueError(_("Say whether the district is a business district, a market or a village."))
        if merged["households"] is None or merged["households"] < 0:
            raise ValueError(_("A district needs its number of households."))
    else:
        values = {**values, "district_kind": None, "households": None}
    code = merged["code"] or None
    if code and db.session.scalar(select(Region.id).where(Region.code == code, Region.id != (region.id or 0))):
        raise ValueError(_("The code %(code)s is used by another region.", code=code))
    return {**values, "code": code} if "code" in values else values


def create_region(values: dict, actor=None) -> Region:
    region = Region()
    return audit.add(region, _check(region, values), AUDITED_FIELDS, summary=values.get("name"), actor=actor)


def update_region(region: Region, values: dict, actor=None) -> dict:
    checked = _check(region, values)
    return audit.apply_changes(region, checked, AUDITED_FIELDS, summary=checked.get("name", region.name),
                               actor=actor)
