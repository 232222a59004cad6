"""The benchmark data generator at tiny scale: the counts it promises, and data the app would accept."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from crm.campaigns.models import LiaisonPair
from crm.merchants import credit_code
from crm.merchants.models import Merchant
from crm.merchants.operations import initials
from crm.people.models import User
from crm.plaques.models import Plaque
from crm.referrals.models import OPEN_STATUSES, Referral
from crm.timeutil import local_date, local_today
from crm.visits.models import Application, FollowUp, Need, Visit

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))  # bench scripts import each other so

import datagen


@pytest.fixture
def generated(empty_database_url):
    info = datagen.run(empty_database_url, "tiny", seed=3, log=lambda *_: None)
    engine = create_engine(empty_database_url)
    with engine.connect() as conn:
        yield info, conn
    engine.dispose()
    datagen.info_path(empty_database_url).unlink(missing_ok=True)


def test_tiny_scale_has_the_promised_counts(generated):
    info, conn = generated
    tiny = datagen.SCALES["tiny"]
    counted = {model: conn.scalar(select(func.count()).select_from(model))
               for model in (Merchant, Visit, Referral, Application, FollowUp, Need, Plaque)}
    assert counted == {Merchant: tiny.merchants, Visit: tiny.visits,
                       Referral: tiny.referrals_open + tiny.referrals_done, Application: tiny.applications,
                       FollowUp: tiny.follow_ups, Need: tiny.needs, Plaque: tiny.plaques}
    assert info["counts"]["merchants"] == tiny.merchants
    open_referrals = conn.scalar(select(func.count()).where(Referral.status.in_(OPEN_STATUSES)))
    assert info["open_referrals"] == open_referrals > 0
    assert info["open_follow_ups"] == tiny.follow_ups
    pairs = conn.scalar(select(func.count()).select_from(LiaisonPair))
    assert set(conn.scalars(select(User.username))) >= {"admin", "lead", "head1", "am1", f"liaison{pairs}"}
    assert info["users"]["busiest_am"].startswith("am")
    assert info["today"] == local_today().isoformat()


def test_credit_codes_are_valid_and_unique(generated):
    _info, conn = generated
    codes = list(conn.scalars(select(Merchant.credit_code)))
    assert all(credit_code.is_valid(code) for code in codes)
    assert len(set(codes)) == len(codes)


def test_names_carry_their_pinyin_initials(generated):
    _info, conn = generated
    for name, abbreviation in conn.execute(select(Merchant.name, Merchant.name_initials).limit(50)):
        assert abbreviation == initials(name)


def test_visit_dates_are_shanghai_dates_of_their_moments_and_none_is_ahead(generated):
    _info, conn = generated
    rows = conn.execute(select(Visit.visited_at, Visit.visited_on)).all()
    assert all(local_date(at) == on for at, on in rows)
    assert max(on for _at, on in rows) <= local_today()


def test_work_belongs_to_the_account_manager_of_the_merchants_town(generated):
    _info, conn = generated
    town_manager = dict(conn.execute(select(LiaisonPair.region_id, LiaisonPair.account_manager_id)).all())
    for model, person in ((Visit, Visit.author_id), (FollowUp, FollowUp.assignee_id), (Need, Need.owner_id)):
        rows = conn.execute(select(Merchant.town_id, person).join(Merchant, Merchant.id == model.merchant_id)).all()
        assert all(town_manager[town] == who for town, who in rows)


def test_a_database_with_merchants_is_refused(generated, empty_database_url):
    with pytest.raises(SystemExit):
        datagen.run(empty_database_url, "tiny", log=lambda *_: None)


def test_force_reset_starts_again_from_nothing(generated, empty_database_url):
    info = datagen.run(empty_database_url, "tiny", seed=4, force_reset=True, log=lambda *_: None)
    tiny = datagen.SCALES["tiny"]
    assert (info["counts"]["merchants"], info["counts"]["visits"]) == (tiny.merchants, tiny.visits)
