"""The circulation notice (通报) of a drive for a period, as the programmes circulate it: the places
ranked, the referral funnel, the quotas each county met or missed, the laggards named, and a short
paragraph of findings written from the figures. crm/reports/export.py lays it out as .xlsx.

Figures come from the rollup (crm/reports/rollup.py), their definitions from figures.py.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import gettext as _

from crm.campaigns.coverage import has_rule
from crm.campaigns.models import Campaign
from crm.dates import quarter_code
from crm.extensions import db
from crm.labels import label
from crm.regions.models import Region
from crm.reports import operations
from crm.reports.figures import RANK_BY, display, percent
from crm.reports.periods import Comparison, Period, comparison
from crm.reports.rollup import Result, compute, compute_views

NOTICE_VIEWS = ("county", "town", "pair")
# Towns named one by one in the findings; the sheet names them all.
NAMED_AT_MOST = 10


@dataclass
class Quota:
    """One county's quotas in the period: held against due, and whether each is met (None: not assessed)."""

    key: int
    name: str
    joint_days_held: int
    joint_days_due: int
    meetings_held: int
    meetings_due: int | None  # one per quarter; a month is not assessed (the quota is quarterly)
    districts_walked: int  # districts with a merchant visited from the drive's start to the period's end
    districts_meeting_rule: int | None  # of those, the ones meeting the coverage rule (None: the drive has none)
    covered: bool  # a visit or a held event in the county in the period (百县覆盖)

    @property
    def joint_days_met(self) -> bool | None:
        return self.joint_days_held >= self.joint_days_due if self.joint_days_due else None

    @property
    def meetings_met(self) -> bool | None:
        return None if self.meetings_due is None else self.meetings_held >= self.meetings_due

    @property
    def coverage_met(self) -> bool | None:
        if self.districts_meeting_rule is None:
            return None
        return self.covered and self.districts_walked > 0 and self.districts_meeting_rule == self.districts_walked

    def missed(self) -> list[str]:
        """The names of the quotas this county missed."""
        return [name for name, met in ((_("joint visit days"), self.joint_days_met),
                                       (_("matchmaking meetings"), self.meetings_met),
                                       (_("coverage"), self.coverage_met)) if met is False]


@dataclass
class Laggard:
    name: str
    level: str  # "county", "town" or "pair"
    reasons: list[str]


@dataclass
class Notice:
    campaign: Campaign
    period: Period
    region: Region
    results: dict[str, Result]  # by NOTICE_VIEWS
    comparison: Comparison | None
    changes: dict  # of the totals, against the comparison period
    rankings: dict[str, list[dict]]  # by view, best first, each row with its rank
    funnel: list[tuple[str, int]]
    county_funnels: list[tuple[str, list[tuple[str, int]]]]
    quotas: list[Quota]
    laggards: list[Laggard]
    findings: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict:
        return self.results["county"].totals


def build(campaign: Campaign, period: Period, region: Region, results: dict[str, Result] | None = None) -> Notice:
    """The notice; `results`, the rollup's NOTICE_VIEWS of the period when the caller has them already."""
    results = results or compute_views(campaign, period, NOTICE_VIEWS, region)
    county = results["county"]
    against = comparison(county.period, campaign)
    previous = compute(campaign, against.period, "county", region, county.geography) if against else None
    rankings = {by: _ranked(results[by].rows) for by in NOTICE_VIEWS}
    counties = [db.session.get(Region, key) for key in county.geography.counties]
    notice = Notice(
        campaign=campaign, period=county.period, region=region, results=results, comparison=against,
        changes=operations.changes(county.totals, previous.totals if previous else None), rankings=rankings,
        funnel=operations.referral_funnel(county, region),
        county_funnels=[(c.name, operations.referral_funnel(county, c)) for c in counties],
        quotas=quotas(county), laggards=[])
    notice.laggards = laggards(notice)
    notice.findings = [line for make in SUMMARY_LINES if (line := make(notice))]
    return notice


def _ranked(rows: list[dict]) -> list[dict]:
    """The places ranked; what lies in none of them (a county's meeting in no town) after, unranked."""
    return [*operations.ranked([row for row in rows if row["key"] is not None], RANK_BY[0]),
            *({**row, "rank": None} for row in rows if row["key"] is None)]


def stage_name(stage: str) -> str:
    return _("Handed over") if stage == "listed" else label("referral_status", stage)


def meetings_due(period: Period) -> int | None:
    """Matchmaking meetings a county owes in the period: one per quarter it covers; a month is not assessed."""
    if period.kind == "month":
        return None
    return len({quarter_code(first) for first, _last in period.months()})


def quotas(result: Result) -> list[Quota]:
    walked: dict[int, list[bool]] = {}
    for district in result.districts:
        if district.merchants_visited:
            walked.setdefault(district.county_id, []).append(district.meets_rule)
    due, ruled = meetings_due(result.period), has_rule(result.campaign)
    return [Quota(row["key"], str(row["name"]), row["joint_visit_days_held"], row["joint_visit_days_due"],
                  row["matchmaking_meetings"], due, len(walked.get(row["key"], [])),
                  sum(walked.get(row["key"], [])) if ruled else None, bool(row["counties_covered"]))
            for row in result.rows if row["key"] is not None]


def laggards(notice: Notice) -> list[Laggard]:
    """Counties that missed a quota, pairs short of their joint visit days, towns with no visit in the period."""
    found = [Laggard(q.name, "county", q.missed()) for q in notice.quotas if q.missed()]
    found += [Laggard(str(row["name"]), "pair", [_("joint visit days")])
              for row in notice.rankings["pair"]
              if row["key"] is not None and row["joint_visit_days_held"] < row["joint_visit_days_due"]]
    found += [Laggard(str(row["name"]), "town", [_("no visit")])
              for row in notice.rankings["town"] if row["key"] is not None and not row["visits"]]
    return found


# ---- findings: one sentence each, from templates with numbers -----------------------------------

def _sentences(*sentences: str) -> str:
    """Sentences run on: after a space in English, straight after 。 in Chinese."""
    return ("" if get_locale().language == "zh" else " ").join(sentences)


def _listed(names: list[str]) -> str:
    return _(", ").join(names[:NAMED_AT_MOST]) + ("…" if len(names) > NAMED_AT_MOST else "")


def _activity(notice: Notice) -> str:
    t, period = notice.totals, notice.period
    line = _("From %(start)s to %(end)s, %(merchants)s merchants were visited (%(visits)s visits).",
             start=period.start.isoformat(), end=period.end.isoformat(),
             merchants=display("merchants_visited", t["merchants_visited"]), visits=display("visits", t["visits"]))
    difference, relative = notice.changes.get("merchants_visited", (None, None))
    if notice.comparison is None or difference is None:
        return line
    values = {"against": notice.comparison.label, "count": display("merchants_visited", abs(difference)),
              "percent": percent(abs(relative)) if relative is not None else "—"}
    if difference > 0:
        return _sentences(line, _("Merchants visited %(against)s: up %(count)s (%(percent)s).", **values))
    if difference < 0:
        return _sentences(line, _("Merchants visited %(against)s: down %(count)s (%(percent)s).", **values))
    return _sentences(line, _("Merchants visited %(against)s: unchanged.", **values))


def _lending(notice: Notice) -> str:
    t = notice.totals
    return _("Amount signed (applied for) %(applied)s, granted %(granted)s, drawn %(drawn)s (10k yuan); grant rate "
             "%(grant)s, drawdown rate %(drawdown)s, utilization rate %(use)s.",
             **{name: display(key, t[key]) for name, key in (
                 ("applied", "applied_amount"), ("granted", "granted_amount"), ("drawn", "drawn_amount"),
                 ("grant", "grant_rate"), ("drawdown", "drawdown_rate"), ("use", "utilization_rate"))})


def _ranking(notice: Notice) -> str | None:
    rows = [row for row in notice.rankings["county"] if row["key"] is not None]
    if len(rows) < 2:
        return None
    first, last = rows[0], rows[-1]
    return _("By merchants visited, %(first)s ranks first (%(first_count)s) and %(last)s last (%(last_count)s) "
             "of %(count)s counties.", first=first["name"], first_count=first["merchants_visited"],
             last=last["name"], last_count=last["merchants_visited"], count=len(rows))


def _quotas(notice: Notice) -> str | None:
    count = len(notice.quotas)
    if not count:
        return None
    parts = []
    for name, met in ((_("joint visit days"), [q.joint_days_met for q in notice.quotas]),
                      (_("matchmaking meetings"), [q.meetings_met for q in notice.quotas]),
                      (_("coverage"), [q.coverage_met for q in notice.quotas])):
        assessed = [m for m in met if m is not None]
        if assessed:
            parts.append(_("%(quota)s %(met)s of %(count)s", quota=name, met=sum(assessed), count=len(assessed)))
    return _("Quotas met by county: %(parts)s.", parts=_("; ").join(parts))


def _funnel(notice: Notice) -> str | None:
    reached = dict(notice.funnel)
    if not reached["listed"]:
        return None
    return _("Of %(listed)s merchants handed over, %(contacted)s were contacted (%(percent)s), %(applied)s applied, "
             "%(granted)s were granted credit and %(drawn)s drew it.",
             listed=reached["listed"], contacted=reached["contacted"],
             percent=percent(reached["contacted"] / reached["listed"]), applied=reached["applied"],
             granted=reached["granted"], drawn=reached["drawn"])


def _laggards(notice: Notice) -> str | None:
    places = [lag for lag in notice.laggards if lag.level != "town"]
    towns = [lag.name for lag in notice.laggards if lag.level == "town"]
    lines = []
    if places:
        named = [_("%(name)s (%(reasons)s)", name=lag.name, reasons=_(", ").join(lag.reasons)) for lag in places]
        lines.append(_("To be urged: %(names)s.", names=_listed(named)))
    if towns:
        lines.append(_("No visit in the period in these towns (%(count)s): %(names)s.", count=len(towns),
                       names=_listed(towns)))
    return _sentences(*lines) or None


# The findings paragraph, one line per function, in this order. Another area's summary line (chain
# grants, plaques …) is one more function here: it takes the Notice and returns a sentence or None.
SUMMARY_LINES: tuple[Callable[[Notice], str | None], ...] = (_activity, _lending, _ranking, _quotas, _funnel,
                                                              _laggards)
