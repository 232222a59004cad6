"""QR self-application: the poster, bad input, spam and rate limits, and the happy path to the AM."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.merchants import credit_code
from crm.merchants.models import Merchant
from crm.referrals.models import IntakeSubmission, Referral, ReferralList
from crm.timeutil import freeze, local_today, utcnow

GOOD_CODE = credit_code.make(rng=__import__("random").Random(3))


@pytest.fixture
def pair(world):
    return world.pairs[0]


def stamp_from(client, token):
    html = client.get(f"/apply/{token}?lang=en").get_data(as_text=True)
    return html.split('name="stamp" type="hidden" value="')[1].split('"')[0]


def form(stamp, **overrides):
    data = {"business_name": "刘记小吃", "credit_code": GOOD_CODE, "phone": "13912345678", "amount_wan": "20",
            "purpose": "进货", "consent": "y", "website": "", "stamp": stamp}
    data.update(overrides)
    return data


def post(client, pair, **overrides):
    """Fill in the form as a person would: load it, wait a little, send it."""
    start = utcnow()
    with freeze(start):
        stamp = stamp_from(client, pair.intake_token)
    with freeze(start + timedelta(seconds=20)):
        return client.post(f"/apply/{pair.intake_token}", data=form(stamp, **overrides))


def submissions() -> int:
    return db.session.scalar(select(func.count(IntakeSubmission.id)))


def test_happy_path_lands_on_the_pairs_account_manager(world, pair, client, login):
    response = post(client, pair)
    assert response.status_code == 200 and "Application received" in response.get_data(as_text=True)
    referral = db.session.scalar(select(Referral))
    assert referral.self_applied and referral.status == "assigned" and referral.pair_id == pair.id
    assert referral.assignee_id == world.users["am_a1"].id
    assert referral.deadline_on == local_today() + timedelta(days=world.campaign.referral_contact_days)
    the_list = db.session.get(ReferralList, referral.list_id)
    assert the_list.source == "qr" and pair.name in the_list.name
    merchant = db.session.get(Merchant, referral.merchant_id)
    assert merchant.credit_code == GOOD_CODE and merchant.town_id == pair.region_id
    stored = db.session.scalar(select(IntakeSubmission))
    assert stored.amount == 200000 and stored.screening["outcome"] == "unknown"
    assert stored.referral_id == referral.id and len(stored.client_address_hash) == 64
    # The same merchant again, while the referral is open: no second referral.
    assert post(client, pair).status_code == 200
    assert db.session.scalar(select(func.count(Referral.id))) == 1
    assert submissions() == 2
    # The pair sees the submission.
    assert "刘记小吃" in login(world.users["am_a1"]).get(f"/pairs/{pair.id}/submissions").get_data(as_text=True)


def test_known_merchant_is_screened(world, pair, client):
    known = world.merchants["m_a1"]
    known.dishonest = True
    db.session.commit()
    assert post(client, pair, credit_code=known.credit_code).status_code == 200
    stored = db.session.scalar(select(IntakeSubmission))
    assert stored.screening["outcome"] == "not_eligible"
    referral = db.session.scalar(select(Referral))
    assert referral.merchant_id == known.id


@pytest.mark.parametrize("overrides, message", [
    ({"credit_code": "92140400MA0L6Y7X1A"}, "check character"),
    ({"credit_code": "123"}, "18 characters"),
    ({"consent": ""}, "Please agree"),
    ({"phone": "12345"}, "11-digit"),
    ({"business_name": ""}, "This field is required"),
])
def test_bad_input_changes_nothing(pair, client, overrides, message):
    response = post(client, pair, **overrides)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert submissions() == 0


def test_honeypot_pretends_and_keeps_nothing(pair, client):
    response = post(client, pair, website="http://spam.example")
    assert response.status_code == 200 and submissions() == 0


def test_too_fast_and_forged_stamps(pair, client):
    start = utcnow()
    with freeze(start):
        stamp = stamp_from(client, pair.intake_token)
        response = client.post(f"/apply/{pair.intake_token}", data=form(stamp))
    assert response.status_code == 422 and "That was quick" in response.get_data(as_text=True)
    forged = client.post(f"/apply/{pair.intake_token}", data=form("abc.def"))
    assert forged.status_code == 422 and submissions() == 0


def test_rate_limit_per_address(pair, client):
    for n in range(5):
        assert post(client, pair, credit_code=credit_code.make()).status_code == 200, n
    response = post(client, pair, credit_code=credit_code.make())
    assert response.status_code == 429 and "Please wait" in response.get_data(as_text=True)
    assert submissions() == 5
    # Another address is not limited.
    other = client.application.test_client()
    start = utcnow()
    with freeze(start):
        stamp = stamp_from(other, pair.intake_token)
    with freeze(start + timedelta(seconds=10)):
        ok = other.post(f"/apply/{pair.intake_token}", data=form(stamp, credit_code=credit_code.make()),
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert ok.status_code == 200 and submissions() == 6


def test_unknown_token_and_poster(world, pair, client, login):
    assert client.get("/apply/nope").status_code == 404
    pair.intake_token = None
    db.session.commit()
    page = login(world.users["am_a1"]).get(f"/pairs/{pair.id}/poster").get_data(as_text=True)
    db.session.refresh(pair)
    assert pair.intake_token and f"/apply/{pair.intake_token}" in page and "<svg" in page
    assert login(world.users["am_b1"]).get(f"/pairs/{pair.id}/poster").status_code == 404
