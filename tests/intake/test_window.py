"""服务专窗 (001): staff enter a walk-in application; it lands on the pair like a QR one; channels counted."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from crm.extensions import db
from crm.intake.queries import channel_counts
from crm.referrals.models import IntakeSubmission, Referral, ReferralList
from crm.timeutil import utcnow
from tests.intake.test_intake import GOOD_CODE, post


def window_form(**overrides):
    data = {"business_name": "刘记小吃", "credit_code": GOOD_CODE, "phone": "13912345678", "amount_wan": "30",
            "purpose": "进货", "consent": "y"}
    data.update(overrides)
    return data


def test_a_known_merchant_at_the_window_lands_on_the_pairs_list(world, login):
    pair, m = world.pairs[0], world.merchants["m_a1"]
    client = login(world.users["liaison_a1"])
    response = client.post(f"/pairs/{pair.id}/window", data=window_form(credit_code=m.credit_code,
                                                                         business_name=m.name))
    assert response.status_code == 302
    submission = db.session.scalar(select(IntakeSubmission))
    assert (submission.channel, submission.status, submission.entered_by_id, submission.amount) == (
        "window", "landed", world.users["liaison_a1"].id, 300000)
    referral = db.session.get(Referral, submission.referral_id)
    assert (referral.merchant_id, referral.assignee_id, referral.pair_id, referral.self_applied) == (
        m.id, pair.account_manager_id, pair.id, True)
    listed = db.session.get(ReferralList, referral.list_id)
    assert listed.source == "window" and listed.name.startswith("服务专窗 · ")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "服务专窗" in page and 'data-channel="window"' in page


def test_an_unknown_code_waits_for_the_liaison_like_a_qr_one(world, login):
    pair = world.pairs[0]
    am = login(world.users["am_a1"])  # the pair's account manager sits at the bank's window
    assert am.post(f"/pairs/{pair.id}/window", data=window_form()).status_code == 302
    submission = db.session.scalar(select(IntakeSubmission))
    assert submission.status == "pending" and submission.channel == "window"
    liaison = login(world.users["liaison_a1"])
    assert liaison.post(f"/submissions/{submission.id}/accept").status_code == 302
    db.session.refresh(submission)
    referral = db.session.get(Referral, submission.referral_id)
    assert submission.status == "accepted" and referral.referral_list.source == "window"


def test_bad_input_and_outsiders_change_nothing(world, login):
    pair = world.pairs[0]
    client = login(world.users["liaison_a1"])
    bad = client.post(f"/pairs/{pair.id}/window", data=window_form(phone="123", consent=""))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "请填写 11 位手机号码" in page and "请先征得申请人同意" in page
    other = login(world.users["am_b1"])  # another county's account manager: not this pair's window
    assert other.post(f"/pairs/{pair.id}/window", data=window_form()).status_code == 404
    assert other.get(f"/pairs/{pair.id}/window").status_code == 404
    assert db.session.scalar(select(func.count(IntakeSubmission.id))) == 0


def test_channels_are_counted_apart(world, login, client, api):
    pair = world.pairs[0]
    post(client, pair)  # one through the QR form
    staff = login(world.users["head_a"])  # the branch head over the pair's account manager
    staff.post(f"/pairs/{pair.id}/window", data=window_form(credit_code=world.merchants["m_a2"].credit_code))
    staff.post(f"/pairs/{pair.id}/window", data=window_form(credit_code=world.merchants["m_a1"].credit_code))
    camp = world.campaign.id
    assert channel_counts(camp) == {"qr": 1, "window": 2}
    assert channel_counts(camp, pair_id=world.pairs[2].id) == {"qr": 0, "window": 0}
    assert channel_counts(camp, region_id=world.counties[0].id) == {"qr": 1, "window": 2}
    assert channel_counts(camp, region_id=world.counties[1].id) == {"qr": 0, "window": 0}
    assert channel_counts(camp, since=utcnow() + timedelta(hours=1)) == {"qr": 0, "window": 0}
    listed = api(world.users["liaison_a1"]).get("/api/v1/intake-submissions").get_json()
    assert sorted(row["channel"] for row in listed["items"]) == ["qr", "window", "window"]
