"""The public form against scripts: forged X-Forwarded-For, replayed stamps, the poster's link."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.extensions import db
from crm.merchants import credit_code
from crm.proxies import parse_networks
from crm.referrals.models import IntakeSubmission
from crm.timeutil import freeze, utcnow
from tests.factories import PASSWORD


@pytest.fixture
def token(world):
    pair = world.pairs[0]
    pair.intake_token = "poster-token-1"
    db.session.commit()
    return pair.intake_token


def _stamp(client, token, **request):
    html = client.get(f"/apply/{token}?lang=en", **request).get_data(as_text=True)
    return html.split('name="stamp" type="hidden" value="')[1].split('"')[0]


def _send(client, token, stamp, **request):
    data = {"business_name": "刘记小吃", "credit_code": credit_code.make(), "phone": "13912345678",
            "consent": "y", "website": "", "stamp": stamp}
    return client.post(f"/apply/{token}?lang=en", data=data, **request)


def _apply(client, token, **request):
    """Load the form, take 20 seconds over it, send it."""
    start = utcnow()
    with freeze(start):
        stamp = _stamp(client, token, **request)
    with freeze(start + timedelta(seconds=20)):
        return _send(client, token, stamp, **request)


def _submissions() -> int:
    return db.session.scalar(select(func.count(IntakeSubmission.id)))


def _recorded_addresses() -> set[str]:
    return set(db.session.scalars(select(AuditEvent.ip).where(AuditEvent.object_type == "intake_submissions")))


def test_a_rotating_x_forwarded_for_neither_escapes_the_limit_nor_forges_the_audit(client, token):
    for number in range(5):
        response = _apply(client, token, headers={"X-Forwarded-For": f"203.0.113.{number}"})
        assert response.status_code == 200, number
    assert _apply(client, token, headers={"X-Forwarded-For": "203.0.113.99"}).status_code == 429
    assert _submissions() == 5
    assert _recorded_addresses() == {"127.0.0.1"}


def test_a_trusted_proxy_is_believed_about_the_client(app, client, token, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_PROXY_NETWORKS", parse_networks(["127.0.0.0/8"]))
    for number in range(6):
        # The client's own claim (first) is ignored; the proxy's (last) hop is the address.
        headers = {"X-Forwarded-For": f"10.9.9.9, 198.51.100.{number}"}
        assert _apply(client, token, headers=headers).status_code == 200, number
    assert _recorded_addresses() == {f"198.51.100.{n}" for n in range(6)}
    for _ in range(4):
        _apply(client, token, headers={"X-Forwarded-For": "198.51.100.0"})
    assert _apply(client, token, headers={"X-Forwarded-For": "198.51.100.0"}).status_code == 429


def test_a_stamp_is_good_for_one_submission(client, token):
    start = utcnow()
    with freeze(start):
        stamp = _stamp(client, token)
    with freeze(start + timedelta(seconds=20)):
        assert _send(client, token, stamp).status_code == 200
    with freeze(start + timedelta(seconds=40)):
        replay = _send(client, token, stamp)
    assert replay.status_code == 422 and "already been sent" in replay.get_data(as_text=True)
    assert _submissions() == 1


def test_a_form_sent_at_once_is_refused(client, token):
    start = utcnow()
    with freeze(start):
        stamp = _stamp(client, token)
    with freeze(start + timedelta(seconds=2)):
        response = _send(client, token, stamp)
    assert response.status_code == 422 and "That was quick" in response.get_data(as_text=True)
    with freeze(start + timedelta(seconds=5)):
        assert _send(client, token, stamp).status_code == 200  # the refused try did not spend the stamp
    assert _submissions() == 1


def test_the_poster_links_to_the_public_address_not_the_requests_host(app, client, world, token, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://crm.example.gov.cn/")
    forged = {"Host": "evil.example.com"}
    client.post("/login", data={"username": "liaison_a1", "password": PASSWORD}, headers=forged)
    page = client.get(f"/pairs/{world.pairs[0].id}/poster", headers=forged)
    text = page.get_data(as_text=True)
    assert "https://crm.example.gov.cn/apply/poster-token-1" in text and "evil.example.com" not in text
