"""Coverage pages: every district of the drive with its coverage, and one district's walk list."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from crm.campaigns import coverage
from crm.campaigns.queries import campaign_counties
from crm.extensions import db
from crm.regions.models import Region
from crm.web import int_arg, requested_campaign

bp = Blueprint("districts", __name__, url_prefix="/districts")
MAX_ROWS = 400


def blueprints():
    return [bp]


@bp.get("/")
@login_required
def index():
    campaign = requested_campaign(current_user)
    county_id = int_arg("county")
    only_short = request.args.get("short") == "1"
    rows = coverage.district_rows(campaign, current_user, county_id=county_id)
    ruled = coverage.has_rule(campaign)
    totals = {"districts": len(rows), "meeting": sum(r.meets_rule for r in rows) if ruled else None,
              "visited": sum(r.merchants_visited for r in rows),
              "needed": sum(r.visits_needed for r in rows) if ruled else None}
    only_short = only_short and ruled
    if only_short:
        rows = [r for r in rows if not r.meets_rule]
    # A province has thousands of districts: without a county chosen, show one line per county.
    by_county = county_summary(rows) if county_id is None and len(rows) > MAX_ROWS else None
    return render_template("districts/index.html", campaign=campaign, rows=rows, totals=totals,
                           counties=campaign_counties(campaign), county_id=county_id, only_short=only_short,
                           by_county=by_county, ruled=ruled)


def county_summary(rows: list[coverage.DistrictCoverage]) -> list[dict]:
    summary: dict[int, dict] = {}
    for r in rows:
        line = summary.setdefault(r.county_id, {"id": r.county_id, "name": r.county, "districts": 0, "meeting": 0,
                                                "visited": 0, "needed": 0})
        line["districts"] += 1
        line["meeting"] += bool(r.meets_rule)
        line["visited"] += r.merchants_visited
        line["needed"] += r.visits_needed or 0
    return list(summary.values())


@bp.get("/<int:district_id>")
@login_required
def detail(district_id: int):
    campaign = requested_campaign(current_user)
    rows = coverage.district_rows(campaign, current_user, district_id=district_id)
    district = db.session.get(Region, district_id)
    if not rows or district is None:
        abort(404)
    return render_template("districts/detail.html", campaign=campaign, row=rows[0], district=district,
                           walk=coverage.walk_list(campaign, district, current_user))
