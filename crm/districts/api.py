"""GET /api/v1/campaigns/{id}/districts: coverage of each business district of a drive."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from crm.api.core import api_campaign, array, int_query, nullable, obj, query, route, schema
from crm.campaigns import coverage

DISTRICT = schema("DistrictCoverage", obj({
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "county": obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
    "town": {"type": "string"},
    "households": nullable("integer"),
    "merchants_visited": {"type": "integer"},
    "coverage": nullable("number"),
    "meets_rule": {"type": "boolean"},
    "visits_needed": {"type": "integer"},
}))


@route("/campaigns/<int:campaign_id>/districts", ["GET"],
       summary="Coverage of each business district: merchants visited against the 100-or-20% rule",
       parameters=[query("county", "integer", "county region id")],
       responses={200: obj({"items": array(DISTRICT)}), 404: None, 422: None})
def list_districts(campaign_id: int):
    campaign = api_campaign(campaign_id)
    rows = coverage.district_rows(campaign, current_user, county_id=int_query("county"))
    return jsonify({"items": [{
        "id": r.id, "name": r.name, "county": {"id": r.county_id, "name": r.county}, "town": r.town,
        "households": r.households, "merchants_visited": r.merchants_visited,
        "coverage": float(r.coverage) if r.coverage is not None else None, "meets_rule": r.meets_rule,
        "visits_needed": r.visits_needed,
    } for r in rows]})
