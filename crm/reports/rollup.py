"""compute(campaign, period, by): every figure of a drive for a period, by county, town, district, pair,
trade or tier, with the drive's totals. Definitions live in crm/reports/figures.py.

The merchant facts come from the figures' ledger (crm/reports/facts.py), summed by the merchant's
county and the view's key, live; events and pairs are read from their records (they are few). This module
adds the groups up into rows and totals in Python, so a distinct count is never summed twice and
the totals cover the whole drive (or slice) even where a view's rows overlap or leave something out.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from crm.campaigns.coverage import DistrictCoverage, district_meets_rule, has_rule
from crm.campaigns.models import TIERS, TRADES, Campaign
from crm.campaigns.rules import event_quota
from crm.labels import label
from crm.regions.models import Region
from crm.reports import facts as ledger_facts
from crm.reports import queries
from crm.reports.figures import COUNT, FIGURES, TERRITORIAL, derive
from crm.reports.periods import Period, as_period
from crm.timeutil import local_date, utcnow

BYS = ("county", "town", "district", "pair", "trade", "tier")
# The merchant column each view needs besides the county (a pair's merchants are those of its town).
_COLUMN_OF = {"county": None, "town": "town_id", "pair": "town_id", "district": "district_id", "trade": "trade",
              "tier": "tier"}
# Names of a fact's location, as the view builders read them.
_LOC_NAME = {"county_id": "county", "town_id": "town", "district_id": "district", "trade": "trade", "tier": "tier"}
COUNTS = tuple(f.key for f in FIGURES if f.kind == COUNT)
# Facts summed as amounts (floats) rather than counts.
_AMOUNTS = ("applied_amount", "granted_amount", "drawn_amount", "rate_num", "rate_den", "cohort_granted_amount",
            "cohort_drawn_amount")


@dataclass
class Geography:
    """The counties, towns and districts of the slice of the drive's territory being reported."""

    root: Region
    counties: dict[int, str]
    towns: dict[int, tuple[int, str]]  # id → (county id, name)
    districts: dict[int, tuple[int, int, str, int | None]]  # id → (county id, town id, name, households)

    def county_of_region(self, region_id: int | None) -> int | None:
        if region_id in self.counties:
            return region_id
        if region_id in self.towns:
            return self.towns[region_id][0]
        if region_id in self.districts:
            return self.districts[region_id][0]
        return None


@dataclass
class Acc:
    """The sums behind one row's figures."""

    sums: Counter = field(default_factory=Counter)
    covered: set = field(default_factory=set)  # county ids with a visit or held event


@dataclass
class Result:
    campaign: Campaign
    period: Period
    by: str
    geography: Geography
    totals: dict
    rows: list[dict]
    visited: dict[int, int]  # district id → distinct merchants visited from the drive's start to the period's end
    computed_at: datetime  # when the figures were read: they hold every record committed by then

    @property
    def districts(self) -> list[DistrictCoverage]:
        """Each district's coverage, for the coverage map of a town (measured when asked: a province has
        thousands of districts that a page above a town never shows)."""
        return [DistrictCoverage.measure(self.campaign, district_id, name, county, town, households,
                                         self.visited.get(district_id, 0))
                for district_id, (county, town, name, households) in self.geography.districts.items()]

    def as_json(self) -> dict:
        return {"campaign_id": self.campaign.id, "as_of": self.computed_at.isoformat() + "Z",
                "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
                "totals": self.totals, "rows": self.rows}


def compute(campaign: Campaign, period: Period | str, by: str = "county", within: Region | None = None,
            geo: Geography | None = None) -> Result:
    return compute_views(campaign, period, (by,), within, geo)[by]


def compute_views(campaign: Campaign, period: Period | str, bys: tuple[str, ...],
                  within: Region | None = None, geo: Geography | None = None) -> dict[str, Result]:
    """Several views of the same period and slice from one set of queries: {by: Result}; `geo`, the
    slice's geography when the caller has it already (from another period's result)."""
    if set(bys) - set(BYS):
        raise ValueError(f"unknown view among {bys!r}")
    period = as_period(period, campaign)
    as_of = utcnow()
    geo = geo or geography(within or campaign.territory)
    pairs = [p for p in queries.active_pairs(campaign.id) if _pair_in(p, geo)]
    facts = _Facts(campaign, period, geo, pairs)
    builders = [_Builder(by, geo, pairs, has_rule(campaign)) for by in bys]
    names = tuple(sorted({_COLUMN_OF[by] for by in bys} - {None}))
    districts = facts.districts(by_district="district" in bys)
    for loc, values, covered in [*facts.merchants(names), *districts, *facts.events(), *facts.due()]:
        for builder in builders:
            builder.add(loc, values, covered)
    return {b.by: Result(campaign, period, b.by, geo, b.figures(b.total, set(geo.counties), by_row=False),
                         b.rows(), facts.visited, as_of) for b in builders}


def geography(root: Region) -> Geography:
    """The regions under `root` (the drive's territory, or a county, town or district in it)."""
    if root.level == "district":
        town, county = root.parent, root.parent.parent
        return Geography(root, {county.id: county.name}, {town.id: (county.id, town.name)},
                         {root.id: (county.id, town.id, root.name, root.households)})
    if root.level == "town":
        counties = {root.parent_id: root.parent.name}
        towns = {root.id: (root.parent_id, root.name)}
        town_ids = [root.id]
    else:
        county_rows = (queries.regions_below([root.id], "county") if root.level == "city"
                       else [(root.id, root.parent_id, root.name, root.households, root.code)])
        counties = {row[0]: row[2] for row in county_rows}
        # Parents as subqueries: a province has a thousand towns, slow to send as parameters.
        county_ids = queries.child_ids([root.id]) if root.level == "city" else [root.id]
        towns = {row[0]: (row[1], row[2]) for row in queries.regions_below(county_ids, "town")}
        town_ids = queries.child_ids(county_ids)
    districts = {row[0]: (towns[row[1]][0], row[1], row[2], row[3])
                 for row in queries.regions_below(town_ids, "district")}
    return Geography(root, counties, towns, districts)


def _pair_in(pair, geo: Geography) -> bool:
    """A pair serves the slice when it serves a town of it (or one of its counties, as a whole)."""
    if geo.root.level in ("city", "county"):
        return pair.county_id in geo.counties
    return pair.region_id == geo.root.id


class _Facts:
    """Every fact of the period in the slice, each as (location, values, counts toward coverage)."""

    def __init__(self, campaign: Campaign, period: Period, geo: Geography, pairs: list):
        self.campaign, self.period, self.geo, self.pairs = campaign, period, geo, pairs
        self.pairs_by_id = {pair.id: pair for pair in pairs}
        self.visited: dict[int, int] = {}

    def _sums(self, grain: str, group_by: tuple[str, ...], facts: tuple[str, ...] = ledger_facts.ROLLUP_FACTS) -> list:
        return ledger_facts.sums(self.campaign, self.period, self.geo.root, grain, group_by, facts)

    def merchants(self, names: tuple[str, ...]):
        """The merchant facts grouped by county and the views' columns; the small "place" grain
        serves every view but trade and tier."""
        grain = "place" if set(names) <= {"town_id", "district_id"} else "fine"
        width = len(ledger_facts.ROLLUP_FACTS)
        keys = ("county", *(_LOC_NAME[name] for name in names))
        for row in self._sums(grain, ("county_id", *names)):
            values = {name: float(value or 0) if name in _AMOUNTS else int(value or 0)
                      for name, value in zip(ledger_facts.ROLLUP_FACTS, row[:width], strict=True)}
            yield dict(zip(keys, row[width:], strict=True)), values, values["visits"] > 0

    def districts(self, by_district: bool) -> list:
        """The districts' households and verdicts, as facts summed per town unless a view needs them per
        district (thousands of districts, a few hundred towns)."""
        self.visited = {district: int(n) for n, district in self._sums("place", ("district_id",), ("coverage",))}
        campaign = self.campaign
        threshold, ratio = campaign.district_household_threshold, campaign.district_coverage_ratio
        ruled = has_rule(campaign)
        sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
        for district_id, (county, town, _name, households) in self.geo.districts.items():
            acc = sums[(county, town, district_id if by_district else None)]
            acc[0] += households or 0
            acc[1] += 1
            acc[2] += ruled and district_meets_rule(self.visited.get(district_id, 0), households, threshold, ratio)
        return [({"county": county, "town": town, "district": district},
                 {"households": households, "districts": n, "districts_meeting_rule": meeting}, False)
                for (county, town, district), (households, n, meeting) in sums.items()]

    def _event_loc(self, county_id, region_id, pair_id) -> dict | None:
        geo, pair = self.geo, self.pairs_by_id.get(pair_id)
        district = region_id if region_id in geo.districts else None
        town = geo.districts[district][1] if district else (region_id if region_id in geo.towns else None)
        if town is None and pair is not None and pair.region_id in geo.towns:
            town = pair.region_id
        county = county_id or (pair.county_id if pair is not None else None) or geo.county_of_region(town)
        if county not in geo.counties or (geo.root.level == "town" and town != geo.root.id) or (
                geo.root.level == "district" and district != geo.root.id):
            return None
        return {"county": county, "town": town, "district": district, "pair": pair.id if pair else None}

    def events(self):
        for county_id, region_id, pair_id, kind, count in queries.held_events(self.campaign.id, self.period):
            loc = self._event_loc(county_id, region_id, pair_id)
            if loc is not None:
                yield loc, {"joint_visit_days_held": count if kind == "joint_visit_day" else 0,
                            "matchmaking_meetings": count if kind == "matchmaking" else 0}, True

    def due(self):
        months = self.period.months()
        quota = event_quota(self.campaign, "joint_visit_day", "pair", "month")
        per_month = quota.count if quota else 0
        for pair in self.pairs:
            set_up = local_date(pair.created_at)
            due = per_month * sum(1 for _first, last in months if last >= set_up)
            town = pair.region_id if pair.region_id in self.geo.towns else None
            yield ({"county": pair.county_id, "town": town, "district": None, "pair": pair.id},
                   {"joint_visit_days_due": due}, False)


class _Builder:
    """Adds the facts up into one view's rows and the totals."""

    def __init__(self, by: str, geo: Geography, pairs: list, coverage_rule: bool):
        self.by, self.geo, self.pairs, self.coverage_rule = by, geo, pairs, coverage_rule
        self.total = Acc()
        self.accs: dict = defaultdict(Acc)
        self.pairs_by_region: dict[int, list[int]] = defaultdict(list)
        for pair in pairs:
            self.pairs_by_region[pair.region_id].append(pair.id)

    def _keys(self, loc: dict) -> list:
        """The rows of the view a fact located at `loc` counts in (none if the view does not apply)."""
        if self.by == "pair":
            if "pair" in loc:
                return [loc["pair"]] if loc["pair"] is not None else []
            return self.pairs_by_region.get(loc.get("town"), []) + self.pairs_by_region.get(loc["county"], [])
        if self.by in ("trade", "tier") and self.by not in loc:
            return []
        return [loc.get(self.by)]

    def add(self, loc: dict, values: dict, covered: bool) -> None:
        county = loc.get("county") if covered else None
        for acc in [self.total, *(self.accs[key] for key in self._keys(loc))]:
            sums = acc.sums
            for name, value in values.items():
                if value:  # most facts of a row are zero; Counter.update would be slower still
                    sums[name] += value
            if county is not None:
                acc.covered.add(county)

    # -- rows -----------------------------------------------------------------------------------

    def _declared_rows(self) -> list[tuple[object, str, set]]:
        """(key, name, counties) of every row the view always shows, in their natural order."""
        geo, everywhere = self.geo, set(self.geo.counties)
        if self.by == "county":
            return [(k, name, {k}) for k, name in geo.counties.items()]
        if self.by == "town":
            return [(k, name, {county}) for k, (county, name) in geo.towns.items()]
        if self.by == "district":
            return [(k, name, {county}) for k, (county, _town, name, _h) in geo.districts.items()]
        if self.by == "pair":
            return [(p.id, p.name, {p.county_id}) for p in self.pairs]
        codes = TRADES if self.by == "trade" else TIERS
        return [(code, label(self.by, code), everywhere) for code in codes]

    def rows(self) -> list[dict]:
        declared = self._declared_rows()
        known = {key for key, _name, _c in declared}
        extra = [(key, label(self.by, key) if key is not None and self.by in ("trade", "tier") else _("Unassigned"),
                  set(self.geo.counties))
                 for key, acc in self.accs.items() if key not in known and any(acc.sums.values())]
        return [{"key": key, "name": name, **self.figures(self.accs.get(key, Acc()), counties, by_row=True)}
                for key, name, counties in [*declared, *sorted(extra, key=lambda row: str(row[0]))]]

    def figures(self, acc: Acc, counties: set, by_row: bool) -> dict:
        s = acc.sums
        applied = s["applied_amount"]
        values = {
            "households": s["households"], "merchants_visited": s["merchants_visited"], "visits": s["visits"],
            "districts": s["districts"], "districts_meeting_rule": s["districts_meeting_rule"],
            "counties": len(counties), "counties_covered": len(acc.covered & counties),
            "joint_visit_days_held": s["joint_visit_days_held"], "joint_visit_days_due": s["joint_visit_days_due"],
            "matchmaking_meetings": s["matchmaking_meetings"], "referrals": s["referrals"],
            "referrals_overdue": s["referrals_overdue"], "applications": s["applications"],
            "applied_amount": _money(applied), "granted_amount": _money(s["granted_amount"]),
            "drawn_amount": _money(s["drawn_amount"]),
            "grant_rate": _ratio(s["granted_amount"], applied), "drawdown_rate": _ratio(s["drawn_amount"], applied),
            "first_time_borrowers": s["first_time_borrowers"], "merchants_granted": s["merchants_granted"],
            "first_loans": s["first_loans"], "first_loan_share": _ratio(s["first_loans"], s["merchants_granted"]),
            "cohort_granted_amount": _money(s["cohort_granted_amount"]),
            "cohort_drawn_amount": _money(s["cohort_drawn_amount"]),
            "cohort_grant_rate": _ratio(s["cohort_granted_amount"], applied),
            "cohort_drawdown_rate": _ratio(s["cohort_drawn_amount"], applied),
            "avg_granted_rate": _ratio(s["rate_num"], s["rate_den"], places=6),
            "avg_satisfaction": _ratio(s["sat_sum"], s["sat_n"], places=2),
            "needs_open": s["needs_open"], "needs_closed": s["needs_closed"],
        }
        # PostgreSQL sums counts as numeric: counts leave as whole numbers.
        values.update({key: int(values[key]) for key in COUNTS})
        values.update(derive(values))
        if not self.coverage_rule:  # a drive without a coverage rule: districts counted, no verdict
            values["districts_meeting_rule"] = None
        if by_row and self.by in ("trade", "tier"):
            values.update(dict.fromkeys(TERRITORIAL))
        return values


def _money(value) -> float:
    return round(float(value or 0), 2)


def _ratio(numerator, denominator, places: int = 4) -> float | None:
    """numerator ÷ denominator, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return round(float(numerator) / float(denominator), places)
