"""Finding merchants: one scoped search used by the list page, the API and the visit form."""
from __future__ import annotations

import re

from sqlalchemy import Select, and_, or_, select

from crm.auth.scoping import calling_condition, merchant_condition
from crm.merchants.credit_code import normalize
from crm.merchants.models import Merchant

_INITIALS = re.compile(r"^[a-z]{2,}$")
_DIGITS = re.compile(r"^\d{3,}$")


def search_condition(q: str, user):
    """Name, credit code, phone, or pinyin initials (zsgx finds 张三干洗店), whichever the text looks like.

    A phone is searched only among the merchants whose number the user sees whole: otherwise trying
    prefixes would read a masked number digit by digit."""
    text = q.strip()
    code = normalize(text)
    parts = [Merchant.name.contains(text, autoescape=True), Merchant.credit_code.startswith(code, autoescape=True)]
    if _DIGITS.match(text):
        parts.append(and_(Merchant.operator_phone.startswith(text, autoescape=True), calling_condition(user)))
    if _INITIALS.match(text.lower()):
        parts.append(Merchant.name_initials.startswith(text.lower(), autoescape=True))
    return or_(*parts)


def merchants_for(user, q: str | None = None, county_id: int | None = None, town_id: int | None = None,
                  district_id: int | None = None, trade: str | None = None, tier: str | None = None,
                  status: str | None = None) -> Select:
    """Merchants the user may see, filtered; ordered by name."""
    stmt = select(Merchant).where(merchant_condition(user))
    if q and q.strip():
        stmt = stmt.where(search_condition(q, user))
    for column, value in ((Merchant.county_id, county_id), (Merchant.town_id, town_id),
                          (Merchant.district_id, district_id), (Merchant.trade, trade), (Merchant.tier, tier),
                          (Merchant.registry_status, status)):
        if value:
            stmt = stmt.where(column == value)
    return stmt.order_by(Merchant.name, Merchant.id)
