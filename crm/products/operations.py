"""Product matching: which of a drive's products fit a merchant, which do not and why, and the
suggested pre-credit cap from the drive's per-tier caps.

Product.rules keys: min_age, max_age, min_months_trading (min_months_trading_with_experience: fewer
months suffice with prior experience in the trade), nationality ("mainland" | "citizen"), tiers, trades, kinds, min_revenue,
region_ids, caps {credit, guarantee, mortgage}. Campaign.base_conditions may hold the same
age / months / revenue keys plus "tier_rules" {tier: {min_months_trading, min_revenue}}, and criteria on
the bank's loan facts (crm.bankfacts.criteria);
Campaign.tier_caps holds {tier: cap, "distinguished": cap, "revenue_share_cap": 0.2}.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm import audit
from crm.bankfacts.criteria import BANK_CRITERIA, Checks, bank_checks
from crm.bankfacts.operations import latest
from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.labels import label
from crm.merchants.models import Merchant
from crm.products.models import CampaignProduct, Product
from crm.regions.models import Region

AUDITED_FIELDS = ("name", "bank_name", "description", "max_amount", "term_months", "rate_text", "rules", "active")
DISTINGUISHED_TIERS = ("growth", "development")


class Fit(NamedTuple):
    """A product that fits, on the drive's terms where it sets its own, else the catalogue's."""

    product: Product
    cap: Decimal | None
    term_months: int | None
    rate_text: str | None


@dataclass
class MatchResult:
    fits: list[Fit] = field(default_factory=list)
    does_not_fit: list[tuple[Product, list[str]]] = field(default_factory=list)
    suggested_cap: Decimal | None = None
    base_reasons: list[str] = field(default_factory=list)  # why the drive's pre-credit does not apply
    unknown: dict[int, list[str]] = field(default_factory=dict)  # product id → facts to check on a visit
    bank_checks: list[dict] = field(default_factory=list)  # the drive's pre-credit conditions on bank facts


def months_between(start: date, end: date) -> int:
    """Whole months from start to end: 2024-01-15 → 2024-07-14 is 5."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def age_on(birth: date, on_date: date) -> int:
    return on_date.year - birth.year - ((on_date.month, on_date.day) < (birth.month, birth.day))


def _yuan(value) -> str:
    return format_decimal(Decimal(value), format="#,##0.##")


def _labels(group: str, codes) -> str:
    return ", ".join(label(group, c) for c in codes)


def _check_age(merchant: Merchant, rules: dict, on_date: date, fails: list, unknown: list) -> None:
    low, high = rules.get("min_age"), rules.get("max_age")
    if low is None and high is None:
        return
    if merchant.operator_birth_date is None:
        unknown.append(_("operator's age not on record"))
        return
    age = age_on(merchant.operator_birth_date, on_date)
    if (low is not None and age < low) or (high is not None and age > high):
        if low is not None and high is not None:
            fails.append(_("operator aged %(age)s, must be %(low)s–%(high)s", age=age, low=low, high=high))
        elif low is not None:
            fails.append(_("operator aged %(age)s, must be at least %(low)s", age=age, low=low))
        else:
            fails.append(_("operator aged %(age)s, must be at most %(high)s", age=age, high=high))


def _check_trading(merchant: Merchant, rules: dict, on_date: date, fails: list, unknown: list) -> None:
    need = rules.get("min_months_trading")
    if not need:
        return
    if merchant.registered_on is None:
        unknown.append(_("registration date not on record"))
        return
    months = months_between(merchant.registered_on, on_date)
    shorter = rules.get("min_months_trading_with_experience")
    if months < need and shorter is not None and months >= shorter:
        unknown.append(_("trading %(months)s months: enough only with prior experience in the trade (not on record)",
                         months=months))
    elif months < need:
        fails.append(_("trading %(months)s months, needs %(need)s", months=months, need=need))


def _check_revenue(merchant: Merchant, rules: dict, fails: list, unknown: list) -> None:
    floor = rules.get("min_revenue")
    if floor is None:
        return
    if merchant.annual_revenue is None:
        unknown.append(_("annual revenue not on record"))
        return
    if merchant.annual_revenue < Decimal(str(floor)):
        fails.append(_("revenue %(revenue)s below %(floor)s", revenue=_yuan(merchant.annual_revenue),
                       floor=_yuan(floor)))


def _check_lists(merchant: Merchant, rules: dict, fails: list, unknown: list) -> None:
    tiers = rules.get("tiers")
    if tiers:
        if merchant.tier is None:
            unknown.append(_("tier not classified"))
        elif merchant.tier not in tiers:
            fails.append(_("tier %(tier)s not in %(tiers)s", tier=label("tier", merchant.tier),
                           tiers=_labels("tier", tiers)))
    trades = rules.get("trades")
    if trades and merchant.trade not in trades:
        fails.append(_("trade %(trade)s not in %(trades)s", trade=label("trade", merchant.trade),
                       trades=_labels("trade", trades)))
    kinds = rules.get("kinds")
    if kinds and merchant.kind not in kinds:
        fails.append(_("a %(kind)s, the product is for: %(kinds)s", kind=label("merchant_kind", merchant.kind),
                       kinds=_labels("merchant_kind", kinds)))
    region_ids = rules.get("region_ids")
    if region_ids:
        places = {merchant.county_id, merchant.town_id, merchant.district_id}
        county = db.session.get(Region, merchant.county_id)
        if county is not None and county.parent_id:
            places.add(county.parent_id)
        if not places & set(region_ids):
            names = db.session.scalars(select(Region.name).where(Region.id.in_(region_ids))).all()
            fails.append(_("located outside %(regions)s", regions=", ".join(names)))


NATIONALITY = {
    "mainland": _l("operator not from Hong Kong, Macao, Taiwan or abroad: not on record, check on a visit"),
    "citizen": _l("operator a Chinese citizen: not on record, check on a visit"),
}


def check_rules(merchant: Merchant, rules: dict, on_date: date) -> tuple[list[str], list[str]]:
    """(reasons it fails, facts not on record) for one set of rules."""
    fails: list[str] = []
    unknown: list[str] = [str(NATIONALITY[rules["nationality"]])] if rules.get("nationality") in NATIONALITY else []
    _check_age(merchant, rules, on_date, fails, unknown)
    _check_trading(merchant, rules, on_date, fails, unknown)
    _check_lists(merchant, rules, fails, unknown)
    _check_revenue(merchant, rules, fails, unknown)
    return fails, unknown


def _revenue_share(campaign: Campaign, merchant: Merchant) -> Decimal | None:
    share = (campaign.tier_caps or {}).get("revenue_share_cap")
    if share is None or merchant.annual_revenue is None:
        return None
    return (Decimal(str(share)) * merchant.annual_revenue).quantize(Decimal(1))


def _capped(amount, limit: Decimal | None) -> Decimal | None:
    if amount is None:
        return limit
    amount = Decimal(str(amount))
    return amount if limit is None else min(amount, limit)


def bank_conditions(merchant: Merchant, campaign: Campaign) -> list[dict]:
    """The drive's pre-credit conditions on the bank's loan facts (BOC's overdue periods), each checked
    against what the drive's bank reported: pass, fail or unknown, with its clause."""
    conditions = campaign.base_conditions or {}
    if not set(conditions) & set(BANK_CRITERIA):
        return []
    checks = Checks(campaign, "base_conditions")
    bank_checks(checks, latest(merchant, campaign.bank_org), conditions)
    return checks.items


def base_check(merchant: Merchant, campaign: Campaign, on_date: date) -> tuple[list[str], list[str]]:
    """The drive's base conditions and its tier's own requirements: (fails, unknown)."""
    return _base_check(merchant, campaign, on_date, bank_conditions(merchant, campaign))


def _base_check(merchant: Merchant, campaign: Campaign, on_date: date, bank: list[dict]) -> tuple[list, list]:
    conditions = {k: v for k, v in (campaign.base_conditions or {}).items() if k not in BANK_CRITERIA}
    tier_rules = conditions.pop("tier_rules", {}) or {}
    fails, unknown = check_rules(merchant, conditions, on_date)
    if merchant.registry_status != "operating":
        fails.append(_("registry status is %(status)s", status=label("registry_status", merchant.registry_status)))
    if merchant.dishonest:
        fails.append(_("on the dishonest-persons list"))
    if merchant.tier and merchant.tier in tier_rules:
        more_fails, more_unknown = check_rules(merchant, tier_rules[merchant.tier], on_date)
        fails += more_fails
        unknown += more_unknown
    for check in bank:
        if check["result"] != "pass":
            reason = f"{label('plaque_criterion', check['criterion'])}: {check['detail']}"
            (fails if check["result"] == "fail" else unknown).append(reason)
    return fails, unknown


def suggested_cap(merchant: Merchant, campaign: Campaign, on_date: date) -> Decimal | None:
    """The drive's pre-credit cap for the merchant's tier (名特优新 raises growth and development)."""
    caps = campaign.tier_caps or {}
    cap = caps.get(merchant.tier) if merchant.tier else None
    distinguished = merchant.distinguished and (merchant.distinguished_until is None
                                                or merchant.distinguished_until >= on_date)
    if distinguished and merchant.tier in DISTINGUISHED_TIERS and caps.get("distinguished") is not None:
        cap = caps["distinguished"]
    if cap is None:
        return None
    return _capped(cap, _revenue_share(campaign, merchant))


def campaign_products(campaign: Campaign) -> list[Product]:
    """The drive's own products; a drive without any linked is matched against the whole catalogue."""
    linked = db.session.scalars(
        select(Product).join(CampaignProduct, CampaignProduct.product_id == Product.id)
        .where(CampaignProduct.campaign_id == campaign.id, Product.active.is_(True)).order_by(Product.id)
    ).all()
    if linked:
        return list(linked)
    return list(db.session.scalars(select(Product).where(Product.active.is_(True)).order_by(Product.id)))


def drive_terms(campaign: Campaign) -> dict[int, dict]:
    """Product id → the drive's own terms for it (CampaignProduct.terms), for the products it sets any."""
    rows = db.session.execute(select(CampaignProduct.product_id, CampaignProduct.terms)
                              .where(CampaignProduct.campaign_id == campaign.id))
    return {product_id: terms for product_id, terms in rows if terms}


def drive_product_rules(campaign: Campaign) -> dict[str, object]:
    """The drive's products as rules: "products.<name>": True for each product it offers, and
    "products.<name>.<term>" for each of its own terms ("products.极速贷.caps.credit")."""
    rows = db.session.execute(select(Product.name, CampaignProduct.terms).join(CampaignProduct.product)
                              .where(CampaignProduct.campaign_id == campaign.id).order_by(Product.id))
    rules: dict[str, object] = {}
    for name, terms in rows:
        rules[f"products.{name}"] = True
        for term, value in (terms or {}).items():
            leaves = value.items() if isinstance(value, dict) else [(None, value)]
            rules.update({".".join(filter(None, ("products", name, term, leaf))): v for leaf, v in leaves})
    return rules


def store_drive_products(campaign: Campaign, rules: dict[str, object]) -> None:
    """Offer exactly the products named in `rules` (drive_product_rules' shape), each with the terms given."""
    offered: dict[str, dict] = {}
    for key, value in rules.items():
        name, *term = key.removeprefix("products.").split(".")
        terms = offered.setdefault(name, {})
        if len(term) == 2:
            terms.setdefault(term[0], {})[term[1]] = value
        elif term:
            terms[term[0]] = value
    links = {link.product.name: link for link in db.session.scalars(
        select(CampaignProduct).where(CampaignProduct.campaign_id == campaign.id))}
    for name, link in links.items():
        if name not in offered:
            db.session.delete(link)
    for name, terms in offered.items():
        link = links.get(name) or CampaignProduct(campaign_id=campaign.id, product=catalogue_product(name))
        link.terms = terms
        db.session.add(link)


def drive_catalogue(campaign: Campaign) -> list[Product]:
    """The products a drive may offer: the catalogue's on offer, and any the drive offers still; by bank."""
    offered = select(CampaignProduct.product_id).where(CampaignProduct.campaign_id == campaign.id)
    return list(db.session.scalars(select(Product).where(Product.active.is_(True) | Product.id.in_(offered))
                                   .order_by(Product.bank_name, Product.id)))


def catalogue_product(name: str) -> Product:
    """The catalogue's product of that name (the first added, should two banks use one name)."""
    product = db.session.scalar(select(Product).where(Product.name == name).order_by(Product.id).limit(1))
    if product is None:
        raise ValueError(_("There is no product %(name)s in the catalogue.", name=name))
    return product


def product_rules(product: Product, terms: dict | None = None) -> dict:
    """The product's eligibility rules with the drive's own caps and area in place of the catalogue's."""
    rules, terms = dict(product.rules or {}), terms or {}
    if "caps" in terms:
        rules["caps"] = {**rules.get("caps", {}), **terms["caps"]}
    if "region_ids" in terms:
        rules["region_ids"] = terms["region_ids"]
    return rules


def product_cap(product: Product, terms: dict | None = None) -> Decimal | None:
    """The product's cap without security (credit), else its maximum amount (the drive's where it sets them)."""
    credit = product_rules(product, terms).get("caps", {}).get("credit")
    if credit is not None:
        return Decimal(str(credit))
    amount = (terms or {}).get("max_amount", product.max_amount)
    return None if amount is None else Decimal(str(amount))


def match(merchant: Merchant, campaign: Campaign, on_date: date) -> MatchResult:
    """Which of the drive's products fit the merchant on that date, which do not and why."""
    result = MatchResult(bank_checks=bank_conditions(merchant, campaign))
    base_fails, _base_unknown = _base_check(merchant, campaign, on_date, result.bank_checks)
    result.base_reasons = base_fails
    result.suggested_cap = None if base_fails else suggested_cap(merchant, campaign, on_date)
    share_limit = _revenue_share(campaign, merchant)
    terms = drive_terms(campaign)
    for product in campaign_products(campaign):
        fails, unknown = check_rules(merchant, product_rules(product, terms.get(product.id)), on_date)
        if fails:
            result.does_not_fit.append((product, fails))
        else:
            own = terms.get(product.id) or {}
            result.fits.append(Fit(product, _capped(product_cap(product, own), share_limit),
                                   own.get("term_months", product.term_months), own.get("rate_text", product.rate_text)))
            if unknown:
                result.unknown[product.id] = unknown
    return result


# ---- the catalogue -----------------------------------------------------------------------------

def save_product(product: Product | None, values: dict, actor) -> Product:
    """Create or update a product with its rules; audited."""
    if product is None:
        product = Product(**values)
        db.session.add(product)
        audit.record_create(product, AUDITED_FIELDS, summary=product.name, actor=actor)
        return product
    audit.apply_changes(product, values, AUDITED_FIELDS, summary=product.name, actor=actor)
    return product
