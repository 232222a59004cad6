"""Business-district coverage (商圈覆盖): unique merchants visited in a drive ÷ households.

A district meets the rule when it reaches the drive's household threshold (100) OR its ratio
(20%). `district_meets_rule` and `visits_needed` are the one definition used by the pages, the
API and the reports; the queries below feed them.

The rule is 双百工程's (001 四、（一）). A drive without it (the other programmes give none: both
thresholds empty, see `has_rule`) still counts the merchants visited in each district, but gives no
verdict: meets_rule and visits_needed are None.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from crm.auth.scoping import can_lead_campaign, merchant_condition
from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.regions.models import Region
from crm.reports import facts
from crm.visits.models import Visit


@cache  # a province's thousands of districts share a few hundred household counts
def _ratio_target(households: int | None, ratio) -> int | None:
    """Visits that make the ratio: ceil(ratio × households), exactly; None when households are unknown."""
    if not households:
        return None
    return math.ceil(Decimal(str(ratio)) * households)


def district_meets_rule(visited: int, households: int | None, threshold: int, ratio) -> bool:
    """True when visited ≥ threshold or visited ≥ ratio × households (exact decimal arithmetic).

    A district whose households are not known can only meet the rule by the threshold.
    """
    if visited >= threshold:
        return True
    target = _ratio_target(households, ratio)
    return target is not None and visited >= target


def visits_needed(visited: int, households: int | None, threshold: int, ratio) -> int:
    """How many more unique merchants must be visited: the nearer of the two targets."""
    targets = [threshold]
    ratio_target = _ratio_target(households, ratio)
    if ratio_target is not None:
        targets.append(ratio_target)
    return max(0, min(targets) - visited)


def has_rule(campaign: Campaign) -> bool:
    """Whether the drive has a coverage rule at all (the threshold and the ratio are set together)."""
    return campaign.district_household_threshold is not None


def rule_text(campaign: Campaign) -> str:
    """The drive's rule in words, the same on every page: "100 households or 20% of them"."""
    if not has_rule(campaign):
        return _("no coverage rule")
    percent = (Decimal(campaign.district_coverage_ratio) * 100).normalize()
    return _("%(households)s households or %(percent)s%% of them",
             households=campaign.district_household_threshold, percent=f"{percent:f}")


def coverage(visited: int, households: int | None) -> Decimal | None:
    """visited ÷ households as a fraction, None when households are unknown."""
    if not households:
        return None
    return Decimal(visited) / Decimal(households)


@dataclass
class DistrictCoverage:
    """One district's coverage in a drive: for the coverage pages, the API and the reports' map."""

    id: int
    name: str
    county_id: int
    town_id: int
    households: int | None
    merchants_visited: int
    coverage: Decimal | None
    meets_rule: bool | None  # None: the drive has no coverage rule
    visits_needed: int | None
    county: str = ""  # names of the places, for the pages that show them
    town: str = ""
    district_kind: str | None = None

    @classmethod
    def measure(cls, campaign: Campaign, district_id: int, name: str, county_id: int, town_id: int,
                households: int | None, visited: int, **names) -> DistrictCoverage:
        threshold, ratio = campaign.district_household_threshold, campaign.district_coverage_ratio
        ruled = has_rule(campaign)
        return cls(district_id, name, county_id, town_id, households, visited, coverage(visited, households),
                   district_meets_rule(visited, households, threshold, ratio) if ruled else None,
                   visits_needed(visited, households, threshold, ratio) if ruled else None, **names)


def district_rows(campaign: Campaign, user, county_id: int | None = None,
                  district_id: int | None = None) -> list[DistrictCoverage]:
    """Every district of the drive's territory the user may see, with its coverage, by county then name."""
    town, county = aliased(Region), aliased(Region)
    stmt = (
        select(Region, town.id, town.name, county.id, county.name)
        .join(town, Region.parent_id == town.id)
        .join(county, town.parent_id == county.id)
        .where(Region.level == "district", _in_territory(campaign.territory, town, county))
        .order_by(county.code, county.name, Region.name, Region.id)
    )
    if county_id:
        stmt = stmt.where(county.id == county_id)
    if district_id:
        stmt = stmt.where(Region.id == district_id)
    if not can_lead_campaign(campaign, user):
        # Field staff see the districts where they may see merchants.
        stmt = stmt.where(Region.id.in_(select(Merchant.district_id).where(merchant_condition(user))))
    rows = db.session.execute(stmt).all()
    visited = visited_by_district(campaign) if rows else {}
    return [DistrictCoverage.measure(campaign, district.id, district.name, c_id, town_id, district.households,
                                     visited.get(district.id, 0), county=c_name, town=town_name,
                                     district_kind=district.district_kind)
            for district, town_id, town_name, c_id, c_name in rows]


def _in_territory(territory: Region, town, county):
    if territory.level == "city":
        return county.parent_id == territory.id
    if territory.level == "county":
        return county.id == territory.id
    if territory.level == "town":
        return town.id == territory.id
    return Region.id == territory.id


def _visited_in(campaign_id: int):
    """The merchant has a visit in the drive (EXISTS: an index probe per merchant, no DISTINCT over visits)."""
    return exists().where(Visit.merchant_id == Merchant.id, Visit.campaign_id == campaign_id)


def visited_by_district(campaign: Campaign, district_ids: list[int] | None = None) -> dict[int, int]:
    """{district id: unique merchants visited in the drive to date}, from the figures' ledger — the
    count the rollup's "districts meeting the rule" reads."""
    visited = facts.visited_by_district(campaign)
    return visited if district_ids is None else {d: visited[d] for d in district_ids if d in visited}


def _natural_key(text: str | None) -> tuple:
    """府前街2号 before 府前街10号: digits compare as numbers."""
    parts = re.split(r"(\d+)", text or "")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def walk_list(campaign: Campaign, district: Region, user) -> list[Merchant]:
    """Merchants of the district not yet visited in the drive, in address order for a route."""
    merchants = db.session.scalars(
        select(Merchant).where(
            Merchant.district_id == district.id,
            ~_visited_in(campaign.id),
            Merchant.registry_status == "operating",
            merchant_condition(user),
        )
    ).all()
    # Merchants without an address go last: the walker asks for them on the way.
    return sorted(merchants, key=lambda m: (m.address is None, _natural_key(m.address), m.name))
