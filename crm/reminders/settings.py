"""Per-drive switches and tunables of the reminder rules, and the working-day calendar.

A drive overrides the defaults in Campaign.reminder_settings, e.g.
{"follow_up_due": {"enabled": false}, "referral_deadline": {"escalate_after_days": 5},
 "holidays": ["2025-10-01"], "workdays": ["2025-09-28"]}.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.campaigns.models import Campaign

# Every rule: "enabled", "hour" (local hour from which the day's reminders go out; None = DIGEST_HOUR)
# and "working_days_only": the morning digests skip weekends and holidays (a Friday digest names what
# falls due before Monday; deadlines themselves count calendar days); one-off notices go out any day.
DEFAULTS: dict[str, dict] = {
    "follow_up_due": {"working_days_only": True},
    "follow_up_overdue": {"working_days_only": True},
    "referral_deadline": {"working_days_only": True, "days_before": 1, "escalate_after_days": 3},
    "need_overdue": {"working_days_only": True},
    "joint_visit_day": {"working_days_only": False, "plan_by_day": 5, "unrecorded_after_days": 2},
    "matchmaking_quota": {"working_days_only": False, "quarter_fraction": 2 / 3},
    "coverage_shortfall": {"working_days_only": False, "days_before_end": 30},
    "plaque_review": {"working_days_only": False},
    "campaign_ending": {"working_days_only": False, "days_before_end": 30, "targets": {}},
}
COMMON = {"enabled": True, "hour": None}


def rule_settings(campaign: Campaign, rule: str) -> dict:
    """The rule's defaults, overridden by what the drive set."""
    chosen = (campaign.reminder_settings or {}).get(rule) or {}
    merged = {**COMMON, **DEFAULTS[rule], **chosen}
    if merged["hour"] is None:
        merged["hour"] = current_app.config.get("DIGEST_HOUR", 8)
    return merged


def _dates(values) -> set[date]:
    return {date.fromisoformat(str(v)) for v in values or () if v}


def holidays(campaign: Campaign) -> set[date]:
    return _dates(current_app.config.get("HOLIDAYS")) | _dates((campaign.reminder_settings or {}).get("holidays"))


def is_working_day(day: date, campaign: Campaign) -> bool:
    """Monday to Friday, minus holidays, plus the weekend days worked instead (调休)."""
    if day in _dates((campaign.reminder_settings or {}).get("workdays")):
        return True
    return day.weekday() < 5 and day not in holidays(campaign)


def next_working_day(day: date, campaign: Campaign) -> date:
    day += timedelta(days=1)
    while not is_working_day(day, campaign):
        day += timedelta(days=1)
    return day


def outbox_max_attempts() -> int:
    """How many times a delivery is tried before it is reported as failed."""
    return int(current_app.config["OUTBOX_MAX_ATTEMPTS"])


TUNABLES = {
    "days_before": _l("Days before the deadline"),
    "escalate_after_days": _l("Days past the deadline before the branch head hears"),
    "plan_by_day": _l("Day of the month by which the joint visit day is planned"),
    "unrecorded_after_days": _l("Days after the day before asking to record it"),
    "quarter_fraction": _l("Remind when the quarter is"),
    "days_before_end": _l("Days before the drive ends"),
}
# The quarter_fraction setting as people say it: "when two thirds of the quarter have passed".
QUARTER_FRACTIONS = (
    (0.5, _l("half through")), (0.666667, _l("two thirds through")), (0.75, _l("three quarters through")),
    (0.9, _l("nine tenths through")),
)
TARGETS = {
    "households_visited": _l("Merchants visited"),
    "applications": _l("Applications"),
    "granted_amount": _l("Amount granted"),
}


def _number(text: str, label, whole: bool, upper: float | None = None) -> float | int:
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise ValueError(_("%(field)s must be a number.", field=label)) from None
    if value < 0 or (upper is not None and value > upper):
        raise ValueError(_("%(field)s is out of range.", field=label))
    return value


def _date_list(text: str, label) -> list[str]:
    try:
        return sorted({date.fromisoformat(part).isoformat() for part in re.split(r"[\s,，;]+", text) if part})
    except ValueError:
        raise ValueError(_("%(field)s: write dates as 2025-10-01, separated by spaces or commas.",
                           field=label)) from None


def settings_from_form(form, rules) -> dict:
    """The reminder settings a form describes, keeping only what differs from the defaults.

    Raises ValueError with a message for the user on the first value that does not make sense.
    """
    chosen: dict = {}
    for rule in rules:
        entry: dict = {}
        if f"{rule}.enabled" not in form:
            entry["enabled"] = False
        working = f"{rule}.working_days_only" in form
        if working != DEFAULTS[rule]["working_days_only"]:
            entry["working_days_only"] = working
        hour = form.get(f"{rule}.hour", "").strip()
        if hour:
            entry["hour"] = _number(hour, _("Hour"), whole=True, upper=23)
        for name, default in DEFAULTS[rule].items():
            text = form.get(f"{rule}.{name}", "").strip()
            if name in TUNABLES and text:
                whole = isinstance(default, int)
                value = _number(text, TUNABLES[name], whole, upper=1 if name == "quarter_fraction" else None)
                if abs(value - default) > 1e-4:  # the form shows 2/3 as 0.666667
                    entry[name] = value
        targets = {name: _number(form[f"{rule}.targets.{name}"].strip(), label, whole=False)
                   for name, label in TARGETS.items()
                   if "targets" in DEFAULTS[rule] and form.get(f"{rule}.targets.{name}", "").strip()}
        if targets:
            entry["targets"] = targets
        if entry:
            chosen[rule] = entry
    for name, label in (("holidays", _l("Holidays")), ("workdays", _l("Weekend working days"))):
        days = _date_list(form.get(name, ""), label)
        if days:
            chosen[name] = days
    return chosen
