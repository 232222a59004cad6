"""Who may report on which part of a drive, and the dashboard: figures, changes, charts' data.

Leads of a drive and admins see the whole drive. A branch head or a liaison of an organization
serving a part of the drive's territory sees that part — the figures of their county (or town),
drilled down from there — and nothing above it. Everyone else finds no such drive (404).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from crm.auth.scoping import can_lead_campaign, visible_campaign
from crm.campaigns.models import Campaign
from crm.campaigns.queries import visible_campaigns
from crm.extensions import db
from crm.people.models import User
from crm.referrals.models import STATUSES
from crm.regions.models import Region
from crm.reports import facts, queries
from crm.reports.figures import RATIOS, derive
from crm.reports.periods import Comparison, Period, comparison
from crm.reports.rollup import Result, compute

# The level whose rows a drill-down shows below each level.
CHILD_LEVEL = {"city": "county", "county": "town", "town": "district", "district": "district"}
VIEWS = ("places", "pair", "trade", "tier", "product")
FUNNEL = ("listed", *STATUSES[1:6])  # listed → contacted → visited → applied → granted → drawn
# The columns of the dashboard's table by product: products have only application figures.
PRODUCT_FIGURES = ("applications", "applied_amount", "granted_amount", "drawn_amount", "grant_rate", "drawdown_rate",
                   "first_time_borrowers", "avg_granted_rate")


def report_root(user: User, campaign: Campaign) -> Region | None:
    """The region of the drive the user may report on, or None."""
    if can_lead_campaign(campaign, user):
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
    return [c for c in visible_campaigns(user) if report_root(user, c) is not None]


def campaign_for(user: User, campaign_id: int | None, campaigns: list[Campaign] | None = None
                 ) -> tuple[Campaign, Region] | None:
    """The drive asked for (or the user's newest of `campaigns`, their reportable drives when the caller
    has them already), with the user's root in it; None when none (a 404)."""
    if campaign_id is None:
        campaigns = reportable_campaigns(user) if campaigns is None else campaigns
        campaign = campaigns[0] if campaigns else None
    else:
        campaign = visible_campaign(campaign_id, user)
    root = report_root(user, campaign) if campaign is not None else None
    return None if root is None else (campaign, root)


def region_for(root: Region, region_id: int | None) -> Region | None:
    """The drill-down region: the root itself or a region under it; anything else is None (a 404)."""
    if region_id is None or region_id == root.id:
        return root
    region = db.session.get(Region, region_id)
    if region is None or not is_within(region, root):
        return None
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


@dataclass
class Dashboard:
    result: Result
    comparison: Comparison | None  # what the changes are measured against, labelled
    previous: Result | None  # the figures of that comparison period
    changes: dict
    region: Region
    view: str
    trend: list[dict]
    funnel: list[tuple[str, int]]
    visit_kinds: dict[str, int]
    rows: list[dict]


def dashboard_view(region: Region, view: str) -> str:
    """The rollup view a dashboard view shows: the places below the region for "places" and "product"."""
    return CHILD_LEVEL[region.level] if view in ("places", "product") else view


def dashboard(campaign: Campaign, period: Period, region: Region, view: str, result: Result | None = None) -> Dashboard:
    """The dashboard's figures; `result`, its rollup view when the caller has computed it already."""
    result = result or compute(campaign, period, dashboard_view(region, view), region)
    against = comparison(result.period, campaign)
    previous = compute(campaign, against.period, "county", region, result.geography) if against else None
    period = result.period
    rows = product_rows(campaign, period, region) if view == "product" else result.rows
    return Dashboard(
        result=result, comparison=against, previous=previous,
        changes=changes(result.totals, previous.totals if previous else None),
        region=region, view=view, trend=trend(campaign, result.period, region),
        funnel=referral_funnel(result, region),
        visit_kinds=facts.counts_by_key(campaign, period, region, "kind", "visits"), rows=rows,
    )


def trend(campaign: Campaign, period: Period, region: Region, months: int = 12) -> list[dict]:
    """Visits and amount granted in each month of the drive (the last 12) up to the period's end."""
    first, _last = Period("all", campaign.starts_on, period.end).months()[-months:][0]
    by_month = facts.monthly(campaign, Period("all", first, period.end), region)
    return [{"month": code, "visits": visits, "granted_amount": granted} for code, (visits, granted) in by_month.items()]


def referral_funnel(result: Result, region: Region) -> list[tuple[str, int]]:
    """Handed over → contacted → visited → applied → granted → drawn: the result's period's referrals in a region."""
    return funnel(facts.counts_by_key(result.campaign, result.period, region, "status", "referrals"))


def funnel(statuses: dict[str, int]) -> list[tuple[str, int]]:
    """How many of the period's referrals reached each stage; a closed one counts as listed only."""
    reached = [0] * len(FUNNEL)
    for status, count in statuses.items():
        stage = STATUSES.index(status) if status in FUNNEL else 0
        for index in range(stage + 1):
            reached[index] += count
    return list(zip(FUNNEL, reached, strict=True))


def product_rows(campaign: Campaign, period: Period, region: Region) -> list[dict]:
    """The application figures by credit product (applications without a product: key None), read from
    the same ledger and definitions as every other view."""
    found = facts.sums(campaign, period, region, "product", ("key",), facts.APPLICATION_FACTS)
    names = queries.product_names(int(row[-1]) for row in found if row[-1] is not None)
    rows = []
    for n, applied, granted, drawn, first, rate_num, rate_den, key in found:
        product_id = int(key) if key is not None else None
        applied, granted, drawn = float(applied), float(granted), float(drawn)
        rows.append({"key": product_id, "name": names.get(product_id) or _("No product"), "applications": int(n),
                     "applied_amount": applied, "granted_amount": granted, "drawn_amount": drawn,
                     "grant_rate": granted / applied if applied else None,
                     "drawdown_rate": drawn / applied if applied else None,
                     "first_time_borrowers": int(first),
                     "avg_granted_rate": float(rate_num) / float(rate_den) if rate_den else None})
        rows[-1].update(derive(rows[-1]))
    return sorted(rows, key=lambda row: -row["granted_amount"])


def ranked(rows: list[dict], figure: str, then: str = "granted_amount") -> list[dict]:
    """Rows best first by a figure (None last), ties by a second figure, then by name; each with its rank."""
    ordered = sorted(rows, key=lambda row: (row[figure] is None, -(row[figure] or 0), -(row.get(then) or 0),
                                            str(row["name"])))
    return [{**row, "rank": index} for index, row in enumerate(ordered, start=1)]
