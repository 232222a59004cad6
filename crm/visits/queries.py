"""Read side of field work: the account manager's agenda, the needs ledger, a merchant's timeline."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from crm.auth.scoping import (
    campaign_condition,
    can_edit_application,
    can_edit_visit,
    merchant_phone,
    own_pairs,
    pair_condition,
    regions_condition,
    work_condition,
)
from crm.campaigns.models import LiaisonPair
from crm.events.models import Event
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.people.models import User
from crm.plaques.models import Plaque
from crm.referrals.models import OPEN_STATUSES, Referral
from crm.timeutil import local_date, local_today, utcnow
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


# ---- the phone's own copy: the merchants of the account manager's area -------------------------

SYNC_OVERLAP = timedelta(minutes=2)  # a row committed while the last sync ran is sent again, not missed
FLAGGED_LIMIT = 200


@dataclass
class AreaMerchants:
    """What a phone keeps for search offline: every merchant of the user's pairs' towns (full) or
    those changed since the phone's last sync (delta); `fingerprint` names the set of ids, so a
    merchant leaving the area makes the next sync a full one."""

    synced_at: datetime
    full: bool
    fingerprint: str
    rows: list[dict]


def area_condition(user: User):
    """The account manager's own area: the towns (or districts) of their active pairs."""
    return regions_condition([p.region_id for p in own_pairs(user) if p.account_manager_id == user.id])


def area_merchants(user: User, since: datetime | None, fingerprint: str | None) -> AreaMerchants:
    synced_at = utcnow()
    ids = list(db.session.scalars(select(Merchant.id).where(area_condition(user)).order_by(Merchant.id)))
    current = hashlib.sha1(",".join(map(str, ids)).encode()).hexdigest()[:16]
    full = since is None or fingerprint != current
    stmt = select(Merchant).options(joinedload(Merchant.district), joinedload(Merchant.town)).where(
        area_condition(user))
    if not full:
        touched = select(Visit.merchant_id).where(Visit.created_at >= since - SYNC_OVERLAP)
        stmt = stmt.where(or_(Merchant.updated_at >= since - SYNC_OVERLAP, Merchant.id.in_(touched)))
    merchants = list(db.session.scalars(stmt.order_by(Merchant.id)))
    last = _last_visits(user, select(Merchant.id).where(area_condition(user)))
    rows = [{"id": m.id, "code": m.credit_code, "name": m.name, "initials": m.name_initials or "",
             "phone": merchant_phone(m, user) if m.operator_phone else None,
             "district": (m.district or m.town).name if (m.district or m.town) else None,
             "last_visit": last[m.id].isoformat() if m.id in last else None} for m in merchants]
    return AreaMerchants(synced_at, full, current, rows)


def _last_visits(user: User, merchant_ids: Select) -> dict[int, date]:
    return dict(db.session.execute(
        select(Visit.merchant_id, func.max(Visit.visited_on))
        .where(Visit.merchant_id.in_(merchant_ids), campaign_condition(user, Visit.campaign_id))
        .group_by(Visit.merchant_id)).all())


# ---- visits far from where they claim to be ----------------------------------------------------

@dataclass
class PairLocationShare:
    pair: LiaisonPair
    visits: int
    flagged: int

    @property
    def share(self) -> float:
        return self.flagged / self.visits if self.visits else 0.0


def location_shares(user: User) -> list[PairLocationShare]:
    """Per pair the user may see: visits, and how many were flagged (far or without position)."""
    pairs = list(db.session.scalars(select(LiaisonPair).where(pair_condition(user)).order_by(LiaisonPair.id)))
    counts = {pair_id: (total, flagged) for pair_id, total, flagged in db.session.execute(
        select(Visit.pair_id, func.count(), func.count(Visit.location_flag))
        .where(Visit.pair_id.in_([p.id for p in pairs])).group_by(Visit.pair_id))}
    return [PairLocationShare(p, *counts.get(p.id, (0, 0))) for p in pairs]


def flagged_visits(user: User, pair_ids: list[int]) -> list[Visit]:
    return list(db.session.scalars(
        select(Visit).options(joinedload(Visit.merchant), joinedload(Visit.author))
        .where(Visit.pair_id.in_(pair_ids), Visit.location_flag.is_not(None))
        .order_by(Visit.visited_at.desc(), Visit.id.desc()).limit(FLAGGED_LIMIT)))
