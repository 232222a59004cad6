"""A drive's rules changed as a set: a person's edit of its caps, plaque criteria and products, or bringing
the drive to its template's current rules.

Rules are read flat, under their dotted keys (crm.campaigns.rules): the rule fields leaf by leaf, and the
products (crm.products.operations.drive_product_rules). A key given None is removed. Both kinds of change
write the same way and are audited with one line per rule, old value and new.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from crm import audit
from crm.campaigns.models import TIERS, Campaign
from crm.campaigns.operations import CAP_KEYS, rule_defaults
from crm.campaigns.queries import campaign_counties
from crm.campaigns.rules import (
    EDITED_RULES,
    NESTED_RULES,
    RuleSource,
    flat_rules,
    nested_rules,
    rule_source,
    sources_after_change,
)
from crm.campaigns.templates import TEMPLATES, template_flat
from crm.labels import LABELS
from crm.products.operations import catalogue_product, drive_product_rules, store_drive_products
from crm.timeutil import local_today

RULE_FIELDS = (*dict.fromkeys((*EDITED_RULES, "quotas", *NESTED_RULES)),)
SCALAR_RULES = tuple(name for name in RULE_FIELDS if name not in (*NESTED_RULES, "quotas"))
# What a lead edits on the drive's caps, criteria and products page, by the last part of the key.
WHOLE_NUMBERS = {*CAP_KEYS, "min_months_trading", "min_loan_months", "max_overdue_12m", "min_credit_line",
                 "max_amount", "credit", "guarantee", "mortgage"}
FLAGS = {"no_bad_loans", "veto_false_reporting", "veto_dishonest"}
PREFIX = re.compile(r"^[A-Za-z0-9-]{1,10}$")
# The product terms a drive may set for itself (see CampaignProduct.terms).
PRODUCT_TERMS = ("max_amount", "term_months", "rate_text", "caps.credit", "caps.guarantee", "caps.mortgage",
                 "region_ids")
PLAQUE_CRITERIA = ("tiers", "min_months_trading", "veto_statuses", "veto_dishonest", "min_loan_months",
                   "no_bad_loans", "max_overdue_12m", "min_credit_line", "veto_false_reporting", "number_prefix")


def drive_rules(campaign: Campaign) -> dict[str, object]:
    """Every rule of the drive under its dotted key, products included."""
    return flat_rules({name: getattr(campaign, name) for name in RULE_FIELDS}) | drive_product_rules(campaign)


def _offered_only(rules: dict[str, object]) -> dict[str, object]:
    """The rules without the terms of a product the drive no longer offers."""
    return {key: value for key, value in rules.items()
            if not key.startswith("products.") or ".".join(key.split(".")[:2]) in rules}


def _write(campaign: Campaign, rules: dict[str, object]) -> None:
    for name, value in nested_rules(rules).items():
        setattr(campaign, name, value)
    store_drive_products(campaign, {k: v for k, v in rules.items() if k.startswith("products.")})


def _record(campaign: Campaign, before: dict, after: dict, keys, actor) -> dict:
    changes = {key: [before.get(key), after.get(key)] for key in keys if before.get(key) != after.get(key)}
    if changes:
        audit.record("update", campaign, summary=campaign.name, changes=changes, actor=actor)
    return changes


# ---- a person's edit ----------------------------------------------------------------------------

def _whole(value, low: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _share(value) -> bool:
    try:
        return Decimal(str(value)) > 0 and Decimal(str(value)) <= 1
    except InvalidOperation:
        return False


def _problem(campaign: Campaign, key: str, value) -> str | None:
    """Why the value cannot be the drive's rule `key`, in the user's words; None when it can."""
    leaf = key.split(".")[-1]
    if leaf in WHOLE_NUMBERS and not _whole(value):
        return _("Caps, amounts and counts are whole numbers, zero or more.")
    if leaf == "term_months" and not _whole(value, 1):
        return _("A term is at least one month.")
    if leaf == "revenue_share_cap" and not _share(value):
        return _("The share of revenue must be more than 0 and at most 100 percent.")
    if leaf in FLAGS and not isinstance(value, bool):
        return _("Choose yes or no.")
    allowed = {"tiers": TIERS, "veto_statuses": tuple(LABELS["registry_status"]),
               "region_ids": tuple(r.id for r in (campaign.territory, *campaign_counties(campaign)))}.get(leaf)
    if allowed is not None and not (isinstance(value, list) and set(value) <= set(allowed)):
        return _("Choose among the options offered.")
    if leaf == "number_prefix" and not PREFIX.match(str(value)):
        return _("A plaque number prefix is 1 to 10 Latin letters, digits or hyphens.")
    if leaf == "rate_text" and not (isinstance(value, str) and len(value) <= 200):
        return _("A rate is described in at most 200 characters.")
    return None


def _editable(key: str) -> bool:
    root, _dot, rest = key.partition(".")
    if root == "tier_caps":
        return rest in (*CAP_KEYS, "revenue_share_cap")
    if root == "plaque_criteria":
        return rest in PLAQUE_CRITERIA
    name, _dot, term = rest.partition(".")
    return root == "products" and bool(name) and (not term or term in PRODUCT_TERMS)


def check_edit(campaign: Campaign, changes: dict[str, object]) -> None:
    """Raise ValueError (a message for the user) unless every change is one a lead may make, well formed."""
    for key, value in changes.items():
        if not _editable(key):
            raise ValueError(_("This rule cannot be changed here."))
        if key.count(".") == 1 and key.startswith("products."):
            if value not in (True, None):
                raise ValueError(_("Choose among the options offered."))
            if value:
                catalogue_product(key.removeprefix("products."))
        elif value is not None and (problem := _problem(campaign, key, value)):
            raise ValueError(problem)


def edit_rules(campaign: Campaign, changes: dict[str, object], actor) -> dict:
    """A lead's or administrator's change of some of the drive's rules (None removes one; a product no
    longer offered loses its terms): checked first, nothing changed on a problem (ValueError). Each rule
    changed becomes the actor's local setting, unless it now equals the value its template cites, which
    takes the clause back. Returns the audited changes."""
    check_edit(campaign, changes)
    before = drive_rules(campaign)
    after = _offered_only({k: v for k, v in {**before, **changes}.items() if v is not None})
    touched = set(changes) | (set(before) - set(after))
    template = TEMPLATES.get(campaign.template or "")
    campaign.rule_sources = sources_after_change(
        campaign.rule_sources, before, {k: v for k, v in after.items() if k in touched}, touched.__contains__,
        actor, local_today(), template_flat(template) if template else None)
    _write(campaign, after)
    return _record(campaign, before, after, sorted(touched), actor)


# ---- bringing a drive to its template ---------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    """One rule where the drive and its template's current rules differ (in value or in source)."""

    key: str
    current: object  # None: the drive does not have it
    wanted: object  # None: the template does not have it
    source: RuleSource  # the drive's source for it now
    cited: RuleSource  # the template's

    @property
    def local(self) -> bool:
        return self.source.kind == "local"


def _template_of(campaign: Campaign):
    if campaign.template not in TEMPLATES:
        raise ValueError(_("This drive was not made from a programme template."))
    return TEMPLATES[campaign.template]


def template_differences(campaign: Campaign) -> list[Difference]:
    """Each rule, product and criterion where the drive differs from its template's current rules. A rule
    the template does not give: a number column goes back to its default, anything else is removed."""
    cited = template_flat(_template_of(campaign))
    current = drive_rules(campaign)
    defaults = rule_defaults()
    wanted = {name: defaults[name] for name in SCALAR_RULES} | {k: c.value for k, c in cited.items()}
    differences = []
    for key in dict.fromkeys((*current, *wanted)):
        source = rule_source(campaign, key)
        target = RuleSource.from_data(cited[key].source if key in cited else None)
        if current.get(key) != wanted.get(key) or source != target:
            differences.append(Difference(key, current.get(key), wanted.get(key), source, target))
    return differences


def sync_template(campaign: Campaign, actor=None, include_local: bool = False) -> list[Difference]:
    """Bring the drive to its template's current rules, each with the template's source; a local setting is
    kept unless include_local. Returns the differences applied (audited)."""
    applied = [d for d in template_differences(campaign) if include_local or not d.local]
    before = drive_rules(campaign)
    after = dict(before)
    sources = dict(campaign.rule_sources or {})
    cited = template_flat(_template_of(campaign))
    for difference in applied:
        after.pop(difference.key, None)
        sources.pop(difference.key, None)
        if difference.wanted is not None:
            after[difference.key] = difference.wanted
        if difference.key in cited and cited[difference.key].source:
            sources[difference.key] = cited[difference.key].source
    after = _offered_only(after)
    _write(campaign, after)
    campaign.rule_sources = {k: v for k, v in sources.items() if not k.startswith("products.") or k in after}
    _record(campaign, before, after, [*dict.fromkeys((*(d.key for d in applied), *(set(before) - set(after))))],
            actor)
    return applied
