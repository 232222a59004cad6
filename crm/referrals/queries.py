"""The item listing of a referral list's page and export (who sees which: crm.auth.scoping)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from crm.auth.scoping import referral_condition, regions_condition
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.people.models import User
from crm.referrals.models import Referral, ReferralList
from crm.visits.models import Application


def items_for(user: User, referral_list: ReferralList, status: str | None = None, overdue: bool = False,
              town_id: int | None = None):
    """The items of a list the user may see, with their merchant, for the list's page and export."""
    from crm.referrals.operations import overdue_condition

    stmt = (select(Referral).join(Merchant, Merchant.id == Referral.merchant_id)
            .options(joinedload(Referral.merchant).joinedload(Merchant.town), joinedload(Referral.assignee))
            .where(Referral.list_id == referral_list.id, referral_condition(user)))
    if status:
        stmt = stmt.where(Referral.status == status)
    if overdue:
        stmt = stmt.where(overdue_condition())
    if town_id:
        stmt = stmt.where(Merchant.town_id == town_id)
    return stmt.order_by(Referral.deadline_on.is_(None), Referral.deadline_on, Merchant.name, Referral.id)


def chain_grants(campaign_id: int, start: date, end: date, region_id: int | None = None) -> dict:
    """一链一策, counted apart: credit granted from start to end (inclusive) to merchants on the drive's chain
    lists, in a region and below if given: {"chains": lists with a grant, "grants": how many, "amount": yuan}."""
    members = select(Referral.merchant_id).where(Referral.campaign_id == campaign_id, Referral.chain_role.is_not(None))
    scope = [Application.campaign_id == campaign_id, Application.granted_amount.is_not(None),
             Application.granted_on >= start, Application.granted_on <= end, Application.merchant_id.in_(members)]
    if region_id is not None:
        scope.append(Application.merchant_id.in_(select(Merchant.id).where(regions_condition([region_id]))))
    count, amount = db.session.execute(select(
        func.count(Application.id), func.coalesce(func.sum(Application.granted_amount), 0)).where(*scope)).one()
    chains = db.session.scalar(select(func.count(func.distinct(Referral.list_id))).where(
        Referral.campaign_id == campaign_id, Referral.chain_role.is_not(None),
        Referral.merchant_id.in_(select(Application.merchant_id).where(*scope))))
    return {"chains": chains or 0, "grants": count or 0, "amount": Decimal(amount or 0)}
