"""Read side of field work: the account manager's agenda, the needs ledger, a merchant's timeline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload, selectinload

from crm.auth.scoping import campaign_condition, can_edit_application, can_edit_visit, work_condition
from crm.campaigns.models import LiaisonPair
from crm.events.models import Event
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.people.models import User
from crm.plaques.models import Plaque
from crm.referrals.models import OPEN_STATUSES, Referral
from crm.timeutil import local_date, local_today
from crm.visits.models import Application, FollowUp, Need, Visit

AGENDA_DAYS_AHEAD = 7  # what is due within a week counts as "due"
AGENDA_LIMIT = 20  # a phone screen or two; the soonest first
TIMELINE_LIMIT = 100
NEED_STATES = ("open", "overdue", "closed", "all")


@dataclass
class PairDay:
    """A pair and its joint visit day this month (None: not planned yet)."""

    pair: LiaisonPair
    event: Event | None


@dataclass
class Agenda:
    today: date
    follow_ups: list[FollowUp]
    referrals: list[Referral]
    joint_visit_days: list[PairDay]
    needs: list[Need]
    limit: int = AGENDA_LIMIT


def agenda(user: User) -> Agenda:
    """What the Today page and GET /api/v1/me/agenda show: due work, soonest first."""
    today = local_today()
    horizon = today + timedelta(days=AGENDA_DAYS_AHEAD)
    follow_ups = db.session.scalars(
        select(FollowUp).options(joinedload(FollowUp.merchant))
        .where(FollowUp.assignee_id == user.id, FollowUp.status == "planned", FollowUp.due_on <= horizon)
        .order_by(FollowUp.due_on, FollowUp.id).limit(AGENDA_LIMIT))
    referrals = db.session.scalars(
        select(Referral).options(selectinload(Referral.merchant))
        .where(Referral.assignee_id == user.id, Referral.status.in_(OPEN_STATUSES))
        .order_by(Referral.deadline_on.is_(None), Referral.deadline_on, Referral.id).limit(AGENDA_LIMIT))
    needs = db.session.scalars(
        select(Need).options(joinedload(Need.merchant))
        .where(Need.owner_id == user.id, Need.status == "open", Need.due_on <= horizon)
        .order_by(Need.due_on, Need.id).limit(AGENDA_LIMIT))
    return Agenda(today, list(follow_ups), list(referrals), joint_visit_days(user, today), list(needs))


def joint_visit_days(user: User, today: date) -> list[PairDay]:
    pairs = list(db.session.scalars(
        select(LiaisonPair).options(joinedload(LiaisonPair.region)).where(
            LiaisonPair.active.is_(True),
            or_(LiaisonPair.account_manager_id == user.id, LiaisonPair.liaison_id == user.id),
        ).order_by(LiaisonPair.id)))
    if not pairs:
        return []
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    events = db.session.scalars(select(Event).where(
        Event.kind == "joint_visit_day", Event.pair_id.in_([p.id for p in pairs]), Event.status != "cancelled",
        Event.planned_on >= first, Event.planned_on < following).order_by(Event.planned_on))
    by_pair: dict[int, Event] = {}
    for event in events:
        by_pair.setdefault(event.pair_id, event)
    return [PairDay(pair, by_pair.get(pair.id)) for pair in pairs]


def needs_for(user: User, state: str = "open") -> Select:
    """The needs ledger (需求台账) as the user may see it; overdue needs first among open ones."""
    stmt = select(Need).options(joinedload(Need.merchant), joinedload(Need.owner)).where(
        work_condition(user, Need, Need.owner_id))
    today = local_today()
    if state == "closed":
        return stmt.where(Need.status == "closed").order_by(Need.closed_on.desc(), Need.id.desc())
    if state == "overdue":
        stmt = stmt.where(Need.status == "open", Need.due_on < today)
    elif state == "open":
        stmt = stmt.where(Need.status == "open")
    return stmt.order_by(Need.status.desc(), Need.due_on, Need.id)


@dataclass
class TimelineEntry:
    on: date
    kind: str  # visit | need | application | referral | plaque
    item: object
    editable: bool = False  # the user may correct the visit / record the application's outcome


def merchant_timeline(merchant: Merchant, user: User) -> list[TimelineEntry]:
    """One merchant's story, newest first: visits (with photos and map point), needs, applications,
    referrals and plaques, in the drives the user may see."""

    def rows(model, *options, order):
        return db.session.scalars(
            select(model).options(*options)
            .where(model.merchant_id == merchant.id, campaign_condition(user, model.campaign_id))
            .order_by(order.desc()).limit(TIMELINE_LIMIT))

    entries = [TimelineEntry(v.visited_on, "visit", v, can_edit_visit(v, user)) for v in rows(
        Visit, selectinload(Visit.photos), joinedload(Visit.author), order=Visit.visited_at)]
    entries += [TimelineEntry(n.opened_on, "need", n) for n in rows(Need, joinedload(Need.owner), order=Need.id)]
    entries += [TimelineEntry(a.applied_on, "application", a, can_edit_application(a, user))
                for a in rows(Application, joinedload(Application.product), order=Application.applied_on)]
    entries += [TimelineEntry(local_date(r.created_at), "referral", r)
                for r in rows(Referral, joinedload(Referral.referral_list), order=Referral.created_at)]
    entries += [TimelineEntry(local_date(p.nominated_at), "plaque", p) for p in rows(Plaque, order=Plaque.nominated_at)]
    order = {"visit": 0, "need": 1, "application": 2, "referral": 3, "plaque": 4}
    return sorted(entries, key=lambda e: (e.on, -order[e.kind]), reverse=True)
