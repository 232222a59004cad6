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


def screen(client, submission, decision):
    return client.post(f"/submissions/{submission.id}/{decision}")


def test_unknown_code_waits_for_the_liaison_then_lands(world, pair, client, login, app):
    response = post(client, pair)
    assert response.status_code == 200 and "Application received" in response.get_data(as_text=True)
    # An anonymous form writes nothing to the registry and nothing to the pair's list.
    assert db.session.scalar(select(Merchant).where(Merchant.credit_code == GOOD_CODE)) is None
    assert db.session.scalar(select(func.count(Referral.id))) == 0
    stored = db.session.scalar(select(IntakeSubmission))
    assert stored.status == "pending" and stored.screening["outcome"] == "unknown"
    assert stored.amount == 200000 and len(stored.client_address_hash) == 64 and stored.consent_version
    # The account manager sees it waiting but cannot decide; another pair's liaison cannot even find it.
    am = app.test_client()
    login_as(am, world.users["am_a1"])
    page = am.get(f"/pairs/{pair.id}/submissions").get_data(as_text=True)
    assert "刘记小吃" in page and "Waiting for the liaison" in page and "/accept" not in page
    assert screen(am, stored, "accept").status_code == 404
    other = app.test_client()
    login_as(other, world.users["liaison_a2"])
    assert screen(other, stored, "accept").status_code == 404
    assert db.session.get(IntakeSubmission, stored.id).status == "pending"
    # The pair's liaison accepts: a self-reported merchant, on the pair's list for its account manager.
    liaison = app.test_client()
    login_as(liaison, world.users["liaison_a1"])
    assert "/accept" in liaison.get(f"/pairs/{pair.id}/submissions").get_data(as_text=True)
    assert screen(liaison, stored, "accept").status_code == 302
    merchant = db.session.scalar(select(Merchant).where(Merchant.credit_code == GOOD_CODE))
    assert merchant.self_reported and merchant.town_id == pair.region_id and merchant.name == "刘记小吃"
    referral = db.session.scalar(select(Referral))
    assert referral.self_applied and referral.status == "assigned" and referral.pair_id == pair.id
    assert referral.merchant_id == merchant.id and referral.assignee_id == world.users["am_a1"].id
    assert referral.deadline_on == local_today() + timedelta(days=world.campaign.referral_contact_days)
    the_list = db.session.get(ReferralList, referral.list_id)
    assert the_list.source == "qr" and pair.name in the_list.name
    stored = db.session.get(IntakeSubmission, stored.id)
    assert stored.status == "accepted" and stored.referral_id == referral.id
    assert stored.decided_by_id == world.users["liaison_a1"].id
    # Deciding twice is refused and changes nothing.
    again = liaison.post(f"/submissions/{stored.id}/reject", follow_redirects=True)
    assert "already been screened" in again.get_data(as_text=True)
    assert db.session.get(IntakeSubmission, stored.id).status == "accepted"
    # The same merchant again, while the referral is open: known in the area now, no second referral.
    assert post(client, pair).status_code == 200
    assert db.session.scalar(select(func.count(Referral.id))) == 1
    assert submissions() == 2


def login_as(test_client, user):
    from tests import factories

    response = test_client.post("/login", data={"username": user.username, "password": factories.PASSWORD})
    assert response.status_code == 302
    test_client.get("/lang/en")


def test_rejected_submission_registers_nothing(world, pair, client, login):
    assert post(client, pair, business_name='=HYPERLINK("http://x.example","点我")').status_code == 200
    stored = db.session.scalar(select(IntakeSubmission))
    liaison = login(world.users["liaison_a1"])
    assert screen(liaison, stored, "reject").status_code == 302
    assert db.session.get(IntakeSubmission, stored.id).status == "rejected"
    assert db.session.scalar(select(func.count(Merchant.id))) == len(world.merchants)
    assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_merchant_outside_the_pairs_area_is_not_revealed(world, pair, client, login, app, api):
    """A county-B merchant's code on county A's poster: not on A's list, not shown to A's account manager."""
    far = world.merchants["m_b1"]
    assert post(client, pair, credit_code=far.credit_code).status_code == 200
    assert db.session.scalar(select(func.count(Referral.id))) == 0
    stored = db.session.scalar(select(IntakeSubmission))
    assert stored.status == "pending" and stored.screening["outcome"] == "unknown"
    am = login(world.users["am_a1"])
    page = am.get(f"/pairs/{pair.id}/submissions").get_data(as_text=True)
    assert far.name not in page and far.operator_phone not in page and far.operator_name not in page
    assert far.name not in am.get("/referrals/").get_data(as_text=True)
    # The liaison cannot take it on either, and is told no more than for any code the pair cannot use.
    liaison = app.test_client()
    login_as(liaison, world.users["liaison_a1"])
    refused = liaison.post(f"/submissions/{stored.id}/accept", follow_redirects=True)
    assert "cannot be taken on by this pair" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Referral.id))) == 0
    assert db.session.get(IntakeSubmission, stored.id).status == "pending"


def test_purge_deletes_old_submissions_only(world, pair, client, app):
    start = utcnow()
    with freeze(start - timedelta(days=400)):
        stamp = stamp_from(client, pair.intake_token)
    with freeze(start - timedelta(days=400) + timedelta(seconds=20)):
        assert client.post(f"/apply/{pair.intake_token}", data=form(stamp)).status_code == 200
    assert post(client, pair, credit_code=credit_code.make()).status_code == 200
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "intake", "purge", "--older-than", "365"])
    assert result.exit_code == 0 and "purged 1 " in result.output
    assert submissions() == 1
    # The default retention comes from the configuration (180 days): the recent one stays.
    result = runner.invoke(args=["crm", "intake", "purge"])
    assert result.exit_code == 0 and "purged 0 " in result.output and "180 days" in result.output
    assert runner.invoke(args=["crm", "intake", "purge", "--older-than", "-3"]).exit_code != 0


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
