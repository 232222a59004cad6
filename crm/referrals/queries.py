"""The item listing of a referral list's page and export (who sees which: crm.auth.scoping)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.auth.scoping import referral_condition
from crm.merchants.models import Merchant
from crm.people.models import User
from crm.referrals.models import Referral, ReferralList


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
