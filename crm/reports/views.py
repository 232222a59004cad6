"""Progress pages: the dashboard (reports.dashboard), the circulation notice (.xlsx) and the
printable quarterly report. Views parse, authorize (crm.reports.operations) and render."""
from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm import audit
from crm.campaigns.coverage import has_rule
from crm.campaigns.rulebook import source_text
from crm.campaigns.targets import drive_targets
from crm.extensions import db
from crm.reports import charts, export, operations
from crm.reports import notice as notices
from crm.reports.figures import (
    FIGURES,
    RANK_BY,
    VERDICTS,
    VIEWS,
    change_class,
    display,
    display_change,
    heading,
    table,
)
from crm.reports.periods import PeriodError, parse_period, period_choices
from crm.reports.rollup import compute_views
from crm.web import int_arg

bp = Blueprint("reports", __name__, url_prefix="/reports")


def blueprints():
    return [bp]


@bp.app_template_global()
def figure_value(key: str, value) -> str:
    return display(key, value)


@bp.app_template_global()
def figure_heading(figure) -> str:
    return heading(figure)


def _load(campaigns: list | None = None):
    """The drive, the user's root in it, the period and the drill-down region asked for (`campaigns`:
    the user's reportable drives, when the caller has them)."""
    found = operations.campaign_for(current_user, int_arg("campaign"), campaigns)
    if found is None:
        abort(404)
    campaign, root = found
    try:
        period = parse_period(request.args.get("period"), campaign)
    except PeriodError as err:
        flash(str(err), "error")
        period = parse_period("all", campaign)
    region = operations.region_for(root, int_arg("region"))
    if region is None:
        abort(404)
    return campaign, root, period, region


@bp.get("/")
@login_required
def dashboard():
    campaigns = operations.reportable_campaigns(current_user)
    if int_arg("campaign") is None and not campaigns:
        return render_template("reports/none.html")
    campaign, root, period, region = _load(campaigns)
    view = request.args.get("view") if request.args.get("view") in operations.VIEWS else "places"
    rank = request.args.get("rank") if request.args.get("rank") in RANK_BY else RANK_BY[0]
    board = operations.dashboard(campaign, period, region, view)
    rank_figure = rank if view != "product" else "granted_amount"  # products have only application figures
    ranking = operations.ranked(board.rows, rank_figure)
    columns = [f for f in FIGURES if view != "product" or f.key in operations.PRODUCT_FIGURES]
    *cells, total_cells = table([*ranking, board.result.totals], [f.key for f in columns])
    bars, bars_height = charts.ranking_bars([(str(r["name"]), r[rank_figure] or 0, None) for r in ranking[:15]])
    return render_template(
        "reports/dashboard.html", campaign=campaign, root=root, period=period, region=region, board=board,
        view=view, rank=rank, rank_figure=rank_figure, ranking=list(zip(ranking, cells, strict=True)),
        total_cells=total_cells, columns=columns, bars=bars, bars_height=bars_height,
        trend_visits=charts.columns([(m["month"], m["visits"]) for m in board.trend]),
        trend_granted=charts.columns([(m["month"], m["granted_amount"]) for m in board.trend]),
        funnel=charts.funnel_bars(board.funnel), tiles=_tiles(board), figures=FIGURES, views=VIEWS,
        targets=drive_targets(campaign), source_text=source_text,
        stat_figures=_figures_for(region.level, has_rule(campaign)),
        rank_by=RANK_BY, periods=period_choices(campaign), campaigns=campaigns,
        breadcrumb=[r for r in [*region.ancestors(), region] if operations.is_within(r, root)],
        drillable=view == "places" and region.level in ("city", "county", "town"),
        display_change=display_change, change_class=change_class, shade=charts.shade)


# Figures about places above the one shown say nothing there: a town lies in one county.
ABOVE_LEVEL = {"town": ("counties", "counties_covered"), "district": ("counties", "counties_covered")}


def _figures_for(level: str, coverage_rule: bool) -> list:
    """The figure tiles that fit the level shown (and the drive: no verdict of a coverage rule it lacks)."""
    left_out = (*ABOVE_LEVEL.get(level, ()), *(() if coverage_rule else VERDICTS))
    return [f for f in FIGURES if f.key not in left_out]


def _tiles(board) -> list[dict]:
    """The coverage map: districts by their coverage in a town; elsewhere places by districts meeting the rule
    (none for a drive without a coverage rule)."""
    if board.region.level in ("town", "district"):
        return [{"name": d.name, "key": d.id, "fraction": d.merchants_visited / d.households if d.households else None,
                 "meets": d.meets_rule, "detail": f"{d.merchants_visited}/{d.households or '—'}"}
                for d in board.result.districts]
    if board.view != "places" or not has_rule(board.result.campaign):
        return []
    return [{"name": row["name"], "key": row["key"],
             "fraction": row["districts_meeting_rule"] / row["districts"] if row["districts"] else None,
             "meets": bool(row["districts"]) and row["districts_meeting_rule"] == row["districts"],
             "detail": f"{row['districts_meeting_rule']}/{row['districts']}"}
            for row in board.result.rows if row["key"] is not None]


@bp.get("/notice.xlsx")
@login_required
def notice():
    campaign, _root, period, region = _load()
    stream = export.circulation_notice(campaign, period, region)
    audit.record("export", campaign, summary=_("Circulation notice %(period)s", period=period.code),
                 changes={"period": [None, period.code], "region": [None, region.id]})
    db.session.commit()
    return send_file(stream, as_attachment=True, download_name=export.filename(campaign, period),
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/print")
@login_required
def printable():
    campaign, _root, period, region = _load()
    places = operations.dashboard_view(region, "places")
    results = compute_views(campaign, period, tuple(dict.fromkeys((*notices.NOTICE_VIEWS, places))), region)
    found = notices.build(campaign, period, region, results)
    board = operations.dashboard(campaign, period, region, "places", results[places])
    audit.record("export", campaign, summary=_("Printable report %(period)s", period=period.code),
                 changes={"period": [None, period.code], "region": [None, region.id]})
    db.session.commit()
    return render_template("reports/print.html", campaign=campaign, period=period, region=region, board=board,
                           views=found.rankings, findings=found.findings, view_names=VIEWS, figures=FIGURES,
                           display_change=display_change)
