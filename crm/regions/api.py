"""GET /api/v1/regions: the territory tree with administrative codes, for clients that name regions."""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from crm.api.core import array, nullable, obj, route, schema
from crm.extensions import db
from crm.regions.models import Region

REGION_NODE = schema("RegionNode", obj({
    "id": {"type": "integer"},
    "code": nullable("string"),
    "name": {"type": "string"},
    "level": {"type": "string", "enum": ["city", "county", "town", "district"]},
    "children": array({"$ref": "#/components/schemas/RegionNode"}),
}))


def region_tree() -> list[dict]:
    """Every region nested under its parent, read in one query, each level by code (regions without one last), then name."""
    nodes, roots, by_parent = {}, [], {}
    regions = db.session.scalars(select(Region).order_by(Region.code.is_(None), Region.code, Region.name, Region.id))
    for region in regions:
        nodes[region.id] = {"id": region.id, "code": region.code, "name": region.name, "level": region.level,
                            "children": []}
        by_parent.setdefault(region.parent_id, []).append(region.id)
    for parent_id, child_ids in by_parent.items():
        siblings = nodes[parent_id]["children"] if parent_id in nodes else roots
        siblings.extend(nodes[child_id] for child_id in child_ids)
    return roots


@route("/regions", ["GET"], summary="The region tree (city → county → town → district) with administrative codes",
       responses={200: obj({"items": array(REGION_NODE)})})
def list_regions():
    return jsonify({"items": region_tree()})
