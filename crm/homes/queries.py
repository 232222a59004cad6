"""What each role's home shows: the liaison's lists and what became of each name, the branch head's
names to assign and each account manager's load. Every query is bounded (a few lists, a branch's
account managers), so a home opens fast at province scale."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, lazyload

from crm.auth.scoping import liaison_list_condition, referral_condition
from crm.campaigns.models import LiaisonPair
from crm.extensions import db
from crm.people.models import User, UserRole
from crm.referrals.models import OPEN_STATUSES, Referral, ReferralList
from crm.referrals.operations import FUNNEL, overdue_condition
from crm.timeutil import local_today, to_utc_naive
from crm.visits.models import FollowUp, Visit

HOME_LISTS = 8  # the latest lists on a liaison's home
HOME_NAMES = 15  # overdue names shown; the list page has the rest


@dataclass
class ListProgress:
    referral_list: ReferralList
    counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def moved(self) -> int:
        """Names past "assigned": contacted, visited, applied, granted, drawn or closed."""
        return self.total - self.counts.get("pending", 0) - self.counts.get("assigned", 0)


def list_progress(user: User, lists: list[ReferralList]) -> list[ListProgress]:
    """Per list, how many of the names the user may see are at each status, and how many are overdue."""
    rows = {r.id: ListProgress(r) for r in lists}
    if rows:
        for list_id, status, count, overdue in db.session.execute(
                select(Referral.list_id, Referral.status, func.count(),
                       func.sum(case((overdue_condition(), 1), else_=0)))
                .where(Referral.list_id.in_(list(rows)), referral_condition(user))
                .group_by(Referral.list_id, Referral.status)):
            rows[list_id].counts[status] = count
            rows[list_id].overdue += int(overdue or 0)
    return list(rows.values())


def latest_lists(user: User, limit: int = HOME_LISTS) -> list[ReferralList]:
    """The liaison's latest lists: made by their office or naming merchants of their area."""
    return list(db.session.scalars(
        select(ReferralList).options(joinedload(ReferralList.bank_org)).where(liaison_list_condition(user))
        .order_by(ReferralList.created_at.desc(), ReferralList.id.desc()).limit(limit)))


def overdue_names(user: User, list_ids: list[int], limit: int = HOME_NAMES) -> list[Referral]:
    """Names past their contact deadline on these lists, the oldest deadline first."""
    if not list_ids:
        return []
    return list(db.session.scalars(
        select(Referral).options(joinedload(Referral.merchant), joinedload(Referral.referral_list),
                                 joinedload(Referral.assignee).lazyload(User.role_rows))  # the name is shown
        .where(Referral.list_id.in_(list_ids), referral_condition(user), overdue_condition())
        .order_by(Referral.deadline_on, Referral.id).limit(limit)))


@dataclass
class PairMonth:
    pair: LiaisonPair
    visits: int
    merchants: int


def pair_months(pairs: list[LiaisonPair], today: date | None = None) -> list[PairMonth]:
    """This month's visits and merchants visited, per pair."""
    today = today or local_today()
    if not pairs:
        return []
    since = to_utc_naive(datetime.combine(today.replace(day=1), time()))
    counts = {pair_id: (visits, merchants) for pair_id, visits, merchants in db.session.execute(
        select(Visit.pair_id, func.count(), func.count(Visit.merchant_id.distinct()))
        .where(Visit.pair_id.in_([p.id for p in pairs]), Visit.visited_at >= since).group_by(Visit.pair_id))}
    return [PairMonth(p, *counts.get(p.id, (0, 0))) for p in pairs]


# ---- the branch head ----------------------------------------------------------------------------

def _branch_lists(user: User):
    return select(ReferralList).where(ReferralList.bank_org_id.in_(user.organization.subtree_ids()),
                                      ReferralList.handed_over_at.is_not(None))


def lists_to_assign(user: User) -> list[tuple[ReferralList, int]]:
    """Lists handed to the user's branch with names nobody was given yet, and how many, oldest first."""
    waiting = (select(Referral.list_id, func.count().label("waiting"))
               .where(Referral.status == "pending",
                      Referral.list_id.in_(_branch_lists(user).with_only_columns(ReferralList.id)))
               .group_by(Referral.list_id).subquery())
    return list(db.session.execute(
        select(ReferralList, waiting.c.waiting).join(waiting, waiting.c.list_id == ReferralList.id)
        .order_by(ReferralList.handed_over_at, ReferralList.id)))


def handed_over_since(user: User, since: date) -> list[tuple[ReferralList, int]]:
    """Lists handed to the user's branch since a day, with how many names each, newest first."""
    start = to_utc_naive(datetime.combine(since, time()))
    names = (select(func.count()).where(Referral.list_id == ReferralList.id)
             .correlate(ReferralList).scalar_subquery())
    return list(db.session.execute(
        _branch_lists(user).add_columns(names).where(ReferralList.handed_over_at >= start)
        .order_by(ReferralList.handed_over_at.desc(), ReferralList.id.desc())))


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class ManagerLoad:
    user: User
    open_names: int = 0
    overdue_names: int = 0
    overdue_follow_ups: int = 0


def branch_managers(user: User) -> list[User]:
    return list(db.session.scalars(select(User).options(lazyload(User.role_rows)).join(UserRole).where(
        User.organization_id.in_(user.organization.subtree_ids()), UserRole.role == "account_manager",
        User.active.is_(True)).order_by(User.display_name, User.id)))


def manager_loads(managers: list[User]) -> list[ManagerLoad]:
    """Per account manager: open names, names past their contact deadline, follow-ups past due;
    the most overdue first."""
    rows = {u.id: ManagerLoad(u) for u in managers}
    if not rows:
        return []
    for assignee, count, overdue in db.session.execute(
            select(Referral.assignee_id, func.count(), func.sum(case((overdue_condition(), 1), else_=0)))
            .where(Referral.assignee_id.in_(list(rows)), Referral.status.in_(OPEN_STATUSES))
            .group_by(Referral.assignee_id)):
        rows[assignee].open_names, rows[assignee].overdue_names = count, int(overdue or 0)
    for assignee, count in db.session.execute(
            select(FollowUp.assignee_id, func.count()).where(
                FollowUp.assignee_id.in_(list(rows)), FollowUp.status == "planned", FollowUp.due_on < local_today())
            .group_by(FollowUp.assignee_id)):
        rows[assignee].overdue_follow_ups = count
    return sorted(rows.values(), key=lambda r: (-(r.overdue_names + r.overdue_follow_ups), -r.open_names,
                                                 r.user.display_name))


FUNNEL_SHOWN = ("pending", *FUNNEL, "closed")
