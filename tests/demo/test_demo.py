"""The demo drive: what someone opening the demo notices first must be right."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from crm.auth.passwords import policy_problem, verify_password
from crm.campaigns.models import Campaign, LiaisonPair
from crm.demo.build import build_demo
from crm.events.models import Event
from crm.merchants.credit_code import is_valid
from crm.merchants.models import Merchant
from crm.people.models import User
from crm.referrals.models import Referral
from crm.regions.models import Region
from crm.timeutil import local_today
from crm.visits.models import Application, FollowUp, Visit

COUNTIES = {
    "潞州区",
    "上党区",
    "屯留区",
    "潞城区",
    "襄垣县",
    "平顺县",
    "黎城县",
    "壶关县",
    "长子县",
    "武乡县",
    "沁县",
    "沁源县",
}


def _empty(db) -> None:
    """Empty every table so that a second build starts from nothing, as the first did."""
    db.session.remove()
    with db.engine.connect() as conn:
        names = [t.name for t in reversed(db.metadata.sorted_tables)]
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for name in names:
                conn.execute(text(f"DELETE FROM {name}"))
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()


def _quarters(start: date, today: date) -> list[tuple[date, date]]:
    """The calendar quarters of the drive that ended before today."""
    out, q = [], date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while True:
        nxt = date(q.year + (q.month + 3 > 12), (q.month + 2) % 12 + 1, 1)
        if nxt > today:
            return out
        out.append((q, nxt))
        q = nxt


def test_small_demo_drive_reads_like_a_real_one(db):
    summary = build_demo(seed=3, merchants=300, password="Demo-pass-42")
    today = local_today()
    s = db.session

    # The territory: Changzhi and its 12 county-level units, with towns and districts under them.
    counties = s.scalars(select(Region).where(Region.level == "county")).all()
    assert {c.name for c in counties} == COUNTIES
    assert {c.code for c in counties if c.name == "长子县"} == {"140428"}
    assert s.scalar(select(func.count()).where(Region.level == "district", Region.households > 0)) > 100

    # The people: am1 and liaison1 work as a pair; everyone can sign in with the one password.
    am1 = s.scalar(select(User).where(User.username == "am1"))
    liaison1 = s.scalar(select(User).where(User.username == "liaison1"))
    pair = s.scalar(select(LiaisonPair).where(LiaisonPair.account_manager_id == am1.id))
    assert pair.liaison_id == liaison1.id and pair.intake_token
    assert am1.roles == ["account_manager"] and liaison1.roles == ["liaison"]
    assert verify_password(am1.password_hash, "Demo-pass-42")
    assert ("lead2", "lead") in summary["users"] and ("head12", "branch_head") in summary["users"]
    assert summary["password"] == "Demo-pass-42"

    # The drive is on: it started months ago and ends after today.
    campaign = s.scalar(select(Campaign))
    assert campaign.starts_on < today < campaign.ends_on
    assert campaign.template == "shuangbai" and campaign.district_household_threshold == 100

    # Merchants: about as many as asked, each with a valid, unique credit code.
    merchants = s.scalars(select(Merchant)).all()
    assert 290 <= len(merchants) <= 300
    assert all(is_valid(m.credit_code) for m in merchants)
    assert len({m.credit_code for m in merchants}) == len(merchants)

    # History: visits in the past, open follow-ups (some overdue), loans granted.
    assert s.scalar(select(func.count()).where(Visit.visited_on < today)) > 20
    assert s.scalar(select(func.count()).where(Visit.visited_on > today)) == 0
    assert s.scalar(select(func.count()).where(FollowUp.status == "planned")) > 0
    assert s.scalar(select(func.count()).where(FollowUp.status == "planned", FollowUp.due_on < today)) > 0
    assert s.scalar(select(func.count()).where(Application.granted_amount.is_not(None))) > 0

    # Referrals nobody has contacted within the deadline.
    overdue = s.scalar(
        select(func.count()).where(Referral.status == "assigned", Referral.deadline_on < today)
    )
    assert overdue > 0

    # At least one county missed its matchmaking meeting in a quarter that is over.
    held = s.execute(
        select(Event.county_id, Event.held_on).where(Event.kind == "matchmaking", Event.status == "held")
    ).all()
    missing = [
        (c.name, q_start)
        for q_start, q_end in _quarters(campaign.starts_on, today)
        for c in counties
        if not any(cid == c.id and q_start <= on < q_end for cid, on in held)
    ]
    assert missing

    # A second build into a non-empty database is refused.
    with pytest.raises(RuntimeError):
        build_demo(seed=3, merchants=10)


def test_same_seed_gives_the_same_merchants(db):
    build_demo(seed=11, merchants=300, password="Demo-pass-42")
    first = db.session.scalars(select(Merchant.name).order_by(Merchant.id)).all()
    codes = db.session.scalars(select(Merchant.credit_code).order_by(Merchant.id)).all()
    _empty(db)

    summary = build_demo(seed=11, merchants=300)
    assert db.session.scalars(select(Merchant.name).order_by(Merchant.id)).all() == first
    assert db.session.scalars(select(Merchant.credit_code).order_by(Merchant.id)).all() == codes
    # No password given: a random one that the policy accepts.
    assert policy_problem(summary["password"]) is None
    _empty(db)

    build_demo(seed=12, merchants=300, password="Demo-pass-42")
    assert db.session.scalars(select(Merchant.name).order_by(Merchant.id)).all() != first
