"""The in-app inbox and the admin's rules page."""
from __future__ import annotations

import re

from markupsafe import escape
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.extensions import db
from crm.reminders.models import RuleRun


def test_inbox_lists_marks_read_and_counts_unread(reminded, login, client, reminders_of):
    me = reminded.users["am_a1"]
    by_rule = {r.rule: r for r in reminders_of(me)}
    plan, digest = by_rule["joint_visit_day"], by_rule["follow_up_overdue"]
    login(me)
    page = client.get("/reminders/?lang=en").get_data(as_text=True)
    assert str(escape(plan.subject)) in page and str(escape(digest.subject)) in page and "Mark all as read" in page
    assert re.search(r"data-unread\s*>2<", page)  # the badge in the top bar

    response = client.post(f"/reminders/{digest.id}/read", data={"open": "1"})
    assert digest.link and response.status_code == 302 and response.headers["Location"] == digest.link
    db.session.expire_all()
    assert digest.read_at is not None and plan.read_at is None
    unread_page = client.get("/reminders/?unread=1").get_data(as_text=True)
    assert str(escape(plan.subject)) in unread_page and str(escape(digest.subject)) not in unread_page

    client.post("/reminders/read-all")
    db.session.expire_all()
    assert all(r.read_at is not None for r in reminders_of(me))
    assert "Nothing unread." in client.get("/reminders/?unread=1").get_data(as_text=True)


def test_someone_elses_reminder_is_not_found(reminded, login, client, reminders_of):
    theirs = reminders_of(reminded.users["am_a2"])[0]
    login(reminded.users["am_a1"])
    assert client.post(f"/reminders/{theirs.id}/read").status_code == 404
    db.session.expire_all()
    assert theirs.read_at is None


def test_rules_page_is_for_admins_and_runs_a_sweep(reminded, login, client, reminders_of):
    login(reminded.users["lead"])
    assert client.get("/reminders/rules").status_code == 404
    client.post("/logout")
    login(reminded.users["admin"])
    page = client.get("/reminders/rules?lang=en").get_data(as_text=True)
    for name in ("follow_up_due", "referral_deadline", "campaign_ending", "Next run", "Recent runs"):
        assert name in page
    before = db.session.query(RuleRun).count()
    assert client.post("/reminders/rules/plaque_review/run").status_code == 302
    assert db.session.query(RuleRun).count() == before + 1
    assert db.session.scalar(select(AuditEvent.object_id).where(AuditEvent.action == "run")) == "plaque_review"
    assert client.post("/reminders/rules/nonsense/run").status_code == 404
