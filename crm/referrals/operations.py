"""Referral rules: building a list, handing it over, assigning it, and each item's status flow.

Status flow of an item (one name on a list):
    pending → assigned → contacted → visited → applied → granted → drawn
    any open status → closed, with a reason (no_need, not_eligible, cannot_reach, declined,
    business_closed, duplicate); "not eligible yet" also plans a follow-up (跟踪管理).
Visits and applications recorded for the merchant move its open items forward by themselves
(crm.signals receivers below), never backward, so nobody types a status twice.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, func, literal, select
from sqlalchemy.orm import contains_eager

from crm import audit, bulk, changes
from crm.auth.scoping import merchant_condition, regions_condition
from crm.campaigns.models import Campaign, LiaisonPair
from crm.extensions import db
from crm.jobs.state import no_progress
from crm.labels import label
from crm.merchants.credit_code import CreditCodeError, validate
from crm.merchants.models import Merchant
from crm.people.models import Organization, User
from crm.referrals.models import CLOSED_REASONS, OPEN_STATUSES, Referral, ReferralList
from crm.reports import ledger
from crm.signals import application_changed, visit_recorded
from crm.timeutil import local_date, local_today, utcnow
from crm.visits.models import Application, FollowUp, Visit

FUNNEL = ("assigned", "contacted", "visited", "applied", "granted", "drawn")
# Statuses an account manager sets by hand; later ones normally come from applications, but a
# manual entry is allowed for outcomes recorded elsewhere (the bank's core system).
MANUAL_TARGETS = (*FUNNEL, "closed")
OVERDUE_STATUSES = ("pending", "assigned")
INSERT_BATCH = 5000


class TransitionRefused(ValueError):
    """An illegal status change; the message says why, in the user's language."""


def _rank(status: str) -> int:
    return FUNNEL.index(status) if status in FUNNEL else -1


def transition_problem(current: str, target: str, *, closed_reason: str | None = None,
                       closed_note: str | None = None, has_assignee: bool = True) -> str | None:
    """Why moving an item from current to target is not allowed, or None when it is."""
    if target not in MANUAL_TARGETS:
        return _("%(status)s is not a status an item can be moved to.", status=target)
    if current == "closed":
        return _("The item is closed; it cannot change any more.")
    if current == "drawn":
        return _("The loan has been drawn; the item is complete.")
    if target == "closed":
        if closed_reason not in CLOSED_REASONS:
            return _("Say why the item is closed.")
        if closed_reason == "not_eligible" and not (closed_note or "").strip():
            return _("Say which condition the business does not meet yet.")
        if closed_reason == "not_eligible" and not has_assignee:
            return _("Assign the item first: someone must follow the business up.")
        return None
    if current == "pending" and target != "assigned":
        return _("Assign the item before working it.")
    if target == "assigned" and not has_assignee:
        return _("Choose an account manager to assign the item to.")
    if _rank(target) < _rank(current):
        return _("An item moves forward only: it is already %(status)s.", status=current)
    return None


def next_statuses(current: str) -> list[str]:
    """The statuses an item can be moved to by hand from where it is (for the status menu)."""
    if current in ("drawn", "closed"):
        return []
    return [s for s in MANUAL_TARGETS if s == current or transition_problem(
        current, s, closed_reason="no_need") is None]


def change_status(referral: Referral, target: str, actor: User | None, *, closed_reason: str | None = None,
                  closed_note: str | None = None) -> dict:
    """Move an item by hand; raise TransitionRefused with the reason if the move is illegal."""
    if target == referral.status and target != "closed":
        return {}
    problem = transition_problem(referral.status, target, closed_reason=closed_reason, closed_note=closed_note,
                                 has_assignee=referral.assignee_id is not None)
    if problem:
        raise TransitionRefused(problem)
    before = audit.snapshot(referral, ("status", "closed_reason", "closed_note"))
    referral.status = target
    referral.status_changed_at = utcnow()
    if target == "closed":
        referral.closed_reason = closed_reason
        referral.closed_note = (closed_note or "").strip() or None
        if closed_reason == "not_eligible":
            _plan_follow_up(referral)
    changes = audit.diff(before, audit.snapshot(referral, ("status", "closed_reason", "closed_note")))
    audit.record("update", referral, summary=referral.merchant.name, changes=changes, actor=actor)
    return changes


def _plan_follow_up(referral: Referral) -> FollowUp:
    """跟踪管理: a business that does not qualify yet is visited again, not dropped."""
    campaign = db.session.get(Campaign, referral.campaign_id)
    follow_up = FollowUp(campaign_id=referral.campaign_id, merchant_id=referral.merchant_id,
                         assignee_id=referral.assignee_id,
                         due_on=local_today() + timedelta(days=campaign.follow_up_interval_days),
                         reason=(_("Not eligible yet: %(note)s", note=referral.closed_note))[:200])
    db.session.add(follow_up)
    return follow_up


# ---- moving forward by itself ------------------------------------------------------------------

def advance(campaign_id: int, merchant_id: int, target: str, author_id: int | None, cause: tuple[str, int]) -> int:
    """Move the merchant's open items in the drive up to target (never back); returns how many moved.

    An item nobody was assigned yet goes to whoever did the work. cause names the record that moved
    it, e.g. ("visit_id", 12), for the item's history.
    """
    behind = [s for s in OPEN_STATUSES if s == "pending" or _rank(s) < _rank(target)]
    items = db.session.scalars(select(Referral).where(
        Referral.campaign_id == campaign_id, Referral.merchant_id == merchant_id, Referral.status.in_(behind)))
    moved = 0
    for referral in items:
        before = referral.status
        referral.status = target
        referral.status_changed_at = utcnow()
        if referral.assignee_id is None and author_id is not None:
            referral.assignee_id = author_id
            referral.assigned_at = utcnow()
        audit.record("update", referral, summary=referral.merchant.name,
                     changes={"status": [before, target], cause[0]: [None, cause[1]]})
        moved += 1
    return moved


@visit_recorded.connect
def _on_visit(visit: Visit, **_extra) -> None:
    advance(visit.campaign_id, visit.merchant_id, "visited", visit.author_id, ("visit_id", visit.id))


def application_stage(application: Application) -> str:
    if application.drawn_amount:
        return "drawn"
    if application.granted_amount:
        return "granted"
    return "applied"


@application_changed.connect
def _on_application(application: Application, **_extra) -> None:
    advance(application.campaign_id, application.merchant_id, application_stage(application), application.author_id,
            ("application_id", application.id))


# ---- building a list ---------------------------------------------------------------------------

@dataclass
class Filters:
    county_id: int | None = None
    town_id: int | None = None
    district_id: int | None = None
    trade: str | None = None
    tier: str | None = None
    distinguished: bool = False
    not_visited: bool = False
    not_listed: bool = True

    def criteria(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, False)}


def candidates(user: User, campaign: Campaign, filters: Filters):
    """Merchant ids a liaison may put on a list: visible, in the drive's territory, trading, filtered."""
    stmt = select(Merchant.id).where(
        merchant_condition(user), regions_condition([campaign.territory_id]),
        Merchant.registry_status == "operating", Merchant.dishonest.is_(False))
    for column, value in ((Merchant.county_id, filters.county_id), (Merchant.town_id, filters.town_id),
                          (Merchant.district_id, filters.district_id), (Merchant.trade, filters.trade),
                          (Merchant.tier, filters.tier)):
        if value:
            stmt = stmt.where(column == value)
    if filters.distinguished:
        stmt = stmt.where(Merchant.distinguished.is_(True), (Merchant.distinguished_until.is_(None))
                          | (Merchant.distinguished_until >= local_today()))
    if filters.not_visited:
        stmt = stmt.where(~exists().where(Visit.merchant_id == Merchant.id, Visit.campaign_id == campaign.id))
    if filters.not_listed:
        stmt = stmt.where(~_listed(campaign.id))
    return stmt


def _listed(campaign_id: int):
    return exists().where(Referral.merchant_id == Merchant.id, Referral.campaign_id == campaign_id)


def preview(user: User, campaign: Campaign, filters: Filters, size: int = 20) -> tuple[int, list[Merchant]]:
    """How many merchants the filters select, and the first of them by name."""
    ids = candidates(user, campaign, filters)
    total = db.session.scalar(select(func.count()).select_from(ids.subquery()))
    first = db.session.scalars(select(Merchant).where(Merchant.id.in_(ids)).order_by(Merchant.name, Merchant.id)
                               .limit(size)).all()
    return total, list(first)


@dataclass
class CodeCheck:
    merchant_ids: list[int] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)  # {credit_code, reason}
    adding: list[Merchant] = field(default_factory=list)  # the first names that will be added, by name


PREVIEW_NAMES = 200


def split_codes(text: str) -> list[str]:
    """Credit codes pasted or uploaded: anything between commas, semicolons, spaces or line breaks."""
    return [part for part in re.split(r"[\s,;，；、]+", text or "") if part]


def codes_from_file(path: str, filename: str) -> list[str]:
    """The credit code column of an uploaded .xlsx/.csv (found by its header), else its first column."""
    from crm.imports.parsing import header_field, read_table, text

    column, codes = 0, []
    for number, cells in enumerate(read_table(path, filename)):
        found = next((i for i, cell in enumerate(cells) if header_field(cell)[0] == "credit_code"), None)
        if found is not None and number < 5:
            column, codes = found, []
            continue
        if column < len(cells) and text(cells[column]):
            codes.append(text(cells[column]))
    return codes


def check_codes(user: User, campaign: Campaign, codes: Iterable[str]) -> CodeCheck:
    """Which codes can go on a new list of this drive, and why the others cannot."""
    result, seen, valid = CodeCheck(), set(), []
    for raw in codes:
        try:
            code = validate(raw)
        except CreditCodeError:
            result.rejected.append({"credit_code": raw, "reason": _("not a valid credit code")})
            continue
        if code in seen:
            result.rejected.append({"credit_code": code, "reason": _("listed twice")})
            continue
        seen.add(code)
        valid.append(code)
    found: dict[str, tuple] = {}
    for start in range(0, len(valid), INSERT_BATCH):
        chunk = valid[start:start + INSERT_BATCH]
        rows = db.session.execute(select(Merchant.credit_code, Merchant.id, _listed(campaign.id),
                                         Merchant.registry_status, Merchant.dishonest).where(
            Merchant.credit_code.in_(chunk), merchant_condition(user), regions_condition([campaign.territory_id])))
        found.update({row[0]: tuple(row[1:]) for row in rows})
    registered = _registered([code for code in valid if code not in found])
    for code in valid:
        reason = _code_problem(found.get(code), code in registered)
        if reason:
            result.rejected.append({"credit_code": code, "reason": reason})
        else:
            result.merchant_ids.append(found[code][0])
    result.adding = list(db.session.scalars(select(Merchant).where(Merchant.id.in_(result.merchant_ids[:PREVIEW_NAMES]))
                                            .order_by(Merchant.name, Merchant.id)))
    return result


def _registered(codes: list[str]) -> set[str]:
    """Which of these codes are in the registry at all, whoever may see them."""
    known: set[str] = set()
    for start in range(0, len(codes), INSERT_BATCH):
        known.update(db.session.scalars(select(Merchant.credit_code).where(
            Merchant.credit_code.in_(codes[start:start + INSERT_BATCH]))))
    return known


def _code_problem(row: tuple | None, registered: bool) -> str | None:
    """The true reason a valid code cannot go on the list, or None when it can."""
    if row is None:
        if registered:
            return _("in the registry, but outside your area or this drive's territory")
        return _("not in the registry: never imported, or its row was rejected at import")
    _merchant_id, listed, registry_status, dishonest = row
    if listed:
        return _("already on a list of this drive")
    if registry_status != "operating":
        return _("not trading (%(status)s in the registry)", status=label("registry_status", registry_status))
    if dishonest:
        return _("on the dishonest-persons list")
    return None


def candidate_ids(user: User, campaign: Campaign, filters: Filters, progress: Callable = no_progress) -> list[int]:
    """The merchant ids the filters put on a new list, in id order, reporting to progress(read=, checked=).

    One query reads the filter's merchants, each with whether it is already on a list of the drive
    (looked up by the items' (campaign, merchant) index, never by reading all the drive's items).
    """
    listed = _listed(campaign.id) if filters.not_listed else literal(False)
    rows = db.session.execute(candidates(user, campaign, replace(filters, not_listed=False))
                              .add_columns(listed).order_by(Merchant.id)).all()
    progress(read=len(rows), total=len(rows), phase="check")
    ids = [merchant_id for merchant_id, on_a_list in rows if not on_a_list]
    progress(checked=len(ids))
    return ids


ITEM_COLUMNS = ("list_id", "campaign_id", "merchant_id", "status", "status_changed_at", "created_at", "self_applied")


def create_list(creator: User, campaign: Campaign, name: str, bank_org: Organization, merchants: list[int], *,
                source: str, criteria: dict | None = None,
                progress: Callable = no_progress) -> tuple[ReferralList, int]:
    """A new list with one pending item per merchant id; (list, number of items).

    A county list has tens of thousands of names: the items go in as plain rows (COPY on PostgreSQL),
    reporting to progress(written=) as they do.
    """
    referral_list = ReferralList(campaign_id=campaign.id, name=name, bank_org_id=bank_org.id, source=source,
                                 bureau_org_id=creator.organization_id, created_by_id=creator.id,
                                 criteria=criteria or None)
    db.session.add(referral_list)
    db.session.flush()
    now = utcnow()
    progress(written=0, total=len(merchants), phase="write")
    connection = db.session.connection()
    for start in range(0, len(merchants), INSERT_BATCH):
        rows = [(referral_list.id, campaign.id, merchant_id, "pending", now, now, False)
                for merchant_id in merchants[start:start + INSERT_BATCH]]
        bulk.insert_rows(connection, Referral.__table__, ITEM_COLUMNS, rows)
        progress(written=start + len(rows))
    changes.mark_rows(Referral, select(Referral.id).where(Referral.list_id == referral_list.id), campaign.id)
    ledger.referrals_listed(connection, referral_list.id, local_date(now))
    audit.record("create", referral_list, summary=name, actor=creator,
                 changes={"merchants": len(merchants), "bank_org_id": bank_org.id, "source": source})
    return referral_list, len(merchants)


def hand_over(referral_list: ReferralList, actor: User) -> None:
    """The bank branch sees the list from now on."""
    if referral_list.handed_over_at is None:
        referral_list.handed_over_at = utcnow()
        audit.record("hand_over", referral_list, summary=referral_list.name, actor=actor,
                     changes={"bank_org_id": referral_list.bank_org_id})


def bank_choices(campaign: Campaign) -> list[Organization]:
    """Bank organizations a list of this drive can go to: the drive's bank and its branches."""
    root = db.session.get(Organization, campaign.bank_org_id)
    return list(db.session.scalars(select(Organization).where(Organization.id.in_(root.subtree_ids()))
                                   .order_by(Organization.name)))


# ---- assigning ---------------------------------------------------------------------------------

def account_managers(referral_list: ReferralList) -> list[User]:
    """Account managers of the branch the list was handed to: who its items can go to."""
    from crm.people.models import UserRole

    org_ids = db.session.get(Organization, referral_list.bank_org_id).subtree_ids()
    return list(db.session.scalars(select(User).join(UserRole).where(
        User.organization_id.in_(org_ids), UserRole.role == "account_manager", User.active.is_(True))
        .order_by(User.display_name)))


def contact_deadline(campaign: Campaign, assigned_on: date) -> date:
    """The day by which an item assigned on that (local) day must have been contacted."""
    return assigned_on + timedelta(days=campaign.referral_contact_days)


def assign(items: Iterable[Referral], assignee: User, actor: User, pair: LiaisonPair | None = None) -> int:
    """Give items to an account manager; pending and assigned ones get a fresh contact deadline."""
    count = 0
    for referral in items:
        if referral.status not in OPEN_STATUSES:
            continue
        before = audit.snapshot(referral, ("status", "assignee_id", "deadline_on"))
        if referral.status in ("pending", "assigned"):
            campaign = referral.referral_list.campaign
            referral.deadline_on = contact_deadline(campaign, local_today())
            referral.status = "assigned"
            referral.status_changed_at = utcnow()
        referral.assignee_id = assignee.id
        referral.pair_id = pair.id if pair else None
        referral.assigned_at = utcnow()
        changes = audit.diff(before, audit.snapshot(referral, ("status", "assignee_id", "deadline_on")))
        if changes:
            audit.record("assign", referral, summary=assignee.display_name, changes=changes, actor=actor)
            count += 1
    return count


def auto_assign(referral_list: ReferralList, actor: User) -> tuple[int, int]:
    """Each pending item to the account manager paired with its town; (assigned, left without a pair)."""
    return assign_by_rule(referral_list, "pair", actor)


def pending_items(referral_list: ReferralList, town_id: int | None = None) -> list[Referral]:
    stmt = select(Referral).join(Merchant, Merchant.id == Referral.merchant_id).options(
        contains_eager(Referral.merchant)).where(Referral.list_id == referral_list.id, Referral.status == "pending")
    if town_id:
        stmt = stmt.where(Merchant.town_id == town_id)
    return list(db.session.scalars(stmt.order_by(Referral.id)))


def pair_of_user(campaign_id: int, user: User, region_id: int | None) -> LiaisonPair | None:
    stmt = select(LiaisonPair).where(LiaisonPair.campaign_id == campaign_id, LiaisonPair.account_manager_id == user.id,
                                     LiaisonPair.active.is_(True))
    if region_id:
        stmt = stmt.where(LiaisonPair.region_id == region_id)
    return db.session.scalars(stmt).first()


# ---- the loop back -----------------------------------------------------------------------------

def progress(referral_list: ReferralList, item_condition=None) -> dict:
    """The one definition of a list's progress, used by the page, the export and the API."""
    scope = [Referral.list_id == referral_list.id]
    if item_condition is not None:
        scope.append(item_condition)
    counts = dict.fromkeys(("pending", *FUNNEL, "closed"), 0)
    counts.update(dict(db.session.execute(select(Referral.status, func.count()).where(*scope)
                                          .group_by(Referral.status)).all()))
    reasons = dict.fromkeys(CLOSED_REASONS, 0)
    reasons.update(dict(db.session.execute(select(Referral.closed_reason, func.count()).where(
        *scope, Referral.status == "closed").group_by(Referral.closed_reason)).all()))
    overdue = db.session.scalar(select(func.count()).where(*scope, overdue_condition()))
    merchants = select(Referral.merchant_id).where(*scope)
    granted, drawn = db.session.execute(select(
        func.coalesce(func.sum(Application.granted_amount), 0), func.coalesce(func.sum(Application.drawn_amount), 0))
        .where(Application.campaign_id == referral_list.campaign_id, Application.merchant_id.in_(merchants))).one()
    return {"counts": counts, "total": sum(counts.values()), "overdue": overdue, "closed_reasons": reasons,
            "granted_amount": granted, "drawn_amount": drawn}


def overdue_condition():
    return Referral.status.in_(OVERDUE_STATUSES) & (Referral.deadline_on < local_today())



# ---- assigning by rule (the branch head's bulk assignment) ---------------------------------------
# Each rule is a plain function from the names waiting (item id, town, county) to an account manager
# per item; assign_by_rule() loads what a rule reads and applies its plan.

ASSIGN_RULES = ("pair", "town", "load")


@dataclass(frozen=True)
class Waiting:
    """A name waiting on a list: the item and where its merchant is."""

    referral_id: int
    town_id: int | None
    county_id: int | None


def plan_by_pair(items: Iterable[Waiting], pair_managers: dict[int, int]) -> dict[int, int]:
    """一镇一专员: each name to the account manager paired with its town, else with its county; names
    with no pair are left out of the plan."""
    plan = {}
    for item in items:
        manager = pair_managers.get(item.town_id) or pair_managers.get(item.county_id)
        if manager:
            plan[item.referral_id] = manager
    return plan


def _lightest(loads: dict[int, int]) -> int:
    return min(loads, key=lambda manager: (loads[manager], manager))


def plan_by_town(items: Iterable[Waiting], pair_managers: dict[int, int], loads: dict[int, int]) -> dict[int, int]:
    """Each town's names together to one account manager: the town's pair, else the one with the
    lightest load at that moment (a town without a pair still gets someone, and stays whole)."""
    loads = dict(loads)
    by_town: dict[int | None, list[Waiting]] = {}
    for item in items:
        by_town.setdefault(item.town_id, []).append(item)
    plan = {}
    for town_id in sorted(by_town, key=lambda t: (t is None, t or 0)):
        group = by_town[town_id]
        manager = pair_managers.get(town_id) or pair_managers.get(group[0].county_id)
        if not manager and loads:
            manager = _lightest(loads)
        if not manager:
            continue
        loads[manager] = loads.get(manager, 0) + len(group)
        plan.update({item.referral_id: manager for item in group})
    return plan


def plan_evenly(items: Iterable[Waiting], loads: dict[int, int]) -> dict[int, int]:
    """Evenly by load: each name in turn to the account manager holding the fewest open names."""
    loads = dict(loads)
    plan = {}
    if not loads:
        return plan
    for item in items:
        manager = _lightest(loads)
        plan[item.referral_id] = manager
        loads[manager] += 1
    return plan


def open_loads(manager_ids: Iterable[int], campaign_id: int | None = None) -> dict[int, int]:
    """Open names (assigned and on) each account manager holds now, 0 for none."""
    manager_ids = list(manager_ids)
    stmt = select(Referral.assignee_id, func.count()).where(
        Referral.assignee_id.in_(manager_ids), Referral.status.in_([s for s in OPEN_STATUSES if s != "pending"]))
    if campaign_id is not None:
        stmt = stmt.where(Referral.campaign_id == campaign_id)
    counts = dict(db.session.execute(stmt.group_by(Referral.assignee_id)).all())
    return {manager: counts.get(manager, 0) for manager in manager_ids}


def assign_by_rule(referral_list: ReferralList, rule: str, actor: User) -> tuple[int, int]:
    """Assign the list's waiting names by a rule of ASSIGN_RULES; (assigned, left waiting)."""
    if rule not in ASSIGN_RULES:
        raise ValueError(rule)
    managers = {u.id: u for u in account_managers(referral_list)}
    pairs = {p.region_id: p for p in db.session.scalars(select(LiaisonPair).where(
        LiaisonPair.campaign_id == referral_list.campaign_id, LiaisonPair.active.is_(True),
        LiaisonPair.account_manager_id.in_(list(managers))))}
    pair_managers = {region_id: p.account_manager_id for region_id, p in pairs.items()}
    items = pending_items(referral_list)
    waiting = [Waiting(r.id, r.merchant.town_id, r.merchant.county_id) for r in items]
    if rule == "pair":
        plan = plan_by_pair(waiting, pair_managers)
    elif rule == "town":
        plan = plan_by_town(waiting, pair_managers, open_loads(managers, referral_list.campaign_id))
    else:
        plan = plan_evenly(waiting, open_loads(managers, referral_list.campaign_id))
    assigned = 0
    for referral in items:
        manager = plan.get(referral.id)
        if manager is None:
            continue
        town_pair = pairs.get(referral.merchant.town_id) or pairs.get(referral.merchant.county_id)
        pair = town_pair if town_pair and town_pair.account_manager_id == manager else None
        assigned += assign([referral], managers[manager], actor, pair)
    return assigned, len(items) - assigned
