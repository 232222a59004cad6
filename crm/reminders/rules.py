"""The reminder rules: each a plain function rule(now, campaign) → [ReminderDraft].

A rule selects, with one set-based query, only the reminders that do not exist yet (an anti-join
on the reminder key), so a second sweep finds nothing. Each draft carries its key
(rule, subject_key, recipient_id, period); the unique constraint on that key makes it exist once.
Digests (one reminder per person per day, listing counts) keep the inbox readable at scale.
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import String, and_, cast, exists, func, literal, or_, select, union
from sqlalchemy.orm import aliased
from werkzeug.routing import BuildError

from crm.campaigns.coverage import district_meets_rule, has_rule, visited_by_district
from crm.campaigns.models import Campaign, CampaignLead, LiaisonPair
from crm.campaigns.rules import event_quota, period_code, period_end, period_start
from crm.dates import month_bounds
from crm.events.models import Event
from crm.events.queries import meetings_held_by_county
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.people.models import User, UserRole
from crm.plaques.models import Plaque
from crm.referrals.models import Referral
from crm.regions.models import Region
from crm.reminders.models import Reminder
from crm.reminders.settings import TARGETS, is_working_day, next_working_day, rule_settings
from crm.reports import facts
from crm.timeutil import LOCAL_TZ
from crm.visits.models import FollowUp, Need

SAMPLE_SIZE = 5  # items named in a digest's body; the subject gives the full count


@dataclass(frozen=True)
class ReminderDraft:
    rule: str
    subject_key: str
    recipient_id: int
    period: str
    subject: str
    body: str | None
    link: str | None
    due_on: date | None


@dataclass(frozen=True)
class Moment:
    """The local day and hour a rule runs for, with the drive's settings for that rule."""

    today: date
    settings: dict


RuleFunction = Callable[[datetime, Campaign], list[ReminderDraft]]
RULES: dict[str, RuleFunction] = {}
TITLES = {
    "follow_up_due": _l("Follow-ups due tomorrow (morning digest)"),
    "follow_up_overdue": _l("Overdue follow-ups (morning digest)"),
    "referral_deadline": _l("Referral contact deadlines (morning digest; the branch head's when long overdue)"),
    "need_overdue": _l("Needs past their deadline (morning digest for the owner)"),
    "joint_visit_day": _l("Joint visit days: unplanned by the 5th, the day before, unrecorded after"),
    "matchmaking_quota": _l("Counties without a matchmaking meeting late in the quarter"),
    "coverage_shortfall": _l("Districts below the coverage rule before the drive ends"),
    "plaque_review": _l("Plaque holders flagged by a registry change"),
    "campaign_ending": _l("Drive ending with figures still short"),
}


def local_moment(now: datetime) -> datetime:
    """An aware moment, or naive UTC (how the database stores time), in Asia/Shanghai."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(LOCAL_TZ)


def drive_rules(campaign: Campaign) -> list[str]:
    """The rules that can speak on this drive: no coverage shortfall where the drive has no coverage rule."""
    return [name for name in TITLES if name != "coverage_shortfall" or has_rule(campaign)]


def rule(name: str):
    """Register a rule; it runs for a drive only when switched on, after its hour, on the right days."""

    def register(body: Callable[[Moment, Campaign], list[ReminderDraft]]) -> RuleFunction:
        @functools.wraps(body)
        def run(now: datetime, campaign: Campaign) -> list[ReminderDraft]:
            moment = local_moment(now)
            settings = rule_settings(campaign, name)
            if not settings["enabled"] or moment.hour < int(settings["hour"]):
                return []
            if settings["working_days_only"] and not is_working_day(moment.date(), campaign):
                return []
            return body(Moment(moment.date(), settings), campaign)

        RULES[name] = run
        return run

    return register


# ---- shared pieces ----------------------------------------------------------------------------

def link_to(endpoint: str, **values) -> str | None:
    """The path of a page, or None while the area that owns it has no such page."""
    try:
        return current_app.url_map.bind("localhost").build(endpoint, values)
    except BuildError:
        return None


def key_expr(prefix: str, column):
    """SQL for the subject key "prefix:<id>", equal to what key() makes in Python."""
    return literal(f"{prefix}:", String) + cast(column, String)


def key(prefix: str, value) -> str:
    return f"{prefix}:{value}"


def not_reminded(rule_name: str, subject_key, recipient, period):
    """The anti-join: no reminder with this key exists yet."""
    return ~exists().where(
        Reminder.rule == rule_name, Reminder.subject_key == subject_key,
        Reminder.recipient_id == recipient, Reminder.period == period,
    )


def active_user(column):
    return column.in_(select(User.id).where(User.active.is_(True)))


def _chunks(values: list, size: int = 900) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _body(lines: list[str], total: int) -> str:
    more = total - len(lines)
    tail = [_("… and %(num)d more", num=more)] if more > 0 else []
    return "\n".join(lines + tail)


def _line(name_column, day_column):
    """A sample line, "merchant name (2025-07-14)", built in SQL: the samples need no per-row work."""
    return name_column + literal(" (", String) + cast(day_column, String) + literal(")", String)


def pair_members(pairs_stmt) -> object:
    """(pair row columns …, recipient_id) for both members of each pair in the statement."""
    pairs = pairs_stmt.subquery()
    return union(
        select(pairs, pairs.c.liaison_id.label("recipient_id")),
        select(pairs, pairs.c.account_manager_id.label("recipient_id")),
    ).subquery()


def lead_ids(campaign: Campaign) -> list[int]:
    return list(db.session.scalars(
        select(CampaignLead.user_id).where(CampaignLead.campaign_id == campaign.id, active_user(CampaignLead.user_id))
    ))


def county_ids(campaign: Campaign) -> list[int]:
    territory = campaign.territory
    if territory.level == "county":
        return [territory.id]
    return list(db.session.scalars(
        select(Region.id).where(Region.parent_id == territory.id, Region.level == "county")
    ))


def _draft(rule_name: str, subject_key: str, recipient_id: int, period: str, subject: str,
           body: str | None = None, link: str | None = None, due_on: date | None = None) -> ReminderDraft:
    return ReminderDraft(rule_name, subject_key, recipient_id, period, subject[:200], body, link, due_on)


def _fresh(rule_name: str, subject_key: str, period: str, recipients: Iterable[int]) -> list[int]:
    """The recipients not yet reminded under this key (for the few rules with small candidate sets)."""
    wanted = sorted(set(recipients))
    if not wanted:
        return []
    done = set(db.session.scalars(select(Reminder.recipient_id).where(
        Reminder.rule == rule_name, Reminder.subject_key == subject_key, Reminder.period == period,
        Reminder.recipient_id.in_(wanted),
    )))
    return [r for r in wanted if r not in done]


# ---- morning digests: one reminder a day per person, with counts and the first few items -------

@dataclass(frozen=True)
class DigestQuery:
    """Open items (follow-ups, needs, referrals) grouped by the person to remind."""

    model: type
    recipient: object  # the column (or aliased user id) that names the person
    day: object  # the item's due date: digests name the earliest first
    conditions: tuple
    joins: tuple = ()
    counts: tuple = ()  # (label, condition): counts by kind within the digest

    def select(self, *columns, with_merchant: bool = False):
        stmt = select(*columns).select_from(self.model)
        if with_merchant:
            stmt = stmt.join(Merchant, Merchant.id == self.model.merchant_id)
        for target, on in self.joins:
            stmt = stmt.join(target, on)
        return stmt.where(*self.conditions)


def digests(rule_name: str, subject_key: str, period: str, query: DigestQuery) -> list[tuple]:
    """[(row with recipient_id, total, first_due and the named counts, body)] for the people who
    have open items and no digest under this key yet: one grouped query, then a ranked one for the
    few items each body names."""
    counts = [func.count().filter(condition).label(label) for label, condition in query.counts]
    grouped = query.select(query.recipient.label("recipient_id"), func.count().label("total"),
                           func.min(query.day).label("first_due"), *counts).group_by(query.recipient).subquery()
    rows = db.session.execute(
        select(grouped).where(not_reminded(rule_name, subject_key, grouped.c.recipient_id, period))
    ).all()
    lines: dict[int, list[str]] = {}
    for chunk in _chunks([r.recipient_id for r in rows]):
        rank = func.row_number().over(partition_by=query.recipient, order_by=(query.day, query.model.id))
        ranked = query.select(query.recipient.label("recipient_id"), _line(Merchant.name, query.day).label("line"),
                              rank.label("rank"), with_merchant=True).where(query.recipient.in_(chunk)).subquery()
        for recipient_id, line in db.session.execute(
            select(ranked.c.recipient_id, ranked.c.line).where(ranked.c.rank <= SAMPLE_SIZE)
            .order_by(ranked.c.recipient_id, ranked.c.rank)
        ):
            lines.setdefault(recipient_id, []).append(line)
    return [(r, _body(lines.get(r.recipient_id, []), r.total)) for r in rows]


def _daily(rule_name: str, moment: Moment, query: DigestQuery, subject: Callable, link: str | None,
           prefix: str = "digest") -> list[ReminderDraft]:
    today = moment.today.isoformat()
    subject_key = key(prefix, today)
    return [_draft(rule_name, subject_key, row.recipient_id, today, subject(row), body, link, row.first_due)
            for row, body in digests(rule_name, subject_key, today, query)]


def _due_window_end(moment: Moment, campaign: Campaign, days: int = 1) -> date:
    """Tomorrow; on a Friday of a working-days-only rule, up to Monday, so the weekend is covered."""
    if moment.settings["working_days_only"]:
        end = moment.today
        for _step in range(days):
            end = next_working_day(end, campaign)
        return end
    return moment.today + timedelta(days=days)


def _open_follow_ups(campaign: Campaign, window) -> DigestQuery:
    return DigestQuery(FollowUp, FollowUp.assignee_id, FollowUp.due_on, (
        FollowUp.campaign_id == campaign.id, FollowUp.status == "planned", window, active_user(FollowUp.assignee_id)))


@rule("follow_up_due")
def follow_up_due(moment: Moment, campaign: Campaign) -> list[ReminderDraft]:
    end = _due_window_end(moment, campaign)
    query = _open_follow_ups(campaign, and_(FollowUp.due_on > moment.today, FollowUp.due_on <= end))
    return _daily("follow_up_due", moment, query, lambda row: ngettext(
        "%(num)d follow-up due by %(day)s", "%(num)d follow-ups due by %(day)s", row.total, day=end.isoformat(),
    ), link_to("visits.today"))


@rule("follow_up_overdue")
def follow_up_overdue(moment: Moment, campaign: Campaign) -> list[ReminderDraft]:
    query = _open_follow_ups(campaign, FollowUp.due_on < moment.today)
    return _daily("follow_up_overdue", moment, query, lambda row: ngettext(
        "%(num)d follow-up overdue", "%(num)d follow-ups overdue", row.total,
    ), link_to("visits.today"))


@rule("referral_deadline")
def referral_deadline(moment: Moment, campaign: Campaign) -> list[ReminderDraft]:
    """A digest to each account manager (due soon, past the deadline); one to the branch head of
    the account manager's branch for referrals long past it."""
    # The contact deadline is met once the referral has moved past "assigned".
    open_referrals = (Referral.campaign_id == campaign.id, Referral.status == "assigned",
                      Referral.assignee_id.is_not(None), Referral.deadline_on.is_not(None))
    end = _due_window_end(moment, campaign, int(moment.settings["days_before"]))
    soon = and_(Referral.deadline_on > moment.today, Referral.deadline_on <= end)
    passed = Referral.deadline_on < moment.today
    managers = DigestQuery(Referral, Referral.assignee_id, Referral.deadline_on,
                           (*open_referrals, or_(soon, passed), active_user(Referral.assignee_id)),
                           counts=(("soon", soon), ("passed", passed)))
    days = int(moment.settings["escalate_after_days"])
    manager, head, head_role = aliased(User), aliased(User), aliased(UserRole)
    heads = DigestQuery(
        Referral, head.id, Referral.deadline_on,
        (*open_referrals, Referral.deadline_on <= moment.today - timedelta(days=days)),
        joins=((manager, manager.id == Referral.assignee_id),
               (head, and_(head.organization_id == manager.organization_id, head.active.is_(True))),
               (head_role, and_(head_role.user_id == head.id, head_role.role == "branch_head"))),
    )
    link = link_to("referrals.lists")
    return _daily("referral_deadline", moment, managers, lambda row: _(
        "Referrals: %(soon)d to contact by %(day)s, %(passed)d past the contact deadline",
        soon=row.soon, passed=row.passed, day=end.isoformat(),
    ), link) + _daily("referral_deadline", moment, heads, lambda row: ngettext(
        "%(num)d referral of your branch is %(days)d or more days past its contact deadline",
        "%(num)d referrals of your branch are %(days)d or more days past their contact deadline",
        row.total, days=days,
    ), link, prefix="escalation")


@rule("need_overdue")
def need_overdue(moment: Moment, campaign: Campaign) -> list[ReminderDraft]:
    query = DigestQuery(Need, Need.owner_id, Need.due_on, (
        Need.campaign_id == campaign.id, Need.status == "open", Need.due_on < moment.today,
        active_user(Need.owner_id)))
    return _daily("need_overdue", moment, query, lambda row: ngettext(
        "%(num)d need past its deadline", "%(num)d needs past their deadline", row.total,
    ), link_to("needs.ledger"))


# ---- joint visit days -------------------------------------------------------------------------

@rule("joint_visit_day")
def joint_visit_day(moment: Moment, campaign: Campaign) -> list[ReminderDraft]:
    return _unplanned_days(moment, campaign) + _day_before(moment, campaign) + _unrecorded_days(moment, campaign)


def _joint_days(campaign: Campaign):
    return (Event.campaign_id == campaign.id, Event.kind == "joint_visit_day", Event.pair_id.is_not(None))


def _unplanned_days(moment: Moment, campaign: Campaign) -> list[ReminderDraft]:
    """By the 5th, every pair should have this month's joint visit day(s) in the calendar."""
    monthly = event_quota(campaign, "joint_visit_day", "pair", "month")
    if not monthly or moment.today.day < int(moment.settings["plan_by_day"]):
        return []
    quota = monthly.count
    start, end = month_bounds(moment.today)
    period = f"plan:{start.strftime('%Y-%m')}"
    planned = select(func.count(Event.id)).where(
        *_joint_days(campaign), Event.pair_id == LiaisonPair.id, Event.status != "cancelled",
        Event.planned_on.between(start, end)).scalar_subquery()
    pairs = select(LiaisonPair.id, LiaisonPair.name, LiaisonPair.liaison_id, LiaisonPair.account_manager_id).where(
        LiaisonPair.campaign_id == campaign.id, LiaisonPair.active.is_(True), planned < quota)
    members = pair_members(pairs)
    rows = db.session.execute(
        select(members.c.id, members.c.name, members.c.recipient_id).where(
            active_user(members.c.recipient_id),
            not_reminded("joint_visit_day", key_expr("pair", members.c.id), members.c.recipient_id, period))
    ).all()
    return [
        _draft("joint_visit_day", key("pair", r.id), r.recipient_id, period,
               _("Plan this month's joint visit day (%(pair)s)", pair=r.name), None,
               link_to("events.pair", pair_id=r.id), end)
        for r in rows
    ]


def _event_member_rows(campaign: Campaign, condition, period: str) -> list:
    events = (
        select(Event.id, Event.planned_on, Event.place, LiaisonPair.liaison_id, LiaisonPair.account_manager_id)
        .join(LiaisonPair, LiaisonPair.id == Event.pair_id)
        .where(*_joint_days(campaign), Event.status == "planned", condition)
    )
    members = pair_members(events)
    return db.session.execute(
        select(members.c.id, members.c.planned_on, members.c.place, members.c.recipient_id).where(
            active_user(members.c.recipient_id),
            not_reminded("joint_visit_day", key_expr("event", members.c.id), members.c.recipient_id,
                         literal(period, String) + cast(members.c.planned_on, String)))
    ).all()


def _day_before(moment: Moment, campaign: Campaign) -> list[ReminderDraft]:
    tomorrow = moment.today + timedelta(days=1)
    return [
        _draft("joint_visit_day", key("event", r.id), r.recipient_id, f"eve:{r.planned_on.isoformat()}",
               _("Joint visit day tomorrow: %(place)s", place=r.place or "—"), None,
               link_to("events.detail", event_id=r.id), r.planned_on)
        for r in _event_member_rows(campaign, Event.planned_on == tomorrow, "eve:")
    ]


def _unrecorded_days(moment: Moment, campaign: Campaign) -> list[ReminderDraft]:
    """A day still "planned" two days after its date: held but not recorded, or to be cancelled."""
    last = moment.today - timedelta(days=int(moment.settings["unrecorded_after_days"]))
    return [
        _draft("joint_visit_day", key("event", r.id), r.recipient_id, f"record:{r.planned_on.isoformat()}",
               _("Record the joint visit day of %(day)s", day=r.planned_on.isoformat()), None,
               link_to("events.detail", event_id=r.id), r.planned_on)
        for r in _event_member_rows(
            campaign, and_(Event.planned_on <= last, Event.planned_on >= campaign.starts_on), "record:")
    ]


# ---- matchmaking meetings, coverage, plaques, the end of the drive -----------------------------

def meeting_period(campaign: Campaign, day: date) -> tuple[date, date] | None:
    """(first, last) day of the period of the drive's per-county matchmaking quota that holds the day."""
    quota = event_quota(campaign, "matchmaking", "county")
    if quota is None:
        return None
    start = period_start(quota.cadence, day)
    return start, period_end(quota.cadence, start)


def counties_short_of_meetings(campaign: Campaign, day: date) -> list[tuple[int, str]]:
    """(id, name) of the drive's counties with fewer matchmaking meetings held this period than the
    quota — held as the rollup and the events page count them (crm.events.queries)."""
    quota, bounds = event_quota(campaign, "matchmaking", "county"), meeting_period(campaign, day)
    if bounds is None:
        return []
    held = meetings_held_by_county(campaign.id, *bounds)
    rows = db.session.execute(select(Region.id, Region.name).where(Region.id.in_(county_ids(campaign)))
                              .order_by(Region.name)).all()
    return [(r.id, r.name) for r in rows if held.get(r.id, 0) < quota.count]


@rule("matchmaking_quota")
def matchmaking_quota(moment: Moment, campaign: Campaign) -> list[ReminderDraft]:
    bounds = meeting_period(campaign, moment.today)
    if bounds is None:
        return []
    start, end = bounds
    period = period_code(event_quota(campaign, "matchmaking", "county").cadence, start).replace(" ", "")
    elapsed = ((moment.today - start).days + 1) / ((end - start).days + 1)
    if elapsed < float(moment.settings["quarter_fraction"]):
        return []
    drafts = []
    leads = lead_ids(campaign)
    link = link_to("events.quotas")
    for county_id, county_name in counties_short_of_meetings(campaign, moment.today):
        members = db.session.execute(select(LiaisonPair.liaison_id, LiaisonPair.account_manager_id).where(
            LiaisonPair.campaign_id == campaign.id, LiaisonPair.county_id == county_id,
            LiaisonPair.active.is_(True))).all()
        recipients = {user_id for row in members for user_id in row} | set(leads)
        subject_key = key("county", county_id)
        for recipient in _fresh("matchmaking_quota", subject_key, period, recipients):
            drafts.append(_draft("matchmaking_quota", subject_key, recipient, period,
                                 _("No matchmaking meeting yet this quarter in %(county)s", county=county_name),
                                 None, link, end))
    return drafts


def districts_below_rule(campaign: Campaign, district_ids: list[int] | None = None) -> list[dict]:
    """The drive's districts (or those of them named) below the coverage rule, with town and county; none
    when the drive has no coverage rule."""
    if not has_rule(campaign):
        return []
    town = aliased(Region)
    stmt = (
        select(Region.id, Region.name, Region.households, town.id.label("town_id"), town.parent_id.label("county_id"))
        .join(town, town.id == Region.parent_id)
        .where(Region.level == "district", town.parent_id.in_(county_ids(campaign)))
    )
    if district_ids is not None:
        stmt = stmt.where(Region.id.in_(district_ids))
    districts = db.session.execute(stmt).all()
    visited = visited_by_district(campaign, district_ids)
    threshold, ratio = campaign.district_household_threshold, campaign.district_coverage_ratio
    return [
        {**d._asdict(), "visited": visited.get(d.id, 0)}
        for d in districts
        if not district_meets_rule(visited.get(d.id, 0), d.households, threshold, ratio)
    ]


def _in_final_days(moment: Moment, campaign: Campaign) -> bool:
    return campaign.ends_on - timedelta(days=int(moment.settings["days_before_end"])) <= moment.today


@rule("coverage_shortfall")
def coverage_shortfall(moment: Moment, campaign: Campaign) -> list[ReminderDraft]:
    """Before the drive ends, each district below the rule goes to the pairs serving its town (or county).

    Districts whose people all have their reminder are not counted again, so a repeated sweep is cheap.
    """
    if not has_rule(campaign) or not _in_final_days(moment, campaign):
        return []
    period = f"end:{campaign.ends_on.isoformat()}"
    town = aliased(Region)
    pairs = (select(LiaisonPair.region_id, LiaisonPair.liaison_id, LiaisonPair.account_manager_id)
             .where(LiaisonPair.campaign_id == campaign.id, LiaisonPair.active.is_(True)))
    members = pair_members(pairs)
    pending = db.session.execute(
        select(Region.id, members.c.recipient_id)
        .join(town, town.id == Region.parent_id)
        .join(members, or_(members.c.region_id == town.id, members.c.region_id == town.parent_id))
        .where(Region.level == "district", town.parent_id.in_(county_ids(campaign)),
               active_user(members.c.recipient_id),
               not_reminded("coverage_shortfall", key_expr("district", Region.id), members.c.recipient_id, period))
        .distinct()
    ).all()
    if not pending:
        return []
    below = {d["id"]: d for d in districts_below_rule(campaign, sorted({row.id for row in pending}))}
    drafts = []
    for district_id, recipient in pending:
        district = below.get(district_id)
        if district is not None:
            subject = _("%(district)s is below the coverage rule: %(visited)d merchants visited of %(households)s",
                        district=district["name"], visited=district["visited"],
                        households=district["households"] if district["households"] is not None else "—")
            drafts.append(_draft("coverage_shortfall", key("district", district_id), recipient, period, subject,
                                 None, link_to("districts.detail", district_id=district_id), campaign.ends_on))
    return drafts


@rule("plaque_review")
def plaque_review(moment: Moment, campaign: Campaign) -> list[ReminderDraft]:
    """A registry change flagged a plaque holder: the leads decide whether the plaque stays."""
    flagged = db.session.execute(
        select(Plaque.id, Plaque.flag_reason, Merchant.name).join(Merchant, Merchant.id == Plaque.merchant_id)
        .where(Plaque.campaign_id == campaign.id, Plaque.flagged.is_(True),
               Plaque.status.in_(("nominated", "approved")))
    ).all()
    leads = lead_ids(campaign)
    drafts = []
    for plaque_id, reason, name in flagged:
        # A new reason is a new flag: the period carries a short digest of it.
        period = "flag:" + hashlib.sha1((reason or "").encode()).hexdigest()[:12]
        subject_key = key("plaque", plaque_id)
        for recipient in _fresh("plaque_review", subject_key, period, leads):
            drafts.append(_draft("plaque_review", subject_key, recipient, period,
                                 _("Plaque to review: %(merchant)s", merchant=name), reason,
                                 link_to("plaques.detail", plaque_id=plaque_id), moment.today))
    return drafts


def campaign_shortfalls(campaign: Campaign, day: date, targets: dict) -> list[str]:
    """What is still short as the drive ends: coverage, meetings, and any targets the drive set."""
    short = []
    districts = districts_below_rule(campaign)
    if districts:
        short.append(_("%(num)d districts below the coverage rule", num=len(districts)))
    counties = counties_short_of_meetings(campaign, day)
    if counties:
        short.append(_("%(num)d counties short of matchmaking meetings this quarter", num=len(counties)))
    # The drive-to-date figures as every report reads them (crm.reports.facts); the setting's
    # "households_visited" is the figure merchants_visited.
    names = {"households_visited": "merchants_visited", "applications": "applications",
             "granted_amount": "granted_amount"}
    found = facts.drive_to_date(campaign, tuple(names.values()))
    values = {name: found[fact] for name, fact in names.items()}
    for name, target in sorted((targets or {}).items()):
        if name not in names:
            continue
        value = round(float(values[name] or 0), 2) if name == "granted_amount" else int(values[name] or 0)
        if value < float(target):
            short.append(_("%(figure)s: %(value)s of %(target)s", figure=TARGETS[name], value=value, target=target))
    return short


@rule("campaign_ending")
def campaign_ending(moment: Moment, campaign: Campaign) -> list[ReminderDraft]:
    if not _in_final_days(moment, campaign):
        return []
    period = f"end:{campaign.ends_on.isoformat()}"
    subject_key = key("campaign", campaign.id)
    recipients = _fresh("campaign_ending", subject_key, period, lead_ids(campaign))
    if not recipients:
        return []
    short = campaign_shortfalls(campaign, moment.today, moment.settings["targets"])
    if not short:
        return []
    subject = _("%(campaign)s ends on %(day)s with figures still short", campaign=campaign.name,
                day=campaign.ends_on.isoformat())
    link = link_to("reports.dashboard")
    return [_draft("campaign_ending", subject_key, r, period, subject, "\n".join(short), link, campaign.ends_on)
            for r in recipients]
