"""A drive's rules with the source of each, and its event quotas as data.

Every rule of a drive (a number, threshold, deadline, criterion, quota or product) is either cited
from a document (Campaign.rule_sources[key] = {"doc", "title", "clause", "quote"}), a local setting
({"local": true, "by", "user_id", "on"}: a lead or administrator set it), or, with no entry, the
software's default that no document gives. Keys are dotted paths into the drive's rules:
"district_household_threshold", "tier_caps.survival", "base_conditions.tier_rules.growth.min_revenue",
"plaque_criteria.max_overdue_12m", "targets.customer_growth", "quotas.matchmaking.county.quarter",
"products.极速贷".

A quota is {"event", "count", "cadence", "scope"} (and "weekday", 1 = Monday, when the document names
the day): at least `count` events of that kind per cadence period, counted for each unit of the scope.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from crm.dates import add_months, month_code, quarter_code, quarter_start

CADENCES = ("week", "month", "quarter", "year")
# pair: each liaison pair; county: each county of the territory; level_pair: the province, city and
# each county bureau–bank pair (结对子); drive: the drive as a whole.
SCOPES = ("pair", "county", "level_pair", "drive")
WEEKDAYS = tuple(range(1, 8))
# Rules a lead edits on the drive's settings form, besides the quotas.
EDITED_RULES = ("district_household_threshold", "district_coverage_ratio", "referral_contact_days",
                "follow_up_interval_days", "need_due_days", "visit_distance_m", "focus_trades", "tier_caps")
# 双百工程's district coverage rule (001 四、（一）): a drive has both or neither.
COVERAGE_RULES = ("district_household_threshold", "district_coverage_ratio")
# Rules kept as nested data: each leaf is a rule with its own source.
NESTED_RULES = ("tier_caps", "base_conditions", "plaque_criteria", "targets")


@dataclass(frozen=True)
class Quota:
    event: str
    count: int
    cadence: str
    scope: str
    weekday: int | None = None

    @property
    def key(self) -> str:
        return f"quotas.{self.event}.{self.scope}.{self.cadence}"

    def as_data(self) -> dict:
        data = {"event": self.event, "count": self.count, "cadence": self.cadence, "scope": self.scope}
        return data if self.weekday is None else {**data, "weekday": self.weekday}

    @classmethod
    def from_data(cls, data: dict) -> Quota:
        return cls(data["event"], int(data["count"]), data["cadence"], data["scope"], data.get("weekday"))


def campaign_quotas(campaign) -> list[Quota]:
    return [Quota.from_data(q) for q in campaign.quotas or ()]


def event_quota(campaign, event: str, scope: str | None = None, cadence: str | None = None) -> Quota | None:
    """The drive's quota for this kind of event (and scope, cadence), or None if the drive sets none."""
    return next((q for q in campaign_quotas(campaign) if q.event == event and scope in (None, q.scope)
                 and cadence in (None, q.cadence)), None)


def check_quotas(quotas: list[dict], events) -> None:
    """Raise ValueError (code of the problem) unless each quota is well formed and appears once."""
    seen = set()
    for data in quotas:
        quota = Quota.from_data(data)
        if quota.event not in events or quota.cadence not in CADENCES or quota.scope not in SCOPES:
            raise ValueError("unknown")
        if quota.count < 1 or (quota.weekday is not None and quota.weekday not in WEEKDAYS):
            raise ValueError("count")
        if quota.key in seen:
            raise ValueError("twice")
        seen.add(quota.key)


# ---- periods -----------------------------------------------------------------------------------

def period_start(cadence: str, day: date) -> date:
    if cadence == "week":
        return day - timedelta(days=day.weekday())
    if cadence == "month":
        return day.replace(day=1)
    if cadence == "quarter":
        return quarter_start(day)
    return date(day.year, 1, 1)


def period_end(cadence: str, start: date) -> date:
    if cadence == "week":
        return start + timedelta(days=6)
    return add_months(start, {"month": 1, "quarter": 3, "year": 12}[cadence]) - timedelta(days=1)


def drive_periods(campaign, cadence: str) -> list[tuple[date, date]]:
    """(first, last) day of each period the drive touches, clipped to the drive's dates."""
    periods, cursor = [], period_start(cadence, campaign.starts_on)
    while cursor <= campaign.ends_on:
        end = period_end(cadence, cursor)
        periods.append((max(cursor, campaign.starts_on), min(end, campaign.ends_on)))
        cursor = end + timedelta(days=1)
    return periods


def period_code(cadence: str, start: date) -> str:
    """"2025-06-30" (the Monday of a week), "2025-07", "2025 Q3", "2025"."""
    if cadence == "week":
        return period_start("week", start).isoformat()
    if cadence == "month":
        return month_code(start)
    if cadence == "quarter":
        return quarter_code(start).replace("Q", " Q")
    return str(start.year)


# ---- sources -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleSource:
    kind: str  # document | local | default
    doc: str | None = None  # the seed's number, e.g. "001"
    title: str | None = None  # the document's number and title
    clause: str | None = None
    quote: str | None = None
    by: str | None = None  # who set a local setting
    on: str | None = None  # and when (ISO date)

    @classmethod
    def from_data(cls, data: dict | None) -> RuleSource:
        if not data:
            return cls("default")
        if data.get("local"):
            return cls("local", by=data.get("by"), on=data.get("on"))
        return cls("document", doc=data.get("doc"), title=data.get("title"), clause=data.get("clause"),
                   quote=data.get("quote"))


def rule_source(campaign, key: str) -> RuleSource:
    """Where the drive's rule `key` comes from: a document's clause, a local setting, or the default."""
    return RuleSource.from_data((campaign.rule_sources or {}).get(key))


def local_source(actor, day: date) -> dict:
    return {"local": True, "by": actor.display_name if actor else None, "user_id": actor.id if actor else None,
            "on": day.isoformat()}


def flat_rules(rules: dict) -> dict[str, object]:
    """Dotted key → value of each rule in a dict of rule fields (nested rules leaf by leaf)."""
    flat: dict[str, object] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict) and value:
            for name, inner in value.items():
                walk(f"{prefix}.{name}", inner)
        else:
            flat[prefix] = value

    for name, value in rules.items():
        if name == "quotas":
            flat.update({Quota.from_data(q).key: Quota.from_data(q).as_data() for q in value or ()})
        elif name in NESTED_RULES:
            for inner, leaf in (value or {}).items():
                walk(f"{name}.{inner}", leaf)
        else:
            flat[name] = value
    return flat


def nested_rules(flat: dict[str, object]) -> dict:
    """The drive's rule fields from dotted keys (flat_rules' inverse): nested rules as dicts, quotas as a list;
    keys of other kinds ("products.…") are left out."""
    fields: dict = {name: {} for name in NESTED_RULES} | {"quotas": []}
    for key, value in flat.items():
        root, *path = key.split(".")
        if root == "quotas":
            fields["quotas"].append(value)
        elif root in NESTED_RULES:
            target = fields[root]
            for name in path[:-1]:
                target = target.setdefault(name, {})
            target[path[-1]] = value
        elif root != "products":
            fields[root] = value
    return fields


def sources_after_edit(sources: dict, before: dict, after: dict, actor, day: date, cited: dict | None = None) -> dict:
    """The drive's sources once the rule fields `before` became `after` (see sources_after_change); a rule
    emptied (as a coverage rule cleared) is gone and loses its source."""
    prefixes = tuple(f"{name}." for name in after) + tuple(after)
    new = {key: value for key, value in flat_rules(after).items() if value is not None}
    return sources_after_change(sources, flat_rules(before), new, lambda key: key.startswith(prefixes), actor, day,
                                cited)


def sources_after_change(sources: dict, old: dict, new: dict, touched, actor, day: date,
                         cited: dict | None = None) -> dict:
    """The drive's sources once the flat rules `old` became `new` (`touched(key)` says whether a rule was
    among those given): each changed or new rule is a local setting of the actor's, unless it now equals the
    value its template cites (`cited`: key → Cited), which takes the clause back; a rule gone loses its source."""
    kept = {k: v for k, v in (sources or {}).items() if not touched(k) or k in new}
    for key, value in new.items():
        if key in old and old[key] == value:
            continue
        template = (cited or {}).get(key)
        kept[key] = template.source if template and template.source and template.value == value \
            else local_source(actor, day)
    return kept


def promised_contact_days(campaign) -> int | None:
    """Days within which the public is told it will be contacted: only when the drive itself sets them
    (from a document or as a local setting), never the software's default."""
    if rule_source(campaign, "referral_contact_days").kind == "default":
        return None
    return campaign.referral_contact_days
