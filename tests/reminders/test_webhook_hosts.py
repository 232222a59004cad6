"""Users' chat webhooks reach only hosts an admin allowed: checked when saved and when sent."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.reminders.delivery import deliver_due
from crm.reminders.models import OutboxMessage


def _save(client, url: str):
    return client.post("/account/delivery?lang=en", data={"email": "", "webhook_url": url}, follow_redirects=True)


@pytest.fixture
def am(world, login):
    client = login(world.users["am_a1"])
    client.get("/lang/en")
    return client


@pytest.mark.parametrize("allowed", [[], ["robot.example.cn"]])
def test_a_loopback_address_is_refused_when_saved(app, am, world, monkeypatch, allowed):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", allowed)
    page = _save(am, "http://127.0.0.1:5399/hook").get_data(as_text=True)
    assert "administrator" in page and world.users["am_a1"].webhook_url is None


def test_an_allowed_host_is_saved_and_others_are_not(app, am, world, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", ["qyapi.weixin.qq.com", "*.example.cn"])
    _save(am, "https://robot.example.cn/send?key=1")
    assert world.users["am_a1"].webhook_url == "https://robot.example.cn/send?key=1"
    page = _save(am, "https://robot.evil.com/send").get_data(as_text=True)
    assert "qyapi.weixin.qq.com, *.example.cn" in page
    assert world.users["am_a1"].webhook_url == "https://robot.example.cn/send?key=1"


def test_any_host_allowed_still_means_no_private_address(app, am, world, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", ["*"])
    for url in ("http://localhost:5399/hook", "http://10.1.2.3/hook", "http://[::1]/hook"):
        assert "private or local" in _save(am, url).get_data(as_text=True), url
    assert world.users["am_a1"].webhook_url is None


def _queue(url: str) -> OutboxMessage:
    message = OutboxMessage(channel="webhook", target=url, payload={"msgtype": "text", "text": {"content": "王记面馆"}})
    db.session.add(message)
    db.session.commit()
    return message


@pytest.mark.parametrize("allowed", [[], ["*"], ["*.example.cn"]])
def test_a_message_to_a_host_no_longer_allowed_fails_at_once_and_is_not_sent(app, webhook_target, monkeypatch,
                                                                           allowed):
    message = _queue(webhook_target.url)  # saved before the allow-list, or the list changed since
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", allowed)
    report = deliver_due()
    db.session.refresh(message)
    assert (report.failed, message.status, message.attempts) == (1, "failed", 1)
    assert "127.0.0.1" in message.last_error and webhook_target.received == []


def test_a_message_to_an_allowed_host_is_sent(webhook_target):
    message = _queue(webhook_target.url)  # the fixture names 127.0.0.1 exactly
    assert deliver_due().sent == 1 and len(webhook_target.received) == 1
    assert db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == message.id)) == "sent"
