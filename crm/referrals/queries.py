"""Who sees which referral lists and items, and the item listing of a list's page.

Liaisons see the lists of their office (and the items on their towns' merchants), branch heads
the lists handed to their branch or below, account managers the items assigned to them, leads
their drives, admins everything.
"""
from __future__ import annotations

from sqlalchemy import exists, false, or_, select, true
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql import ColumnElement

from crm.auth.scoping import is_admin, led_campaign_ids, merchant_condition
from crm.merchants.models import Merchant
from crm.people.models import User
from crm.referrals.models import Referral, ReferralList


def _branch(user: User) -> ColumnElement:
    return ReferralList.bank_org_id.in_(user.organization.subtree_ids()) & ReferralList.handed_over_at.is_not(None)


def list_condition(user: User) -> ColumnElement:
    """A WHERE clause on ReferralList keeping the lists the user may open."""
    if is_admin(user):
        return true()
    parts = []
    item = aliased(Referral)  # so the condition also works in a query that joins the items
    if user.has_role("lead"):
        parts.append(ReferralList.campaign_id.in_(led_campaign_ids(user)))
    if user.has_role("liaison"):
        on_my_merchants = exists().where(
            item.list_id == ReferralList.id, item.merchant_id.in_(select(Merchant.id).where(merchant_condition(user))))
        parts.append(ReferralList.bureau_org_id.in_(user.organization.subtree_ids()) | on_my_merchants)
    if user.has_role("branch_head"):
        parts.append(_branch(user))
    if user.has_role("account_manager"):
        parts.append(exists().where(item.list_id == ReferralList.id, item.assignee_id == user.id))
    return or_(*parts) if parts else false()


def referral_condition(user: User) -> ColumnElement:
    """A WHERE clause on Referral keeping the items the user may see."""
    if is_admin(user):
        return true()
    parts = []
    if user.has_role("lead"):
        parts.append(Referral.campaign_id.in_(led_campaign_ids(user)))
    if user.has_role("liaison"):
        own_lists = select(ReferralList.id).where(ReferralList.bureau_org_id.in_(user.organization.subtree_ids()))
        parts.append(Referral.list_id.in_(own_lists)
                     | Referral.merchant_id.in_(select(Merchant.id).where(merchant_condition(user))))
    if user.has_role("branch_head"):
        parts.append(Referral.list_id.in_(select(ReferralList.id).where(_branch(user))))
    if user.has_role("account_manager"):
        parts.append(Referral.assignee_id == user.id)
    return or_(*parts) if parts else false()


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
