"""A small drive walked through a month with a controlled clock: every reminder once, to the right
people, on the right day; a second sweep at the same moment creates nothing."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from crm.extensions import db
from crm.reminders.operations import run_all
from crm.reminders.rules import RULES
from crm.timeutil import freeze

START, END = date(2025, 5, 19), date(2025, 6, 18)


def _expected() -> set[tuple[str, str, str]]:
    def on(day: str, rule: str, *people: str):
        return {(rule, person, day) for person in people}

    return (
        # follow-ups: digests on working days; Friday covers the weekend and the Monday holiday.
        on("2025-05-20", "follow_up_due", "am_a1")
        | on("2025-05-22", "follow_up_overdue", "am_a1")
        | on("2025-05-23", "follow_up_overdue", "am_a1")
        | on("2025-05-30", "follow_up_due", "am_b1")
        | on("2025-06-03", "follow_up_overdue", "am_b1")
        # the need, every working day while it stays open past its deadline
        | on("2025-05-29", "need_overdue", "am_a1")
        | on("2025-05-30", "need_overdue", "am_a1")
        # the referral, in working-day digests: the day before, then every day past the deadline;
        # the branch head's digest from the third day past it
        | on("2025-06-09", "referral_deadline", "am_a2")
        | {("referral_deadline", "am_a2", f"2025-06-{d}") for d in (11, 12, 13, 16)}
        | {("referral_deadline", "head_a", f"2025-06-{d}") for d in (13, 16)}
        # joint visit days: unplanned by the 5th (May: every pair; June: the two without a day),
        # the day before pair a1's day, and two days after it while still unrecorded
        | on("2025-05-19", "joint_visit_day", "liaison_a1", "am_a1", "liaison_a2", "am_a2", "liaison_b1", "am_b1")
        | on("2025-06-05", "joint_visit_day", "liaison_a2", "am_a2", "liaison_b1", "am_b1")
        | on("2025-06-11", "joint_visit_day", "liaison_a1", "am_a1")
        | on("2025-06-14", "joint_visit_day", "liaison_a1", "am_a1")
        # county B has no matchmaking meeting when two-thirds of Q2 has passed
        | on("2025-05-31", "matchmaking_quota", "liaison_b1", "am_b1", "lead")
        # 30 days before the drive ends: districts below the rule, and the drive's figures
        | on("2025-06-10", "coverage_shortfall", "liaison_a2", "am_a2", "liaison_b1", "am_b1")
        | on("2025-06-10", "campaign_ending", "lead")
        | on("2025-06-05", "plaque_review", "lead")
    )


def test_a_month_of_reminders(world, rows, log_of, at):
    users, merchants = world.users, world.merchants
    campaign = world.campaign
    _fixed_dates(campaign)
    campaign.district_household_threshold, campaign.district_coverage_ratio = 1, Decimal("0.2")
    campaign.reminder_settings = {"holidays": ["2025-06-02"]}
    db.session.commit()

    f1 = rows.follow_up(users["am_a1"], merchants["m_a1"], date(2025, 5, 21))
    f2 = rows.follow_up(users["am_b1"], merchants["m_b1"], date(2025, 6, 1))
    need = rows.need(users["am_a1"], merchants["m_a1"], date(2025, 5, 28))
    referral = rows.referral(users["am_a2"], merchants["m_a2"], date(2025, 6, 10))
    rows.event("matchmaking", date(2025, 5, 10), county=world.counties[0], status="held")
    rows.visit(users["am_a1"], merchants["m_a1"], date(2025, 4, 2))
    plaque = rows.plaque(merchants["m_a1"], users["liaison_a1"])
    holder = {}

    def plan_day():
        holder["event"] = rows.event("joint_visit_day", date(2025, 6, 12), pair=world.pairs[0])

    def flag():
        plaque.flagged, plaque.flag_reason = True, "经营异常名录"

    changes = {
        date(2025, 5, 24): lambda: setattr(f1, "status", "done"),
        date(2025, 5, 25): plan_day,
        date(2025, 6, 3): lambda: setattr(need, "status", "closed"),
        date(2025, 6, 4): lambda: setattr(f2, "status", "done"),
        date(2025, 6, 5): flag,
        date(2025, 6, 15): lambda: setattr(holder["event"], "status", "held"),
        date(2025, 6, 17): lambda: setattr(referral, "status", "contacted"),
    }
    day = START
    while day <= END:
        with freeze(at(day)):
            if day in changes:
                changes[day]()
                db.session.commit()
            first, second = run_all(), run_all()
        assert [r.error for r in first + second if r.error] == []
        assert sum(r.created_count for r in second) == 0, day
        day += timedelta(days=1)

    assert log_of() == _expected()


def _fixed_dates(campaign) -> None:
    campaign.starts_on, campaign.ends_on = date(2025, 3, 1), date(2025, 7, 10)
    db.session.commit()


def test_before_the_hour_and_switched_off_rules_create_nothing(world, rows, log_of, at):
    _fixed_dates(world.campaign)
    rows.follow_up(world.users["am_a1"], world.merchants["m_a1"], date(2025, 5, 12))
    with freeze(at(START, 7)):
        assert sum(r.created_count for r in run_all()) == 0
    world.campaign.reminder_settings = {name: {"enabled": False} for name in RULES if name != "joint_visit_day"}
    db.session.commit()
    with freeze(at(START, 9)):
        run_all()
    assert {rule for rule, _user, _day in log_of()} == {"joint_visit_day"}


def test_a_drive_can_move_the_digest_hour(world, rows, log_of, at):
    _fixed_dates(world.campaign)
    rows.follow_up(world.users["am_a1"], world.merchants["m_a1"], date(2025, 5, 12))
    world.campaign.reminder_settings = {"follow_up_overdue": {"hour": 11}}
    db.session.commit()
    with freeze(at(START, 10)):
        run_all()
    assert not any(rule == "follow_up_overdue" for rule, _u, _d in log_of())
    with freeze(at(START, 11)):
        run_all()
    assert ("follow_up_overdue", "am_a1", START.isoformat()) in log_of()
