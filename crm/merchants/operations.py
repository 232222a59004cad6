"""Merchant rules: normalising input, pinyin initials, creating and updating with an audit trail."""
from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from sqlalchemy import select

from crm import audit
from crm.extensions import db
from crm.merchants.credit_code import normalize as normalize_code
from crm.merchants.models import Merchant
from crm.regions.models import Region
from crm.signals import merchant_flagged

AUDITED_FIELDS = (
    "credit_code", "name", "kind", "operator_name", "operator_phone", "operator_birth_date", "registered_on",
    "trade", "tier", "distinguished", "distinguished_until", "registry_status", "dishonest", "county_id",
    "town_id", "district_id", "address", "annual_revenue",
)
# A change into any of these makes a merchant (and its plaque) need a second look.
REVIEW_STATUSES = ("revoked", "abnormal")


@lru_cache(maxsize=100_000)
def initials(name: str) -> str:
    """Pinyin initials of a Chinese name, lower case: 张三干洗店 → zsgxd. Latin letters and digits kept."""
    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
    return "".join(ch for ch in "".join(letters).lower() if ch.isalnum())


def find_by_code(code: str) -> Merchant | None:
    return db.session.scalar(select(Merchant).where(Merchant.credit_code == normalize_code(code)))


def location_of(region: Region) -> dict:
    """county_id, town_id and district_id of a merchant placed in this town or district."""
    by_level = {r.level: r.id for r in [*region.ancestors(), region]}
    return {"county_id": by_level.get("county"), "town_id": by_level.get("town"),
            "district_id": by_level.get("district")}


def review_reason(before: dict, merchant: Merchant) -> str | None:
    """Why a change to the registry data needs review, if it does."""
    if merchant.registry_status in REVIEW_STATUSES and before.get("registry_status") != merchant.registry_status:
        return f"registry status turned {merchant.registry_status}"
    if merchant.dishonest and not before.get("dishonest"):
        return "added to the dishonest-persons list"
    return None


def create_merchant(values: dict, actor=None) -> Merchant:
    merchant = Merchant(**values)
    merchant.name_initials = initials(merchant.name)
    db.session.add(merchant)
    audit.record("create", merchant, summary=merchant.name, actor=actor,
                 changes={k: [None, v] for k, v in audit.snapshot(merchant, AUDITED_FIELDS).items() if v is not None})
    return merchant


def update_merchant(merchant: Merchant, values: dict, actor=None) -> dict:
    """Apply new values; return what changed ({field: [old, new]}), recorded in the audit trail."""
    before = audit.snapshot(merchant, AUDITED_FIELDS)
    for key, value in values.items():
        setattr(merchant, key, value)
    merchant.name_initials = initials(merchant.name)
    changes = audit.diff(before, audit.snapshot(merchant, AUDITED_FIELDS))
    if changes:
        reason = review_reason(before, merchant)
        if reason:
            merchant.needs_review = True
            merchant.review_reason = reason
            merchant_flagged.send(merchant, reason=reason)
        audit.record("update", merchant, summary=merchant.name, changes=changes, actor=actor)
    return changes


def check_credit_code(raw: str | None) -> tuple[str, str | None]:
    """(normalised code, None) when valid, else (normalised code, why not) in the user's language."""
    from flask_babel import gettext as _

    from crm.merchants.credit_code import CreditCodeError, validate

    try:
        return validate(raw), None
    except CreditCodeError as err:
        code = normalize_code(raw)
        if err.reason == "length":
            return code, _("A credit code has 18 characters; this one has %(n)s.", n=len(code))
        if err.reason == "characters":
            return code, _("A credit code uses digits and capital letters other than I, O, S, V and Z.")
        return code, _("The check character is wrong (the last character should be %(c)s): please check the code.",
                       c=str(err).rsplit(" ", 1)[-1].strip(")"))
