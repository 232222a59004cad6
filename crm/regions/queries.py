"""Region look-ups shared by forms, filters and imports."""
from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from crm.regions.models import Region


def counties() -> list[Region]:
    return list(db.session.scalars(select(Region).where(Region.level == "county").order_by(Region.code, Region.name)))


def place_choices(levels=("town", "district")) -> list[tuple[int, str]]:
    """(id, "县 / 镇 / 商圈") for every region of the given levels, for a select field."""
    regions = db.session.scalars(select(Region).where(Region.level.in_(("county", "town", "district")))).all()
    by_id = {r.id: r for r in regions}

    def path(region: Region) -> str:
        names = []
        while region is not None and region.level != "city":
            names.append(region.name)
            region = by_id.get(region.parent_id)
        return " / ".join(reversed(names))

    return sorted(((r.id, path(r)) for r in regions if r.level in levels), key=lambda item: item[1])
