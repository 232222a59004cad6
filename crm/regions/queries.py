"""Region look-ups shared by forms, filters and imports."""
from __future__ import annotations

from operator import attrgetter

from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from crm.extensions import db
from crm.regions.models import LEVELS, Region


def counties() -> list[Region]:
    return list(db.session.scalars(select(Region).where(Region.level == "county").order_by(Region.code, Region.name)))


def regions_and_below(region_ids) -> list[int]:
    """The regions and every region under them (four levels at most: one query per level)."""
    found, level = set(), set(region_ids)
    while level:
        found |= level
        level = set(db.session.scalars(select(Region.id).where(Region.parent_id.in_(level)))) - found
    return list(found)


def tree_paths(nodes) -> dict[int, str]:
    """{id: "top / … / name"} for rows of a tree (anything with id, parent_id, name), from the given rows up."""
    by_id = {n.id: n for n in nodes}

    def path(node) -> str:
        names = []
        while node is not None:
            names.append(node.name)
            node = by_id.get(node.parent_id)
        return " / ".join(reversed(names))

    return {n.id: path(n) for n in nodes}


def region_choices(levels, from_level: str = "county") -> list[SelectChoice]:
    """Every region of the given levels by id, labelled "县 / 镇 / 商圈" from `from_level` down."""
    regions = db.session.scalars(select(Region).where(Region.level.in_(LEVELS[LEVELS.index(from_level):]))).all()
    paths = tree_paths(regions)
    return sorted((SelectChoice(r.id, paths[r.id]) for r in regions if r.level in levels), key=attrgetter("label"))


def place_choices(levels=("town", "district")) -> list[SelectChoice]:
    """Where a merchant can be: towns and districts, named from the county down."""
    return region_choices(levels)


def places_by_county(levels=("town", "district")) -> list[SelectChoice]:
    """place_choices() with each place's county as data-parent, for a county picker that narrows them
    (data-narrows, static/js/page.js)."""
    by_id = {r.id: r for r in db.session.scalars(select(Region).where(Region.level.in_(("county",) + tuple(levels))))}

    def county_id(region: Region | None) -> int | None:
        while region is not None and region.level != "county":
            region = by_id.get(region.parent_id)
        return region.id if region is not None else None

    return [SelectChoice(place.value, place.label, render_kw={"data-parent": county_id(by_id.get(place.value))})
            for place in place_choices(levels)]


def places_in(area: set[int] | None, levels=("town", "district")) -> list[SelectChoice]:
    """places_by_county() of the area only (None: everywhere)."""
    return [place for place in places_by_county(levels) if area is None or place.value in area]


def counties_of(places: list[SelectChoice]) -> list[Region]:
    """The counties the places are in, for the county picker that narrows them."""
    ids = {place.render_kw["data-parent"] for place in places}
    return [county for county in counties() if county.id in ids]
