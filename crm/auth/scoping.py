"""Who may see and do what: every list, every object load and every object check goes through here.

An account manager sees the merchants and work of their own pairs, a liaison those of their
office's towns, a branch head those of their branch, a lead their drives, an admin everything.
A user with several roles sees the union. Anything outside is a 404, never a 403: a leak of
existence is still a leak.

Two shapes only: `*_condition(user)` WHERE clauses that compose into any query, and
`can_<verb>_<thing>(obj, user)` predicates on one loaded object.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from flask import abort
from sqlalchemy import false, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from crm.bankfacts.models import BankFact
from crm.campaigns.models import Campaign, CampaignLead, LiaisonPair
from crm.events.models import Event
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.people.models import Organization, User
from crm.referrals.models import IntakeSubmission, Referral, ReferralList
from crm.regions.models import Region
from crm.regions.queries import regions_and_below
from crm.timeutil import utcnow
from crm.visits.models import Application, Visit

VISIT_EDIT_WINDOW = timedelta(hours=24)
_remembered: ContextVar[dict | None] = ContextVar("remembered_scopes", default=None)


@contextmanager
def remembering():
    """Within it (a `with` block or a decorated view), each user's scope is looked up once: a page
    that scopes several queries (a home: lists, their progress, overdue names) asks the database
    for the user's places and pairs once, not per query. For pages that read: the scope must not
    change inside."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def _remembered_per_user(lookup):
    @functools.wraps(lookup)
    def remembered(user: User):
        memo = _remembered.get()
        if memo is None:
            return lookup(user)
        key = (lookup.__name__, user.id)
        if key not in memo:
            memo[key] = lookup(user)
        return memo[key]
    return remembered


def is_admin(user: User) -> bool:
    return user.has_role("admin")


def can_manage_subscriptions(user: User) -> bool:
    """Webhook subscriptions send the drive's events out of the CRM: an administrator's decision."""
    return is_admin(user)


def led_campaign_ids(user: User) -> list[int]:
    return list(db.session.scalars(select(CampaignLead.campaign_id).where(CampaignLead.user_id == user.id)))


@_remembered_per_user
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


def _area_roots(user: User) -> list[int]:
    """The regions of a user's area: the territories of the drives they lead, their office's, their pairs'."""
    region_ids: list[int] = []
    if user.has_role("lead"):
        region_ids += db.session.scalars(select(Campaign.territory_id).where(Campaign.id.in_(led_campaign_ids(user))))
    if user.has_role("branch_head", "liaison"):
        region_ids += _org_region_ids(user.organization)
    if user.has_role("account_manager", "liaison"):
        region_ids += [p.region_id for p in own_pairs(user)]
    return region_ids


@_remembered_per_user
def merchant_condition(user: User) -> ColumnElement:
    """A WHERE clause on Merchant that keeps what the user may see."""
    if is_admin(user):
        return true()
    return regions_condition(_area_roots(user))


@_remembered_per_user
def area_region_ids(user: User) -> set[int] | None:
    """Every region whose merchants the user may see: their area and all below it (None for an admin: all).
    A merchant placed in one of them is one the user sees, so a form offers only these places."""
    return None if is_admin(user) else set(regions_and_below(_area_roots(user)))


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


# ---- referral lists and items -------------------------------------------------------------------
# Liaisons see the lists of their office (and the items on their towns' merchants), branch heads
# the lists handed to their branch or below, account managers the items assigned to them, leads
# their drives, admins everything.

def _branch(user: User) -> ColumnElement:
    return ReferralList.bank_org_id.in_(user.organization.subtree_ids()) & ReferralList.handed_over_at.is_not(None)


def liaison_list_condition(user: User) -> ColumnElement:
    """The lists a liaison works on: made by their office (or one under it), or naming merchants of
    their area. Those naming their merchants are found once through the merchants, not list by list."""
    item = aliased(Referral)  # so the condition also works in a query that joins the items
    on_my_merchants = select(item.list_id).where(
        item.merchant_id.in_(select(Merchant.id).where(merchant_condition(user))))
    return ReferralList.bureau_org_id.in_(user.organization.subtree_ids()) | ReferralList.id.in_(on_my_merchants)


def list_condition(user: User) -> ColumnElement:
    """A WHERE clause on ReferralList keeping the lists the user may open."""
    if is_admin(user):
        return true()
    parts = []
    item = aliased(Referral)  # so the condition also works in a query that joins the items
    if user.has_role("lead"):
        parts.append(ReferralList.campaign_id.in_(led_campaign_ids(user)))
    if user.has_role("liaison"):
        parts.append(liaison_list_condition(user))
    if user.has_role("branch_head"):
        parts.append(_branch(user))
    if user.has_role("account_manager"):
        parts.append(ReferralList.id.in_(select(item.list_id).where(item.assignee_id == user.id)))
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


def led_campaign_condition(user: User) -> ColumnElement:
    """The drives a user administers: all for an admin, the ones they lead for a lead."""
    if is_admin(user):
        return true()
    ids = led_campaign_ids(user)
    return Campaign.id.in_(ids) if ids else false()


def get_visible(model, object_id, condition: ColumnElement):
    """Load one object by id if the condition lets the user see it, else 404."""
    obj = db.session.scalar(select(model).where(model.id == object_id, condition))
    if obj is None:
        abort(404)
    return obj


def visible_campaign(campaign_id, user: User) -> Campaign | None:
    """The drive with this id if the user may see it, else None (the caller answers 404)."""
    from crm.web import MAX_ID  # the largest id a database column holds: beyond it, no such drive

    if not isinstance(campaign_id, int) or isinstance(campaign_id, bool) or not 0 <= campaign_id <= MAX_ID:
        return None
    return db.session.scalar(select(Campaign).where(Campaign.id == campaign_id, campaign_condition(user, Campaign.id)))


def can_lead_campaign(campaign: Campaign, user: User) -> bool:
    """The drive's leads (and admins) decide for the whole drive."""
    return is_admin(user) or campaign.id in led_campaign_ids(user)


def leads_any_campaign(user: User) -> bool:
    """Settings shared by all drives (the product catalogue, reminder rules): admins and any drive's lead."""
    return is_admin(user) or (user.has_role("lead") and bool(led_campaign_ids(user)))


def can_see_merchant(merchant: Merchant, user: User) -> bool:
    return db.session.scalar(
        select(Merchant.id).where(Merchant.id == merchant.id, merchant_condition(user))
    ) is not None


def merchant_in_region(merchant: Merchant, region: Region) -> bool:
    """Whether the merchant lies in the region, whatever level it is (no query)."""
    if region.level == "city":
        return merchant.county is not None and merchant.county.parent_id == region.id
    column = {"county": merchant.county_id, "town": merchant.town_id, "district": merchant.district_id}
    return column.get(region.level) == region.id


# ---- phones: full numbers only for the people who must call ------------------------------------

def _calling_regions(user: User) -> list[Region]:
    # Cached on the user object: a list page or an export asks once per row.
    cached = getattr(user, "_calling_regions", None)
    if cached is None:
        cached = [p.region for p in own_pairs(user)]
        user._calling_regions = cached
    return cached


def can_call_merchant(merchant: Merchant, user: User) -> bool:
    """The account manager and the liaison of a pair whose area holds the merchant see its phone whole;
    everyone else (branch heads, leads, admins included) sees it masked."""
    return any(merchant_in_region(merchant, region) for region in _calling_regions(user))


def can_call_applicant(submission: IntakeSubmission, user: User) -> bool:
    """A public-form applicant's phone: the pair's own account manager and liaison."""
    pair = submission.pair
    return user.id in (pair.account_manager_id, pair.liaison_id)


def shown_phone(phone: str | None, whole: bool) -> str:
    """The number itself, or its first three and last four digits (139****5678)."""
    if whole:
        return phone or "—"
    if not phone:
        return "—"
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "****"


def calling_condition(user: User) -> ColumnElement:
    """can_call_merchant as a WHERE clause: the merchants whose phone the user sees whole."""
    return regions_condition([region.id for region in _calling_regions(user)])


def merchant_phone(merchant: Merchant, user: User) -> str:
    """The operator's phone as this user may see it: whole or masked."""
    return shown_phone(merchant.operator_phone, can_call_merchant(merchant, user))


# ---- object predicates ---------------------------------------------------------------------------

def can_edit_merchant(merchant: Merchant, user: User) -> bool:
    """Registry data is the bureau's: admins, and liaisons for the merchants they see."""
    return is_admin(user) or (user.has_role("liaison") and can_see_merchant(merchant, user))


def can_record_bank_facts(merchant: Merchant, user: User) -> bool:
    """The bank's loan facts about a merchant: its branch's staff (branch head, account manager) who see it."""
    return (user.has_role("branch_head", "account_manager") and user.organization.kind == "bank"
            and can_see_merchant(merchant, user))


def can_import_bank_facts(user: User) -> bool:
    return user.has_role("branch_head", "account_manager") and user.organization.kind == "bank"


def bank_fact_condition(user: User) -> ColumnElement:
    """A WHERE clause on BankFact: a bank's staff see their own bank's reports; bureau staff all of them."""
    if is_admin(user) or user.organization.kind != "bank":
        return true()
    root = user.organization
    while root.parent is not None:
        root = root.parent
    return BankFact.bank_org_id.in_(root.subtree_ids())


def can_enter_window_application(pair: LiaisonPair, user: User) -> bool:
    """服务专窗: the pair's own liaison and account manager, a branch head over its account manager, an admin."""
    if is_admin(user) or user.id in (pair.liaison_id, pair.account_manager_id):
        return True
    return user.has_role("branch_head") and pair.account_manager.organization_id in user.organization.subtree_ids()


def can_screen_submission(submission: IntakeSubmission, user: User) -> bool:
    """A public-form submission waiting for screening: the pair's liaison (and admins)."""
    return is_admin(user) or submission.pair.liaison_id == user.id


def _counties_of(region: Region | None) -> set[int]:
    if region is None:
        return set()
    if region.level == "county":
        return {region.id}
    if region.level == "city":
        return {child.id for child in db.session.scalars(
            select(Region).where(Region.parent_id == region.id, Region.level == "county"))}
    return {r.id for r in region.ancestors() if r.level == "county"}


def event_counties(campaign: Campaign, user: User) -> set[int] | None:
    """The counties where the user plans the drive's events (None: all, for its leads): an account manager's
    or liaison's own pairs' counties, a branch head's or liaison's organization's."""
    if can_lead_campaign(campaign, user):
        return None
    counties = {p.county_id for p in own_pairs(user) if p.campaign_id == campaign.id}
    if user.has_role("branch_head", "liaison"):
        counties |= _counties_of(user.organization.region)
    return counties


def plans_pair_day(pair: LiaisonPair, user: User, counties: set[int] | None) -> bool:
    """A joint visit day: its pair's own members, a branch head in its county, the drive's leads
    (counties: event_counties() of the pair's drive)."""
    if counties is None:
        return True
    own = pair.id in {p.id for p in own_pairs(user) if p.campaign_id == pair.campaign_id}
    return own or (user.has_role("branch_head") and pair.county_id in counties)


def can_edit_event(event: Event, user: User) -> bool:
    """Leads anywhere in their drive; an account manager or liaison in their own pair's county (a joint
    visit day: their own pair); a branch head or liaison in their organization's county."""
    counties = event_counties(db.session.get(Campaign, event.campaign_id), user)
    if counties is None:
        return True
    if event.kind == "joint_visit_day":
        pair = db.session.get(LiaisonPair, event.pair_id) if event.pair_id else None
        return pair is not None and pair.campaign_id == event.campaign_id and plans_pair_day(pair, user, counties)
    return event.county_id is not None and event.county_id in counties


def can_edit_visit(visit: Visit, user: User) -> bool:
    """The author for 24 hours; afterwards only a branch head above the author."""
    if visit.author_id == user.id and utcnow() - visit.created_at <= VISIT_EDIT_WINDOW:
        return True
    return user.has_role("branch_head") and visit.author.organization_id in user.organization.subtree_ids()


def can_edit_application(application: Application, user: User) -> bool:
    """The author, a branch head above the author, or an admin records the bank's decisions."""
    if application.author_id == user.id or is_admin(user):
        return True
    return user.has_role("branch_head") and application.author.organization_id in user.organization.subtree_ids()


def can_hand_over_list(referral_list: ReferralList, user: User) -> bool:
    """Hand over: the office that made the list, or an admin."""
    return is_admin(user) or (user.has_role("liaison") and referral_list.bureau_org_id in
                              user.organization.subtree_ids())


def can_assign_list(referral_list: ReferralList, user: User) -> bool:
    return referral_list.handed_over_at is not None and (
        is_admin(user) or (user.has_role("branch_head") and referral_list.bank_org_id in
                           user.organization.subtree_ids()))


def can_work_referral(referral: Referral, user: User) -> bool:
    """Change an item's status: its account manager, the branch head over it, or an admin."""
    return referral.assignee_id == user.id or can_assign_list(referral.referral_list, user)
