"""Each drive switches and tunes its rules (admins and the drive's leads); bad input changes nothing."""
from __future__ import annotations

import re

from crm.extensions import db
from crm.reminders.operations import run_all
from crm.reminders.rules import RULES
from crm.reminders.settings import rule_settings
from crm.timeutil import freeze


def _form(**changes) -> dict:
    """The settings form as the page sends it untouched (every rule on, default tuning), plus changes."""
    form = {f"{name}.enabled": "on" for name in RULES}
    form.update({f"{name}.working_days_only": "on" for name in ("follow_up_due", "follow_up_overdue",
                                                                "referral_deadline", "need_overdue")})
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_a_lead_switches_a_rule_off_and_tunes_another(world, rows, at, drive_day, login, client, log_of):
    rows.drive_dates()
    rows.overdue_follow_ups(("am_a1", "m_a1"))
    login(world.users["lead"])
    page = client.get(f"/reminders/settings/{world.campaign.id}?lang=en")
    assert page.status_code == 200 and "Reminder settings" in page.get_data(as_text=True)

    form = _form(**{"joint_visit_day.enabled": None, "follow_up_overdue.hour": "10",
                    "referral_deadline.escalate_after_days": "5", "holidays": "2025-10-01, 2025-10-02",
                    "campaign_ending.targets.applications": "300"})
    assert client.post(f"/reminders/settings/{world.campaign.id}", data=form).status_code == 302
    db.session.expire_all()
    assert world.campaign.reminder_settings == {
        "joint_visit_day": {"enabled": False}, "follow_up_overdue": {"hour": 10},
        "referral_deadline": {"escalate_after_days": 5}, "campaign_ending": {"targets": {"applications": 300.0}},
        "holidays": ["2025-10-01", "2025-10-02"],
    }
    assert rule_settings(world.campaign, "referral_deadline")["escalate_after_days"] == 5
    with freeze(at(drive_day, 9)):
        run_all()
    assert log_of() == set()  # the plan reminders are off; the overdue digest waits for 10:00
    with freeze(at(drive_day, 10)):
        run_all()
    assert log_of() == {("follow_up_overdue", "am_a1", drive_day.isoformat())}


def test_bad_values_change_nothing(world, login, client):
    login(world.users["admin"])
    for bad in ({"follow_up_due.hour": "25"}, {"matchmaking_quota.quarter_fraction": "2"},
                {"holidays": "1 October"}, {"referral_deadline.days_before": "soon"}):
        response = client.post(f"/reminders/settings/{world.campaign.id}?lang=en", data=_form(**bad))
        assert response.status_code == 422, bad
    db.session.expire_all()
    assert world.campaign.reminder_settings in ({}, None)


def test_only_admins_and_the_drives_leads_tune_it(world, login, client):
    login(world.users["am_a1"])
    assert client.get(f"/reminders/settings/{world.campaign.id}").status_code == 404
    assert client.post(f"/reminders/settings/{world.campaign.id}", data=_form()).status_code == 404
    assert client.get("/reminders/settings").status_code == 404


def test_the_settings_read_as_people_speak_in_chinese(world, login, client):
    """No rule key under its title; the quarter's share as 三分之二, not 0.666667."""
    login(world.users["lead"])
    page = client.get(f"/reminders/settings/{world.campaign.id}").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", page)  # what a person reads
    assert "follow_up_due" not in text and "referral_deadline" not in text
    assert re.search(r'<option value="0.666667" selected>季度过去三分之二时</option>', page)
