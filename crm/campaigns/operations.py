"""Setting up a drive: its partners, territory, dates and rules, its leads and its liaison pairs.

Functions raise ValueError with a message for the user and leave committing to the caller.
"""
from __future__ import annotations

import secrets
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm import audit
from crm.campaigns.models import TIERS, TRADES, Campaign, LiaisonPair
from crm.campaigns.rules import COVERAGE_RULES, EDITED_RULES, check_quotas, sources_after_edit
from crm.campaigns.templates import TEMPLATES, template_flat
from crm.campaigns.templates import template_rules as cited_rules
from crm.events.models import EVENT_KINDS
from crm.extensions import db
from crm.people.models import Organization, User
from crm.regions.models import Region
from crm.timeutil import local_today

# The rules as data: what a lead may tune during the drive.
RULE_FIELDS = (*EDITED_RULES, "quotas")
CAMPAIGN_FIELDS = ("name", "template", "bureau_org_id", "bank_org_id", "territory_id", "starts_on", "ends_on",
                   *RULE_FIELDS, "lead_ids")
# Keys of tier_caps: the three tiers, and 名特优新 merchants, who may get a higher cap.
CAP_KEYS = (*TIERS, "distinguished")
PAIR_FIELDS = ("campaign_id", "region_id", "county_id", "liaison_id", "account_manager_id", "name", "active")
COUNT_RULES = tuple(f for f in EDITED_RULES if f not in ("district_coverage_ratio", "focus_trades", "tier_caps"))
QUOTA_PROBLEMS = {
    "unknown": _l("Each quota needs a kind of event, a cadence and a scope."),
    "count": _l("Each quota needs at least one event per period (and a weekday from Monday to Sunday)."),
    "twice": _l("Each kind of event can have one quota per scope and cadence."),
}
# Periods in days: a period of zero days would make everything overdue at once.
DAY_RULES = ("referral_contact_days", "follow_up_interval_days", "need_due_days")


def _org_of_kind(org_id: int, kind: str) -> None:
    org = db.session.get(Organization, org_id)
    if org is None or org.kind != kind:
        raise ValueError(_("Choose a bureau organization and a bank organization as the drive's partners."))


def _users_with_role(user_ids, role: str) -> None:
    for user_id in user_ids:
        user = db.session.get(User, user_id)
        if user is None or not user.has_role(role):
            raise ValueError(_("%(name)s does not have the role needed here.",
                               name=user.display_name if user else user_id))


def _check_coverage(threshold, ratio) -> None:
    """Both, or neither: a drive without a coverage rule (the programmes other than 双百工程) gives no verdict."""
    if threshold is None and ratio is None:
        return
    if threshold is None or ratio is None:
        raise ValueError(_("Give both numbers of the coverage rule (households and share), or neither for no rule."))
    if not Decimal(0) <= Decimal(ratio) <= Decimal(1):
        raise ValueError(_("The coverage ratio must be between 0 and 100 percent."))


def _check_rules(merged: dict) -> None:
    _check_coverage(*(merged[name] for name in COVERAGE_RULES))
    for name in COUNT_RULES:
        if name in COVERAGE_RULES and merged[name] is None:
            continue
        if merged[name] is None or merged[name] < (1 if name in DAY_RULES else 0):
            raise ValueError(_("Every rule needs a whole number: zero or more, and at least one day for periods."))
    if set(merged["focus_trades"] or ()) - set(TRADES):
        raise ValueError(_("Unknown trade among the focus trades."))
    for key, cap in (merged["tier_caps"] or {}).items():
        if key not in (*CAP_KEYS, "revenue_share_cap") or cap is None or cap < 0:
            raise ValueError(_("Each tier cap needs a tier and an amount of zero or more."))
    try:
        check_quotas(merged["quotas"] or [], EVENT_KINDS)
    except (ValueError, KeyError, TypeError) as problem:
        raise ValueError(str(QUOTA_PROBLEMS.get(str(problem), QUOTA_PROBLEMS["unknown"]))) from None


def _check_campaign(campaign: Campaign, values: dict) -> None:
    merged = {**{k: getattr(campaign, k) for k in CAMPAIGN_FIELDS}, **values}
    if not merged["name"]:
        raise ValueError(_("A drive needs a name."))
    if merged["starts_on"] is None or merged["ends_on"] is None or merged["ends_on"] < merged["starts_on"]:
        raise ValueError(_("The drive cannot end before it starts."))
    _org_of_kind(merged["bureau_org_id"], "bureau")
    _org_of_kind(merged["bank_org_id"], "bank")
    territory = db.session.get(Region, merged["territory_id"]) if merged["territory_id"] else None
    if territory is None or territory.level not in ("city", "county"):
        raise ValueError(_("The territory of a drive is a city or a county."))
    _check_rules(merged)
    _users_with_role(merged["lead_ids"] or (), "lead")


def rule_defaults() -> dict:
    """The rules a new drive starts with: the model's defaults, which no document gives, and no coverage rule."""
    columns = {c.key: c.default.arg for c in Campaign.__table__.columns if c.key in RULE_FIELDS and c.default
               and not callable(c.default.arg)}
    return {**columns, **dict.fromkeys(COVERAGE_RULES), "focus_trades": [], "tier_caps": {}, "quotas": []}


def create_campaign(values: dict, actor=None) -> Campaign:
    """A drive set up by hand: each rule given other than its default is a local setting of the actor's."""
    values = {"template": None, "lead_ids": [], **rule_defaults(), **values}
    campaign = Campaign()
    _check_campaign(campaign, values)
    rules = {name: values[name] for name in RULE_FIELDS}
    campaign.rule_sources = sources_after_edit({}, rule_defaults(), rules, actor, local_today())
    return audit.add(campaign, values, CAMPAIGN_FIELDS, summary=values["name"], actor=actor)


def update_campaign(campaign: Campaign, values: dict, actor=None) -> dict:
    """Change any subset of the drive's fields (a lead sends only the rules); each rule changed becomes a
    local setting of the actor's (or takes its template's clause back when set to the template's value), the
    others keep their source."""
    _check_campaign(campaign, values)
    after = {name: values[name] for name in RULE_FIELDS if name in values}
    before = {name: getattr(campaign, name) for name in after}
    template = TEMPLATES.get(campaign.template or "")
    sources = sources_after_edit(campaign.rule_sources, before, after, actor, local_today(),
                                 template_flat(template) if template else None)
    changes = audit.apply_changes(campaign, values, CAMPAIGN_FIELDS, summary=campaign.name, actor=actor)
    campaign.rule_sources = sources
    return changes


# ---- liaison pairs ----------------------------------------------------------------------------

def _checked_pair(pair: LiaisonPair, values: dict) -> dict:
    """The values to store: checked, with the county derived from the town."""
    merged = {**{k: getattr(pair, k) for k in PAIR_FIELDS}, **values}
    campaign = db.session.get(Campaign, merged["campaign_id"]) if merged["campaign_id"] else None
    if campaign is None:
        raise ValueError(_("Choose the drive the pair works in."))
    region = db.session.get(Region, merged["region_id"]) if merged["region_id"] else None
    if region is None or region.level not in ("town", "county"):
        raise ValueError(_("A pair serves a town or a county."))
    if campaign.territory_id not in {r.id for r in [*region.ancestors(), region]}:
        raise ValueError(_("The pair's town is outside the drive's territory."))
    _users_with_role([merged["liaison_id"]], "liaison")
    _users_with_role([merged["account_manager_id"]], "account_manager")
    county = region if region.level == "county" else region.parent
    name = (merged["name"] or "").strip() or (region.name if county is region else f"{county.name}·{region.name}")
    return {**values, "county_id": county.id, "name": name}


def create_pair(values: dict, actor=None) -> LiaisonPair:
    pair = LiaisonPair(active=True)
    checked = _checked_pair(pair, values)
    # The slug of the pair's QR poster: unguessable, so posters cannot be enumerated.
    pair.intake_token = secrets.token_urlsafe(16)
    return audit.add(pair, checked, PAIR_FIELDS, summary=checked["name"], actor=actor)


def update_pair(pair: LiaisonPair, values: dict, actor=None) -> dict:
    checked = _checked_pair(pair, values)
    return audit.apply_changes(pair, checked, PAIR_FIELDS, summary=checked["name"], actor=actor)


def deactivate_pair(pair: LiaisonPair, actor=None) -> dict:
    """A pair that stops working is kept, inactive: its visits and figures stay attributed to it."""
    return update_pair(pair, {"active": False}, actor=actor)


def template_rules(template: str) -> dict:
    """A template's rules (thresholds, quotas, caps, criteria) with their sources (rule_sources), as a drive's
    column values: a fresh copy, to change or store."""
    values, sources = cited_rules(TEMPLATES[template])
    return {**values, "rule_sources": sources}

