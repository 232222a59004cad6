"""Who may see what: every list and every object load goes through these helpers.

An account manager sees the merchants and work of their own pairs, a liaison those of their
office's towns, a branch head those of their branch, a lead their drives, an admin everything.
A user with several roles sees the union. Anything outside is a 404, never a 403: a leak of
existence is still a leak.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import false, or_, select, true
from sqlalchemy.sql import ColumnElement

from crm.campaigns.models import Campaign, CampaignLead, LiaisonPair
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.people.models import Organization, User
from crm.regions.models import Region


def is_admin(user: User) -> bool:
    return user.has_role("admin")


def led_campaign_ids(user: User) -> list[int]:
    return list(db.session.scalars(select(CampaignLead.campaign_id).where(CampaignLead.user_id == user.id)))


def own_pairs(user: User) -> list[LiaisonPair]:
    return list(
        db.session.scalars(
            select(LiaisonPair).where(
                LiaisonPair.active.is_(True),
                or_(LiaisonPair.account_manager_id == user.id, LiaisonPair.liaison_id == user.id),
            )
        )
    )


def org_ancestor_ids(org: Organization) -> list[int]:
    ids, node = [], org
    while node is not None:
        ids.append(node.id)
        node = node.parent
    return ids


def regions_condition(region_ids) -> ColumnElement:
    """Merchants located in any of these regions, whatever level each region is."""
    regions = db.session.scalars(select(Region).where(Region.id.in_(set(region_ids)))).all()
    by_level: dict[str, list[int]] = {}
    for region in regions:
        by_level.setdefault(region.level, []).append(region.id)
    parts = []
    if by_level.get("city"):
        counties = select(Region.id).where(Region.parent_id.in_(by_level["city"]))
        parts.append(Merchant.county_id.in_(counties))
    if by_level.get("county"):
        parts.append(Merchant.county_id.in_(by_level["county"]))
    if by_level.get("town"):
        parts.append(Merchant.town_id.in_(by_level["town"]))
    if by_level.get("district"):
        parts.append(Merchant.district_id.in_(by_level["district"]))
    return or_(*parts) if parts else false()


def _org_region_ids(org: Organization) -> list[int]:
    ids = db.session.scalars(
        select(Organization.region_id).where(Organization.id.in_(org.subtree_ids()), Organization.region_id.is_not(None))
    )
    return list(ids)


def merchant_condition(user: User) -> ColumnElement:
    """A WHERE clause on Merchant that keeps what the user may see."""
    if is_admin(user):
        return true()
    region_ids: list[int] = []
    if user.has_role("lead"):
        region_ids += db.session.scalars(select(Campaign.territory_id).where(Campaign.id.in_(led_campaign_ids(user))))
    if user.has_role("branch_head", "liaison"):
        region_ids += _org_region_ids(user.organization)
    if user.has_role("account_manager", "liaison"):
        region_ids += [p.region_id for p in own_pairs(user)]
    return regions_condition(region_ids)


def visible_campaign_ids(user: User) -> list[int] | None:
    """The drives a user may see; None means all (admin)."""
    if is_admin(user):
        return None
    ids = set(led_campaign_ids(user))
    ids |= {p.campaign_id for p in own_pairs(user)}
    ancestors = org_ancestor_ids(user.organization)
    ids |= set(
        db.session.scalars(
            select(Campaign.id).where(or_(Campaign.bank_org_id.in_(ancestors), Campaign.bureau_org_id.in_(ancestors)))
        )
    )
    return sorted(ids)


def campaign_condition(user: User, column) -> ColumnElement:
    ids = visible_campaign_ids(user)
    return true() if ids is None else column.in_(ids)


def work_condition(user: User, model, author_column=None) -> ColumnElement:
    """Visits, needs, applications, referrals …: rows on visible merchants in visible drives.

    An account manager also always sees what they wrote themselves, wherever it is.
    """
    if is_admin(user):
        return true()
    on_merchants = model.merchant_id.in_(select(Merchant.id).where(merchant_condition(user)))
    in_scope = on_merchants & campaign_condition(user, model.campaign_id)
    if author_column is not None:
        return or_(author_column == user.id, in_scope)
    return in_scope


def pair_condition(user: User) -> ColumnElement:
    if is_admin(user):
        return true()
    parts = [LiaisonPair.account_manager_id == user.id, LiaisonPair.liaison_id == user.id]
    if user.has_role("lead"):
        parts.append(LiaisonPair.campaign_id.in_(led_campaign_ids(user)))
    if user.has_role("branch_head"):
        members = select(User.id).where(User.organization_id.in_(user.organization.subtree_ids()))
        parts.append(LiaisonPair.account_manager_id.in_(members))
    if user.has_role("liaison"):
        colleagues = select(User.id).where(User.organization_id == user.organization_id)
        parts.append(LiaisonPair.liaison_id.in_(colleagues))
    return or_(*parts)


def get_visible(model, object_id, condition: ColumnElement):
    """Load one object by id if the condition lets the user see it, else 404."""
    obj = db.session.scalar(select(model).where(model.id == object_id, condition))
    if obj is None:
        abort(404)
    return obj


def can_see_merchant(user: User, merchant: Merchant) -> bool:
    return db.session.scalar(
        select(Merchant.id).where(Merchant.id == merchant.id, merchant_condition(user))
    ) is not None
