"""A small drive built by hand, whose every figure is counted by hand in the tests.

Drive 2025-06-01 … 2025-12-31, today 2025-10-15 (Asia/Shanghai). Rule: 3 households or 50%.
County A (长子县): town a1 with district d_a1 (120 households), town a2 with d_a2 (80);
county B (沁县): town b1 with d_b1 (4 households). See each list below for the records.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from crm.events.models import Event
from crm.extensions import db
from crm.referrals.models import Referral, ReferralList
from crm.timeutil import LOCAL_TZ, freeze, to_utc_naive
from crm.visits.models import Application, Need, Visit
from tests import factories

TODAY = datetime(2025, 10, 15, 10, 0, tzinfo=LOCAL_TZ)
_ids = itertools.count(1)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A local moment on that day, as the naive UTC the database stores."""
    return to_utc_naive(datetime.combine(day, time(hour, minute), LOCAL_TZ))


@dataclass
class Drive:
    world: factories.World
    merchants: dict
    pairs: dict

    @property
    def campaign(self):
        return self.world.campaign

    @property
    def county_a(self):
        return self.world.counties[0]

    @property
    def county_b(self):
        return self.world.counties[1]


@pytest.fixture(autouse=True)
def request_context(app):
    """Labels are translated, and the app picks the language from the request."""
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def frozen():
    with freeze(TODAY):
        yield TODAY


@pytest.fixture
def bare_drive(frozen):
    """The world's drive with the dates and rule above, and no records yet."""
    world = factories.build_world()
    camp = world.campaign
    camp.starts_on, camp.ends_on = date(2025, 6, 1), date(2025, 12, 31)
    camp.district_household_threshold, camp.district_coverage_ratio = 3, Decimal("0.5")
    world.districts[2].households = 4
    a1, a2, b1 = world.pairs
    a1.created_at = a2.created_at = at(date(2025, 6, 1), 9)
    b1.created_at = at(date(2025, 8, 20), 9)
    db.session.commit()
    return world


def visit(campaign, merchant, day, author, kind="first", satisfaction=None, pair=None) -> Visit:
    v = Visit(client_id=f"v{next(_ids)}", body_hash="x", campaign_id=campaign.id, merchant_id=merchant.id,
              author_id=author.id, pair_id=pair.id if pair else None, kind=kind, visited_at=at(day),
              visited_on=day, satisfaction=satisfaction)
    db.session.add(v)
    return v


def application(campaign, merchant, author, applied_on, applied, granted_on=None, granted=None, rate=None,
                drawn_on=None, drawn=None, first=False) -> Application:
    a = Application(client_id=f"a{next(_ids)}", body_hash="x", campaign_id=campaign.id, merchant_id=merchant.id,
                    author_id=author.id, applied_on=applied_on, applied_amount=Decimal(applied),
                    granted_on=granted_on, granted_amount=Decimal(granted) if granted is not None else None,
                    rate=Decimal(rate) if rate is not None else None, drawn_on=drawn_on,
                    drawn_amount=Decimal(drawn) if drawn is not None else None, first_time_borrower=first)
    db.session.add(a)
    return a


@pytest.fixture
def drive(bare_drive) -> Drive:
    world = bare_drive
    camp, users = world.campaign, world.users
    d_a1, d_a2, d_b1 = world.districts
    a1, a2, b1 = world.pairs
    ms = dict(world.merchants)
    ms["m_a1b"] = factories.merchant("刘家饭店", d_a1, trade="lodging_catering", tier="survival")
    ms["m_a1c"] = factories.merchant("陈氏百货", d_a1, tier="development")
    ms["m_a2b"] = factories.merchant("鲍店物流", d_a2, trade="transport_logistics", tier=None)
    ms["m_b1b"] = factories.merchant("定昌超市", d_b1)
    ms["m_t"] = factories.merchant("鲍店小卖部", world.towns[1])  # in town a2, in no district
    db.session.flush()
    am = users["am_a1"]
    # Visits: (day, merchant, kind, satisfaction)
    for day, key, kind, sat in [
        (date(2025, 6, 20), "m_a2", "first", None),
        (date(2025, 7, 3), "m_a1", "first", 4),
        (date(2025, 7, 20), "m_a1", "follow_up", None),
        (date(2025, 8, 5), "m_a1b", "first", 5),
        (date(2025, 9, 30), "m_a2", "follow_up", 3),  # the last day of Q3
        (date(2025, 8, 10), "m_b1", "first", None),
        (date(2025, 9, 1), "m_b1b", "first", None),
        (date(2025, 10, 1), "m_a1c", "first", 2),  # d_a1 reaches exactly 3 merchants in Q4
        (date(2025, 10, 2), "m_a2b", "first", None),
        (date(2025, 10, 10), "m_t", "first", 5),
    ]:
        visit(camp, ms[key], day, am, kind, sat)
    # Applications
    application(camp, ms["m_a1"], am, date(2025, 8, 1), 100000, date(2025, 9, 20), 120000, "0.0345",
                date(2025, 10, 5), 90000, first=True)  # granted in Q3, drawn in Q4
    application(camp, ms["m_b1"], am, date(2025, 9, 10), 50000)  # never granted
    application(camp, ms["m_a2"], am, date(2025, 10, 3), 200000, date(2025, 10, 8), 150000, "0.04")
    application(camp, ms["m_a1b"], am, date(2025, 6, 10), 80000, date(2025, 7, 2), 80000, None,
                date(2025, 7, 5), 80000, first=True)  # applied in June, granted and drawn in Q3, no rate
    # Referrals
    rl = ReferralList(campaign_id=camp.id, name="七月名单", bank_org_id=world.orgs["bank"].id)
    db.session.add(rl)
    db.session.flush()
    for key, created, status, changed, deadline in [
        ("m_a1", at(date(2025, 7, 5)), "drawn", at(date(2025, 10, 5)), date(2025, 7, 12)),
        ("m_b1", at(date(2025, 10, 1), 0, 30), "assigned", at(date(2025, 10, 1), 0, 30), date(2025, 10, 2)),
        ("m_a2", at(date(2025, 10, 1)), "contacted", at(date(2025, 10, 3)), date(2025, 10, 20)),
        ("m_a1b", at(date(2025, 8, 1)), "closed", at(date(2025, 8, 3)), date(2025, 8, 8)),
    ]:
        db.session.add(Referral(list_id=rl.id, campaign_id=camp.id, merchant_id=ms[key].id, status=status,
                                created_at=created, status_changed_at=changed, deadline_on=deadline))
    # Needs
    for key, opened, closed in [("m_a1", date(2025, 7, 3), date(2025, 8, 1)), ("m_a2", date(2025, 9, 30), None),
                                ("m_b1", date(2025, 8, 10), date(2025, 10, 3))]:
        db.session.add(Need(campaign_id=camp.id, merchant_id=ms[key].id, text="贷款", owner_id=am.id,
                            due_on=opened + timedelta(days=15), opened_on=opened, closed_on=closed,
                            status="closed" if closed else "open"))
    # Events
    ca, cb = world.counties
    for kind, status, pair, county, region, planned, held in [
        ("joint_visit_day", "held", a1, ca, world.towns[0], date(2025, 7, 10), date(2025, 7, 11)),
        ("joint_visit_day", "held", b1, cb, None, date(2025, 8, 15), None),
        ("joint_visit_day", "planned", a2, ca, world.towns[1], date(2025, 9, 12), None),
        ("matchmaking", "held", None, cb, None, date(2025, 9, 28), date(2025, 9, 28)),
        ("matchmaking", "held", None, ca, None, date(2025, 10, 9), date(2025, 10, 9)),
        ("joint_visit_day", "held", a1, ca, d_a1, date(2025, 10, 12), date(2025, 10, 12)),
    ]:
        db.session.add(Event(campaign_id=camp.id, kind=kind, status=status, pair_id=pair.id if pair else None,
                             county_id=county.id, region_id=region.id if region else None, planned_on=planned,
                             held_on=held))
    db.session.commit()
    return Drive(world, ms, {"a1": a1, "a2": a2, "b1": b1})
