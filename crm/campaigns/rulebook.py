"""A drive's rules as people read them: each with its name, its value and its source.

The drive's rules page shows these rows; the notice's definitions sheet and the plaque check may use
them too (rule_rows, or rule_source in crm.campaigns.rules for one rule).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm.campaigns.models import Campaign
from crm.campaigns.rules import (
    EDITED_RULES,
    NESTED_RULES,
    Quota,
    RuleSource,
    campaign_quotas,
    flat_rules,
    rule_source,
)
from crm.campaigns.targets import target_name, target_value
from crm.campaigns.templates import template_label
from crm.extensions import db
from crm.formatting import wan
from crm.labels import label
from crm.products.models import CampaignProduct, Product
from crm.products.operations import drive_product_rules
from crm.regions.models import Region

SECTIONS = {
    "visits": _l("Coverage, visits and deadlines"),
    "quotas": _l("Event quotas"),
    "base_conditions": _l("Pre-credit conditions"),
    "tier_caps": _l("Pre-credit caps"),
    "plaque_criteria": _l("Plaque criteria"),
    "targets": _l("Targets"),
    "products": _l("Products"),
}
NAMES = {
    "district_household_threshold": _l("District visits: at least this many households"),
    "district_coverage_ratio": _l("… or at least this share of its households"),
    "referral_contact_days": _l("Contact a referred merchant within (days)"),
    "follow_up_interval_days": _l("Follow-up interval (days)"),
    "need_due_days": _l("A need is due within (days)"),
    "visit_distance_m": _l("Flag a visit farther than this from the merchant (metres)"),
    "focus_trades": _l("Focus trades"),
    "distinguished": _l("名特优新 merchants"),
    "revenue_share_cap": _l("Credit at most this share of the business's revenue"),
    "min_age": _l("Operator at least (years old)"),
    "max_age": _l("Operator at most (years old)"),
    "min_months_trading": _l("Trading at least (months)"),
    "min_months_trading_with_experience": _l("Trading at least, with prior experience in the trade (months)"),
    "kinds": _l("Kinds of business"),
    "tiers": _l("Tiers"),
    "nationality": _l("Operator's nationality"),
    "min_revenue": _l("Annual revenue at least (yuan)"),
    "min_loan_months": _l("Months of loan use at the bank, at least"),
    "no_bad_loans": _l("No bad loan at the bank"),
    "max_overdue_12m": _l("Overdue repayments in the last 12 months, at most"),
    "no_overdue_run_24m": _l("Excluded: this many overdue periods in a row in the last two years (borrower or "
                             "spouse)"),
    "no_overdue_periods_24m": _l("Excluded: this many overdue periods or more in all in the last two years "
                                 "(borrower or spouse)"),
    "min_credit_line": _l("Credit line at the bank, at least (yuan)"),
    "veto_false_reporting": _l("Vetoed: false data reported"),
    "veto_statuses": _l("Vetoed: registry status"),
    "veto_dishonest": _l("Vetoed: on the dishonest-persons list (honest trading)"),
    "number_prefix": _l("Plaque number prefix"),
}
# The terms a drive may set for a product of its own (crm.campaigns.rule_changes.PRODUCT_TERMS).
TERM_NAMES = {
    "max_amount": _l("Maximum amount (10k yuan)"), "term_months": _l("Term (months)"), "rate_text": _l("Rate"),
    "caps.credit": _l("Cap on credit (10k yuan)"), "caps.guarantee": _l("Cap with a guarantee (10k yuan)"),
    "caps.mortgage": _l("Cap with a mortgage (10k yuan)"), "region_ids": _l("Only in these places"),
}
NATIONALITIES = {"mainland": _l("Mainland resident (not Hong Kong, Macao, Taiwan or foreign)"),
                 "citizen": _l("Chinese citizen")}
MONEY = ("min_revenue", "min_credit_line")
CAP_TERMS = ("credit", "guarantee", "mortgage")
LISTS = {"focus_trades": "trade", "kinds": "merchant_kind", "tiers": "tier", "veto_statuses": "registry_status"}


# Rules whose value is text a person typed (a plaque prefix "SB"), shown as typed.
TYPED_RULES = ("number_prefix", "rate_text")


def typed(key: str) -> bool:
    return key.split(".")[-1] in TYPED_RULES


@dataclass(frozen=True)
class RuleRow:
    section: str
    key: str
    name: str
    value: str
    source: RuleSource


def rule_name(key: str) -> str:
    """A rule's name as people read it, for its dotted key."""
    parts = key.split(".")
    leaf = parts[-1]
    if parts[0] == "quotas":
        return label("event_kind", parts[1])
    if parts[0] == "products":
        term = ".".join(parts[2:])
        return parts[1] if not term else _("%(product)s: %(term)s", product=parts[1], term=TERM_NAMES[term])
    if parts[0] == "targets":
        return target_name(leaf)
    if parts[0] == "tier_caps" and leaf != "revenue_share_cap":
        return _("Cap for %(who)s (10k yuan)", who=NAMES[leaf] if leaf == "distinguished" else label("tier", leaf))
    if "tier_rules" in parts and len(parts) == 4:
        return _("%(tier)s: %(rule)s", tier=label("tier", parts[2]), rule=NAMES.get(leaf, _("Other rule")))
    return str(NAMES.get(leaf, _("Other rule")))


def _region_names(region_ids) -> str:
    names = db.session.scalars(select(Region.name).where(Region.id.in_(region_ids)).order_by(Region.code))
    return "、".join(names) or "—"


def rule_value(key: str, value) -> str:
    """A rule's value as people read it ("—" for a rule the drive does not have)."""
    parts = key.split(".")
    leaf = parts[-1]
    if value is None:
        return "—"
    if parts[0] == "quotas":
        return quota_text(Quota.from_data(value))
    if parts[0] == "products" and len(parts) == 2:
        return _("Offered by the drive")
    if parts[0] == "targets":
        return _("%(target)s (not measured from records)", target=target_value(value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if leaf in LISTS:
        return "、".join(label(LISTS[leaf], code) for code in value or ()) or "—"
    if leaf == "region_ids":
        return _region_names(value)
    if leaf == "nationality":
        return str(NATIONALITIES.get(value, value))
    if key == "district_coverage_ratio" or leaf == "revenue_share_cap":
        return f"{format_decimal(Decimal(str(value)) * 100, format='#,##0.##')}%"
    if key.startswith("tier_caps.") or (parts[0] == "products" and leaf in ("max_amount", *CAP_TERMS)):
        return wan(value)
    if leaf in MONEY:
        return format_decimal(Decimal(str(value)), format="#,##0")
    return str(value)


def field_name(field: str) -> str:
    """The name of one of a drive's rule fields as a whole ("Plaque criteria")."""
    return str(SECTIONS.get(field) or NAMES[field])


def field_text(field: str, value) -> str:
    """One of a drive's rule fields as a whole (all its plaque criteria, say), rule by rule."""
    rules = flat_rules({field: value})
    return "；".join(rule_value(key, leaf) if key == field else f"{rule_name(key)} {rule_value(key, leaf)}"
                    for key, leaf in rules.items()) or "—"


def quota_text(quota) -> str:
    """"At least 1 a month for each liaison pair (on Wednesday)", in the user's language."""
    text = _("At least %(count)s per %(cadence)s, for each: %(scope)s", count=quota.count,
             cadence=label("quota_cadence", quota.cadence), scope=label("quota_scope", quota.scope))
    if quota.weekday:
        text += " · " + _("on %(day)s", day=label("weekday", str(quota.weekday)))
    return text


def source_text(source: RuleSource) -> str:
    if source.kind == "document":
        return _("%(title)s, %(clause)s: “%(quote)s”", title=source.title, clause=source.clause, quote=source.quote)
    if source.kind == "local" and source.by is None:
        return _("Local setting, recorded before rules carried their sources")
    if source.kind == "local":
        return _("Local setting by %(name)s on %(day)s", name=source.by, day=source.on or "—")
    return _("Default: no document gives this; a local setting until the drive's lead sets it")


def _product_rows(campaign: Campaign) -> list[RuleRow]:
    """Each product the drive offers, with its amount (the drive's own where it sets one), then each of the
    drive's own terms for it."""
    offered = drive_product_rules(campaign)
    products = db.session.scalars(select(Product).join(CampaignProduct, CampaignProduct.product_id == Product.id)
                                  .where(CampaignProduct.campaign_id == campaign.id).order_by(Product.id))
    rows = []
    for product in products:
        key = f"products.{product.name}"
        amount = offered.get(f"{key}.max_amount", product.max_amount)
        rows.append(RuleRow("products", key, product.name,
                            _("%(bank)s · up to %(amount)s (10k yuan)", bank=product.bank_name, amount=wan(amount)),
                            rule_source(campaign, key)))
        rows += [RuleRow("products", term, rule_name(term), rule_value(term, value), rule_source(campaign, term))
                 for term, value in offered.items() if term.startswith(f"{key}.")]
    return rows


def rule_rows(campaign: Campaign) -> list[RuleRow]:
    """Every rule of the drive with its value and source, section by section."""
    # A rule the drive does not have (no coverage rule: both thresholds empty) is not listed.
    rows = [RuleRow("visits", key, str(NAMES[key]), rule_value(key, getattr(campaign, key)),
                    rule_source(campaign, key)) for key in EDITED_RULES if key != "tier_caps"
            and getattr(campaign, key) is not None]
    rows += [RuleRow("quotas", q.key, label("event_kind", q.event), quota_text(q), rule_source(campaign, q.key))
             for q in campaign_quotas(campaign)]
    nested = flat_rules({name: getattr(campaign, name) for name in NESTED_RULES})
    rows += [RuleRow(key.split(".")[0], key, rule_name(key), rule_value(key, value), rule_source(campaign, key))
             for key, value in nested.items()]
    rows += _product_rows(campaign)
    order = list(SECTIONS)
    return sorted(rows, key=lambda row: order.index(row.section))


def drive_programme(campaign: Campaign) -> str:
    """The programme a drive was made from, by its name; "—" for a drive set up by hand."""
    return template_label(campaign.template) or "—"
