"""GET /api/v1/campaigns/{id}/rollup: the figures of a drive for a period, by county, town, pair,
trade or tier — the same rollup as the dashboard and the circulation notice."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from crm.api.core import ApiError, array, nullable, obj, query, route, schema
from crm.auth.scoping import visible_campaign
from crm.reports.figures import AMOUNT, API_VIEWS, FIGURES, RATIOS, TERRITORIAL, VERDICTS
from crm.reports.operations import report_root
from crm.reports.periods import PeriodError, parse_period
from crm.reports.rollup import compute


def _figure_schema(figure, in_row: bool) -> dict:
    kind = "number" if figure.kind == AMOUNT or figure.key in RATIOS else "integer"
    empty = figure.key in RATIOS or figure.key in VERDICTS or (in_row and figure.key in TERRITORIAL)
    body = nullable(kind) if empty else {"type": kind}
    return {**body, "description": str(figure.definition)}


TOTALS = schema("RollupFigures", obj({f.key: _figure_schema(f, False) for f in FIGURES}))
ROW = schema("RollupRow", obj({
    "key": {"type": ["integer", "string", "null"],
            "description": "region or pair id, or trade or tier code; null for what lies in none"},
    "name": {"type": "string"},
    **{f.key: _figure_schema(f, True) for f in FIGURES},
}))
ROLLUP = schema("Rollup", obj({
    "campaign_id": {"type": "integer"},
    "as_of": {"type": "string", "format": "date-time",
              "description": "when the figures were read (UTC): they hold every record saved before it"},
    "period": obj({"start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"}}),
    "totals": TOTALS,
    "rows": array(ROW),
}))


@route("/campaigns/<int:campaign_id>/rollup", ["GET"], summary="A drive's figures for a period, by a view",
       parameters=[query("period", description="2025Q3, 2025-07 or all (the default)"),
                   {**query("by", description="county (default), town, pair, trade or tier"),
                    "schema": {"type": "string", "enum": list(API_VIEWS)}}],
       responses={200: ROLLUP, 404: None, 422: None})
def campaign_rollup(campaign_id: int):
    campaign = visible_campaign(campaign_id, current_user)
    root = report_root(current_user, campaign) if campaign is not None else None
    if root is None:
        raise ApiError(404, "not_found", _("No such drive, or not one you may see."))
    by = request.args.get("by", "county")
    if by not in API_VIEWS:
        raise ApiError(422, "invalid", _("Unknown view."),
                       {"by": _("must be one of %(views)s", views=", ".join(API_VIEWS))})
    try:
        period = parse_period(request.args.get("period"), campaign)
    except PeriodError as err:
        raise ApiError(422, "invalid", str(err), {"period": str(err)}) from err
    return jsonify(compute(campaign, period, by, root).as_json())
