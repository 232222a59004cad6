"""GET /api/v1/campaigns/{id}/districts: coverage of each business district of a drive."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from crm.api.core import api_campaign, array, nullable, obj, route, schema
from crm.api.filters import region_arg, region_parameter
from crm.campaigns import coverage

DISTRICT = schema("DistrictCoverage", obj({
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "county": obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
    "town": {"type": "string"},
    "households": nullable("integer"),
    "merchants_visited": {"type": "integer"},
    "coverage": nullable("number"),
    # Both null when the drive has no coverage rule: the counts stand without a verdict.
    "meets_rule": nullable("boolean"),
    "visits_needed": nullable("integer"),
}))


@route("/campaigns/<int:campaign_id>/districts", ["GET"],
       summary="Coverage of each business district: merchants visited against the drive's coverage rule, if any",
       parameters=[region_parameter("county", "county")],
       responses={200: obj({"items": array(DISTRICT)}), 404: None, 422: None})
def list_districts(campaign_id: int):
    campaign = api_campaign(campaign_id)
    rows = coverage.district_rows(campaign, current_user, county_id=region_arg("county", "county"))
    return jsonify({"items": [{
        "id": r.id, "name": r.name, "county": {"id": r.county_id, "name": r.county}, "town": r.town,
        "households": r.households, "merchants_visited": r.merchants_visited,
        "coverage": float(r.coverage) if r.coverage is not None else None, "meets_rule": r.meets_rule,
        "visits_needed": r.visits_needed,
    } for r in rows]})
