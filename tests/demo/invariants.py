"""What a user of the demo would notice if the generator contradicted itself.

demo_problems() reads a built demo back from the database and lists every fact that does not
follow from the facts it was derived from: a referral whose status claims a visit, application or
grant that does not exist, a visit in the future or before the drive, a follow-up without its
visit, a plaque numbered in the wrong year, counts the README promises. An empty list means the
demo is consistent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from sqlalchemy import select

from crm.campaigns.models import Campaign, LiaisonPair
from crm.events.models import Event
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.plaques.models import Plaque
from crm.referrals.models import Referral, ReferralList
from crm.referrals.operations import FUNNEL, application_stage
from crm.regions.models import Region
from crm.timeutil import local_date, local_today, utcnow
from crm.visits.models import Application, FollowUp, Need, Visit

COUNTIES = 12
DRIVE_MONTHS = 6  # the drive began five months before the current one


def demo_problems(merchants_asked: int) -> list[str]:
    """Every inconsistency in the demo drive in the database; [] when there is none."""
    today, now = local_today(), utcnow()
    s = db.session
    campaign = s.scalar(select(Campaign))
    visits = s.scalars(select(Visit)).all()
    problems: list[str] = []
    problems += _territory_problems()
    problems += _drive_problems(campaign, today, visits, merchants_asked)
    problems += _visit_problems(campaign, today, now, visits)
    problems += _history_problems(campaign, today, now, {v.id: v for v in visits})
    problems += _referral_problems(campaign, now, visits)
    problems += _event_problems(campaign, today, now, visits)
    problems += _plaque_problems(now, visits)
    return problems


def _territory_problems() -> list[str]:
    s = db.session
    problems = []
    counties = s.scalars(select(Region).where(Region.level == "county")).all()
    if len(counties) != COUNTIES:
        problems.append(f"{len(counties)} counties instead of {COUNTIES}")
    towns = s.scalars(select(Region.id).where(Region.level == "town")).all()
    pair_towns = Counter(s.scalars(select(LiaisonPair.region_id)).all())
    if set(pair_towns) != set(towns) or any(n != 1 for n in pair_towns.values()):
        problems.append("not exactly one liaison pair per town")
    return problems


def _drive_problems(campaign, today, visits, merchants_asked: int) -> list[str]:
    problems = []
    if not campaign.starts_on < today < campaign.ends_on:
        problems.append(f"the drive ({campaign.starts_on}–{campaign.ends_on}) is not on today {today}")
    merchants = db.session.query(Merchant).count()
    if not 0.95 * merchants_asked <= merchants <= merchants_asked:
        problems.append(f"{merchants} merchants for {merchants_asked} asked")
    months = {(v.visited_on.year, v.visited_on.month) for v in visits}
    if merchants_asked >= 1000 and len(months) < DRIVE_MONTHS - 1:
        problems.append(f"visits in only {len(months)} months")
    return problems


def _visit_problems(campaign, today, now, visits) -> list[str]:
    problems = []
    for v in visits:
        if not campaign.starts_on <= v.visited_on <= today:
            problems.append(f"visit {v.id} on {v.visited_on}, outside the drive so far")
        if local_date(v.visited_at) != v.visited_on:
            problems.append(f"visit {v.id}: visited at {v.visited_at} UTC is not on {v.visited_on}")
        if v.visited_at > now or v.created_at > now or v.created_at < v.visited_at:
            problems.append(f"visit {v.id} recorded in the future or before it happened")
    return problems


def _history_problems(campaign, today, now, visit_by_id: dict[int, Visit]) -> list[str]:
    s = db.session
    problems = []
    for f in s.scalars(select(FollowUp)).all():
        source = visit_by_id.get(f.source_visit_id)
        if source is None or source.merchant_id != f.merchant_id:
            problems.append(f"follow-up {f.id} belongs to no visit of its merchant")
            continue
        done = visit_by_id.get(f.done_visit_id)
        if (f.status == "done") != (done is not None):
            problems.append(f"follow-up {f.id} is {f.status} with done visit {f.done_visit_id}")
        elif done and (done.merchant_id != f.merchant_id or done.visited_at <= source.visited_at):
            problems.append(f"follow-up {f.id} done by a visit that does not follow its source")
        if f.due_on <= source.visited_on or f.created_at > now:
            problems.append(f"follow-up {f.id} due before its visit or created in the future")
    needs = {n.id: n for n in s.scalars(select(Need)).all()}
    for n in needs.values():
        visit = visit_by_id.get(n.visit_id)
        if visit is None or visit.merchant_id != n.merchant_id or visit.visited_on != n.opened_on:
            problems.append(f"need {n.id} was not opened by a visit of its merchant on {n.opened_on}")
        if n.due_on != n.opened_on + timedelta(days=campaign.need_due_days):
            problems.append(f"need {n.id} due {n.due_on}, not the drive's {campaign.need_due_days} days after")
        if (n.status == "closed") != (n.closed_on is not None) or (
            n.closed_on and not n.opened_on <= n.closed_on <= today
        ):
            problems.append(f"need {n.id} is {n.status} with closed_on {n.closed_on}")
    for a in s.scalars(select(Application)).all():
        need = needs.get(a.need_id)
        if (
            need is None
            or need.merchant_id != a.merchant_id
            or need.visit_id not in visit_by_id
            or a.created_at < visit_by_id[need.visit_id].visited_at
        ):
            problems.append(f"application {a.id} does not follow a need (and its visit) of its merchant")
        steps = [a.applied_on, a.granted_on or a.declined_on, a.drawn_on]
        present = [d for d in steps if d is not None]
        if present != sorted(present) or present[-1] > today or a.created_at > now or a.updated_at > now:
            problems.append(f"application {a.id}: steps {steps} out of order or in the future")
        if a.granted_on and a.declined_on or (a.drawn_on and not a.granted_on):
            problems.append(f"application {a.id} both granted and declined, or drawn without a grant")
        if (a.granted_on is None) != (a.granted_amount is None) or (a.drawn_on is None) != (a.drawn_amount is None):
            problems.append(f"application {a.id}: dates and amounts disagree")
    return problems


def _referral_problems(campaign, now, visits) -> list[str]:
    """Each status has the facts it needs, and no open item is behind what its merchant did."""
    s = db.session
    handed = dict(s.execute(select(ReferralList.id, ReferralList.handed_over_at)).all())
    visits_of = defaultdict(list)
    for v in visits:
        visits_of[v.merchant_id].append(v)
    applications_of = defaultdict(list)
    for a in s.scalars(select(Application)).all():
        applications_of[a.merchant_id].append(a)
    problems = []
    for r in s.scalars(select(Referral)).all():
        after = [v for v in visits_of[r.merchant_id] if v.visited_at >= handed[r.list_id]]
        apps = applications_of[r.merchant_id]
        stage = max((application_stage(a) for a in apps), key=FUNNEL.index, default="visited" if after else None)
        facts = {
            "visited": bool(after),
            "applied": bool(apps),
            "granted": any(a.granted_amount for a in apps),
            "drawn": any(a.drawn_amount for a in apps),
        }
        needed = {"no_need": "visited", "declined": "applied"}.get(r.closed_reason, r.status)
        if needed in facts and not facts[needed]:
            problems.append(f"referral {r.id} is {r.status}/{r.closed_reason} but the merchant was not {needed}")
        if r.closed_reason == "declined" and not any(a.declined_on for a in apps):
            problems.append(f"referral {r.id} closed as declined without a declined application")
        if r.status != "closed" and (r.closed_reason or r.closed_note):
            problems.append(f"referral {r.id} is {r.status} with a closing reason")
        if r.status == "closed" and not r.closed_reason:
            problems.append(f"referral {r.id} closed without a reason")
        if r.status in FUNNEL and stage and FUNNEL.index(r.status) < FUNNEL.index(stage):
            problems.append(f"referral {r.id} is {r.status} though the merchant reached {stage}")
        assigned = (r.assignee_id, r.assigned_at, r.deadline_on)
        if (r.status == "pending") != (assigned == (None, None, None)) or None in assigned and r.status != "pending":
            problems.append(f"referral {r.id} is {r.status} with assignment {assigned}")
        contact = timedelta(days=campaign.referral_contact_days)
        if r.assigned_at and r.deadline_on != local_date(r.assigned_at) + contact:
            problems.append(f"referral {r.id} assigned {r.assigned_at} UTC with deadline {r.deadline_on}")
        moments = [r.created_at, r.assigned_at, r.status_changed_at]
        present = [m for m in moments if m is not None]
        if present != sorted(present) or present[-1] > now or handed[r.list_id] > now:
            problems.append(f"referral {r.id}: created, assigned, changed {moments} out of order or in the future")
    return problems


def _event_problems(campaign, today, now, visits) -> list[str]:
    events = {e.id: e for e in db.session.scalars(select(Event)).all()}
    problems = []
    for e in events.values():
        if e.status == "held" and not (e.held_on and campaign.starts_on <= e.held_on <= today):
            problems.append(f"event {e.id} held on {e.held_on}, outside the drive so far")
        if e.status == "planned" and not today <= e.planned_on <= campaign.ends_on:
            problems.append(f"event {e.id} still planned for {e.planned_on}, past or after the drive")
        if e.created_at > now:
            problems.append(f"event {e.id} created in the future")
    for v in visits:
        if v.event_id is not None:
            event = events[v.event_id]
            if event.status != "held" or event.held_on != v.visited_on:
                problems.append(f"visit {v.id} belongs to event {event.id} not held that day")
    return problems


def _plaque_problems(now, visits) -> list[str]:
    visited = {v.merchant_id for v in visits}
    problems = []
    approved = []
    for p in db.session.scalars(select(Plaque)).all():
        if p.merchant_id not in visited:
            problems.append(f"plaque {p.id} for a merchant nobody visited")
        if p.nominated_at > now or (p.decided_at and not p.nominated_at <= p.decided_at <= now):
            problems.append(f"plaque {p.id} nominated or decided in the future or out of order")
        if (p.status == "approved") != (p.number is not None and p.decided_at is not None):
            problems.append(f"plaque {p.id} is {p.status} with number {p.number}")
        if p.status == "approved":
            approved.append(p)
    serials: dict[int, int] = defaultdict(int)
    for p in sorted(approved, key=lambda p: (p.decided_at, p.id)):
        year = local_date(p.decided_at).year
        serials[year] += 1
        if p.number != f"SB-{year}-{serials[year]:04d}":
            problems.append(f"plaque {p.id} numbered {p.number}, approved as no. {serials[year]} of {year}")
    return problems

