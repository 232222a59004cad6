"""Who may report on which part of a drive, and the dashboard: figures, changes, charts' data.

Leads of a drive and admins see the whole drive. A branch head or a liaison of an organization
serving a part of the drive's territory sees that part — the figures of their county (or town),
drilled down from there — and nothing above it. Everyone else finds no such drive (404).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.scoping import campaign_condition, is_admin, led_campaign_ids
from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.people.models import User
from crm.referrals.models import STATUSES
from crm.regions.models import Region
from crm.reports import queries
from crm.reports.figures import RATIOS
from crm.reports.periods import Period, previous_period
from crm.reports.rollup import Result, compute_views
from crm.visits.models import Application

# The level whose rows a drill-down shows below each level.
CHILD_LEVEL = {"city": "county", "county": "town", "town": "district", "district": "district"}
VIEWS = ("places", "pair", "trade", "tier", "product")
FUNNEL = ("listed", *STATUSES[1:6])  # listed → contacted → visited → applied → granted → drawn
PRODUCT_FIGURES = ("applications", "applied_amount", "granted_amount", "drawn_amount", "grant_rate",
                   "drawdown_rate", "first_time_borrowers", "avg_granted_rate")


def report_root(user: User, campaign: Campaign) -> Region | None:
    """The region of the drive the user may report on, or None."""
    if is_admin(user) or campaign.id in led_campaign_ids(user):
        return campaign.territory
    if not user.has_role("branch_head", "liaison"):
        return None
    region = user.organization.region
    if region is None or not is_within(region, campaign.territory):
        return None
    return region


def is_within(region: Region, root: Region) -> bool:
    return region.id == root.id or root.id in {r.id for r in region.ancestors()}


def reportable_campaigns(user: User) -> list[Campaign]:
    campaigns = db.session.scalars(
        select(Campaign).where(campaign_condition(user, Campaign.id)).order_by(Campaign.starts_on.desc(), Campaign.id)
    ).all()
    return [c for c in campaigns if report_root(user, c) is not None]


def campaign_for(user: User, campaign_id: int | None) -> tuple[Campaign, Region]:
    """The drive asked for (or the user's newest), with the user's root in it; 404 when none."""
    if campaign_id is None:
        campaigns = reportable_campaigns(user)
        campaign = campaigns[0] if campaigns else None
    else:
        campaign = db.session.scalar(
            select(Campaign).where(Campaign.id == campaign_id, campaign_condition(user, Campaign.id)))
    root = report_root(user, campaign) if campaign is not None else None
    if root is None:
        abort(404)
    return campaign, root


def region_for(root: Region, region_id: int | None) -> Region:
    """The drill-down region: the root itself or a region under it; anything else is a 404."""
    if region_id is None or region_id == root.id:
        return root
    region = db.session.get(Region, region_id)
    if region is None or not is_within(region, root):
        abort(404)
    return region


def changes(current: dict, previous: dict | None) -> dict:
    """{figure: (difference, relative change or None)} against the previous period's figures."""
    if previous is None:
        return {}
    result = {}
    for key, value in current.items():
        before = previous.get(key)
        if value is None or before is None:
            result[key] = (None, None)
            continue
        relative = None if key in RATIOS or not before else (value - before) / before
        result[key] = (value - before, relative)
    return result


# ---- a short-lived cache of computed figures ---------------------------------------------------
# A province-scale rollup reads millions of rows; people reviewing a quarter do not need it
# recomputed on every click. Figures are kept REPORTS_CACHE_SECONDS (default 300; 0 turns the
# cache off, as in tests) and every page says when they were computed; ?fresh=1 recomputes.
_CACHE: dict[tuple, tuple[float, object]] = {}
_CACHE_SIZE = 48  # a province-wide result holds every district's coverage: keep few


def clear_cache() -> None:
    _CACHE.clear()


def cache_seconds() -> int:
    return int(current_app.config["REPORTS_CACHE_SECONDS"])


def _cached(key: tuple, make, fresh: bool = False):
    ttl = cache_seconds()
    if ttl <= 0:
        return make()
    now = time.monotonic()
    hit = _CACHE.get(key)
    if hit is not None and hit[0] > now and not fresh:
        return hit[1]
    value = make()
    if len(_CACHE) >= _CACHE_SIZE:
        for stale in sorted(_CACHE, key=lambda k: _CACHE[k][0])[: _CACHE_SIZE // 4]:
            _CACHE.pop(stale, None)
    _CACHE[key] = (now + ttl, value)
    return value


def _key(kind: str, campaign: Campaign, period: Period, region: Region, extra: str) -> tuple:
    rules = (campaign.district_household_threshold, str(campaign.district_coverage_ratio),
             campaign.joint_visit_days_per_month, campaign.starts_on, campaign.ends_on)
    return (kind, campaign.id, rules, period, region.id, extra)


def cached_compute(campaign: Campaign, period: Period, by: str, region: Region, fresh: bool = False) -> Result:
    return cached_views(campaign, period, (by,), region, fresh)[by]


def cached_views(campaign: Campaign, period: Period, bys: tuple[str, ...], region: Region,
                 fresh: bool = False) -> dict[str, Result]:
    """Several views, the ones not cached computed together from one set of queries."""
    keys = {by: _key("rollup", campaign, period, region, by) for by in bys}
    found = {} if fresh or cache_seconds() <= 0 else {
        by: hit[1] for by, key in keys.items() if (hit := _CACHE.get(key)) is not None and hit[0] > time.monotonic()}
    missing = tuple(by for by in bys if by not in found)
    if missing:
        computed = compute_views(campaign, period, missing, region)
        for by, result in computed.items():
            found[by] = _cached(keys[by], lambda result=result: result, fresh=True)
    return {by: found[by] for by in bys}


@dataclass
class Dashboard:
    result: Result
    previous: Result | None
    changes: dict
    region: Region
    view: str
    trend: list[dict]
    funnel: list[tuple[str, int]]
    visit_kinds: dict[str, int]
    rows: list[dict]


def dashboard(campaign: Campaign, period: Period, region: Region, view: str, fresh: bool = False) -> Dashboard:
    return _cached(_key("dashboard", campaign, period, region, view),
                   lambda: _dashboard(campaign, period, region, view, fresh), fresh)


def _dashboard(campaign: Campaign, period: Period, region: Region, view: str, fresh: bool) -> Dashboard:
    by = CHILD_LEVEL[region.level] if view in ("places", "product") else view
    result = cached_compute(campaign, period, by, region, fresh)
    before = previous_period(period, campaign)
    previous = cached_compute(campaign, before, "county", region, fresh) if before is not None else None
    # The whole drive's trend, funnel and visit kinds need no join to merchants: its records are its own.
    location = None if region.id == campaign.territory_id else result.location
    rows = product_rows(campaign, period, result.location) if view == "product" else result.rows
    return Dashboard(
        result=result, previous=previous,
        changes=changes(result.totals, previous.totals if previous else None),
        region=region, view=view, trend=trend(campaign, period, location),
        funnel=funnel(queries.referral_statuses(campaign.id, period, location)),
        visit_kinds=queries.visits_by_kind(campaign.id, period, location), rows=rows,
    )


def trend(campaign: Campaign, period: Period, location, months: int = 12) -> list[dict]:
    """Visits and amount granted in each month of the drive (the last 12) up to the period's end."""
    drive_to_date = Period("all", campaign.starts_on, period.end).months()[-months:]
    by_month = queries.monthly_trend(campaign.id, drive_to_date, location)
    return [{"month": first.strftime("%Y-%m"), "visits": by_month.get(i, (0, 0))[0],
             "granted_amount": float(by_month.get(i, (0, 0))[1])}
            for i, (first, _last) in enumerate(drive_to_date)]


def funnel(statuses: dict[str, int]) -> list[tuple[str, int]]:
    """How many of the period's referrals reached each stage; a closed one counts as listed only."""
    reached = [0] * len(FUNNEL)
    for status, count in statuses.items():
        stage = STATUSES.index(status) if status in FUNNEL else 0
        for index in range(stage + 1):
            reached[index] += count
    return list(zip(FUNNEL, reached, strict=True))


def product_rows(campaign: Campaign, period: Period, location) -> list[dict]:
    """The application figures by credit product (applications without a product: key None)."""
    sums: dict = {}
    for n, applied, granted, drawn, first, rate_num, rate_den, product_id, _county in queries.application_facts(
            campaign.id, period, location, extra_group=Application.product_id):
        acc = sums.setdefault(product_id, [0] * 7)
        for index, value in enumerate((n, applied, granted, drawn, first, rate_num, rate_den)):
            acc[index] += value or 0
    names = queries.product_names(sums)
    rows = []
    for key, (n, applied, granted, drawn, first, rate_num, rate_den) in sums.items():
        rows.append({"key": key, "name": names.get(key) or _("No product"), "applications": int(n),
                     "applied_amount": float(applied), "granted_amount": float(granted),
                     "drawn_amount": float(drawn), "grant_rate": float(granted) / float(applied) if applied else None,
                     "drawdown_rate": float(drawn) / float(applied) if applied else None,
                     "first_time_borrowers": int(first),
                     "avg_granted_rate": float(rate_num) / float(rate_den) if rate_den else None})
    return sorted(rows, key=lambda row: -row["granted_amount"])


def ranked(rows: list[dict], figure: str, then: str = "granted_amount") -> list[dict]:
    """Rows best first by a figure (None last), ties by a second figure, then by name; each with its rank."""
    ordered = sorted(rows, key=lambda row: (row[figure] is None, -(row[figure] or 0), -(row.get(then) or 0),
                                            str(row["name"])))
    return [{**row, "rank": index} for index, row in enumerate(ordered, start=1)]
