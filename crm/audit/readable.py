"""Audit and history lines as people read them: field labels, and display values (names, not ids).

The log stores codes and ids (so it stays true when a name changes); this module turns a stored
change into what a page shows: "assignee_id — → 73" becomes "客户经理 — → 张三"."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.extensions import db
from crm.formatting import period_label
from crm.labels import LABELS, label

FIELD_LABELS = {
    "status": _l("Status"), "assignee_id": _l("Account manager"), "deadline_on": _l("Contact deadline"),
    "closed_reason": _l("Reason for closing"), "closed_note": _l("Which condition / note"),
    "merchants": _l("Names"), "bank_org_id": _l("Handed to"), "source": _l("Built from"),
    "period": _l("Reporting period"), "region": _l("Region"), "region_id": _l("Region"),
    "pair_id": _l("Pair"), "level": _l("Level"), "title": _l("Title"), "planned_on": _l("Planned for"),
    "held_on": _l("Held on"), "place": _l("Place"), "organizers": _l("Organizers"),
    "with_briefing": _l("With a financing briefing"), "attendance": _l("Attendance"),
    "merchants_reached": _l("Merchants reached"), "briefing_audience": _l("Briefing audience"),
    "intentions": _l("Intentions"), "signed_amount": _l("Signed amount"), "notes": _l("Notes"),
    "number": _l("Number"), "flagged": _l("Flagged"), "flag_reason": _l("Why flagged"),
    "revoked_reason": _l("Why revoked"), "decided_by_id": _l("Decided by"), "parent_id": _l("Part of"),
    "code": _l("Code"), "households": _l("Households"), "bank_name": _l("Bank"), "description": _l("Description"),
    "max_amount": _l("Maximum amount"), "term_months": _l("Term (months)"), "rate_text": _l("Rate"),
    "rules": _l("Rules"), "active": _l("Active"), "template": _l("Template"), "bureau_org_id": _l("Bureau"),
    "territory_id": _l("Territory"), "starts_on": _l("Starts on"), "ends_on": _l("Ends on"),
    "lead_ids": _l("Leads"), "campaign_id": _l("Drive"), "liaison_id": _l("Liaison"),
    "account_manager_id": _l("Account manager"), "organization_id": _l("Organization"), "roles": _l("Roles"),
    "username": _l("Username"), "display_name": _l("Name"), "phone": _l("Phone"), "email": _l("Email"),
    "products": _l("Products"), "visit_id": _l("Visit"), "application_id": _l("Application"),
    "created": _l("Created"), "updated": _l("Updated"), "unchanged": _l("Unchanged"), "rejected": _l("Rejected"),
    "reminder_settings": _l("Reminder rules"), "email_reminders": _l("Reminders by e-mail"),
    "webhook_reminders": _l("Reminders by group chat"), "intake_token": _l("QR poster link"),
    "district_kind": _l("Kind of district"),
}
# Which label group a code-valued field reads from, per kind of object (None: any object).
VALUE_GROUPS = {
    ("referrals", "status"): "referral_status", ("events", "status"): "event_status",
    ("plaques", "status"): "plaque_status", ("needs", "status"): "need_status",
    ("follow_ups", "status"): "follow_up_status", ("intake_submissions", "status"): "submission_status",
    ("events", "kind"): "event_kind", ("events", "level"): "event_level", ("merchants", "kind"): "merchant_kind",
    ("regions", "level"): "region_level", ("organizations", "kind"): "org_kind",
    (None, "closed_reason"): "closed_reason", (None, "trade"): "trade", (None, "tier"): "tier",
    (None, "registry_status"): "registry_status", (None, "district_kind"): "district_kind",
    (None, "roles"): "role", (None, "focus_trades"): "trade",
}
SOURCES = {"filter": _l("Filter of the registry"), "upload": _l("Credit codes"), "qr": _l("QR applications")}


def _model_of(key: str):
    """The model an id-valued field names."""
    from crm.campaigns.models import Campaign, LiaisonPair
    from crm.merchants.models import Merchant
    from crm.people.models import Organization, User
    from crm.referrals.models import ReferralList
    from crm.regions.models import Region
    from crm.visits.models import Application, Visit

    people = ("assignee_id", "decided_by_id", "liaison_id", "account_manager_id", "lead_ids", "user_id",
              "created_by_id", "author_id", "owner_id")
    places = ("region", "region_id", "county_id", "town_id", "district_id", "territory_id")
    orgs = ("bank_org_id", "bureau_org_id", "organization_id")
    for keys, model in ((people, User), (places, Region), (orgs, Organization), (("campaign_id",), Campaign),
                        (("pair_id",), LiaisonPair), (("merchant_id",), Merchant), (("list_id",), ReferralList),
                        (("visit_id",), Visit), (("application_id",), Application)):
        if key in keys:
            return model
    return None


def _named(model, value) -> str:
    obj = db.session.get(model, value) if isinstance(value, int) or str(value).isdigit() else None
    if obj is None:
        return _("(deleted)")
    for attribute in ("display_name", "name"):
        if getattr(obj, attribute, None):
            return getattr(obj, attribute)
    merchant = getattr(obj, "merchant", None)  # a visit or an application: whose, and when
    day = getattr(obj, "visited_on", None) or getattr(obj, "applied_on", None)
    return f"{merchant.name if merchant else ''} {day.isoformat() if day else ''}".strip()


def _drive_rule(object_type: str | None, key: str) -> bool:
    """A drive's rule field, or one rule under its dotted key ("plaque_criteria.min_loan_months")."""
    from crm.campaigns.rule_changes import RULE_FIELDS

    return object_type == "campaigns" and (key in RULE_FIELDS or
                                           (key.split(".")[0] in (*RULE_FIELDS, "products") and "." in key))


def field_label(object_type: str | None, key: str) -> str:
    if _drive_rule(object_type, key):
        from crm.campaigns.rulebook import field_name, rule_name

        return rule_name(key) if "." in key else field_name(key)
    if key in FIELD_LABELS:
        return str(FIELD_LABELS[key])
    if key in LABELS["merchant_field"]:
        return label("merchant_field", key)
    return key


def display_value(object_type: str | None, key: str, value) -> str:
    """One stored value as the page shows it."""
    if _drive_rule(object_type, key):
        from crm.campaigns.rulebook import field_text, rule_value

        return rule_value(key, value) if "." in key else field_text(key, value)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "、".join(display_value(object_type, key, item) for item in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{field_label(object_type, str(k))} {display_value(object_type, str(k), v)}"
                        for k, v in value.items())
    group = VALUE_GROUPS.get((object_type, key)) or VALUE_GROUPS.get((None, key))
    if group:
        return label(group, str(value))
    model = _model_of(key)
    if model is not None:
        return _named(model, value)
    if key == "period":
        return period_label(str(value))
    if key == "source":
        return str(SOURCES.get(value, value))
    if key == "template":
        from crm.campaigns.templates import template_label

        return template_label(value)
    if isinstance(value, str) and len(value) == 19 and value[10] == "T":
        return value.replace("T", " ")[:16]  # a stored timestamp, to the minute
    return str(value)


def readable_changes(event) -> list[tuple[str, str | None, str]]:
    """(field label, before or None for a plain value, after) per change of an audit event."""
    lines = []
    for key, change in (event.changes or {}).items():
        if isinstance(change, list) and len(change) == 2:
            lines.append((field_label(event.object_type, key), display_value(event.object_type, key, change[0]),
                          display_value(event.object_type, key, change[1])))
        else:
            lines.append((field_label(event.object_type, key), None, display_value(event.object_type, key, change)))
    return lines


# Summaries recorded as fixed English phrases, shown in the reader's language.
SUMMARIES = {"wrong password": _l("wrong password"), "inactive": _l("inactive user"),
             "password changed": _l("password changed"), "reminder delivery": _l("reminder delivery")}


# Summaries recorded as an English phrase around a value: (pattern, phrase, how the value is shown).
SUMMARY_PATTERNS = (
    (re.compile(r"^unknown user (.*)$", re.DOTALL), _l("unknown user %(value)s"), str),
    (re.compile(r"^API token (.*)$", re.DOTALL), _l("API token %(value)s"), str),
    (re.compile(r"^(.*): password reset$", re.DOTALL), _l("%(value)s: password reset"), str),
    (re.compile(r"^retry (\w+) delivery$"), _l("retry %(value)s delivery"), lambda code: label("outbox_channel", code)),
    (re.compile(r"^retry (\d+) failed deliveries$"), _l("retry %(value)s failed deliveries"), str),
)


def readable_summary(event) -> str | None:
    if event.summary in SUMMARIES:
        return str(SUMMARIES[event.summary])
    for pattern, phrase, shown in SUMMARY_PATTERNS:
        found = pattern.match(event.summary or "")
        if found:
            return str(phrase) % {"value": shown(found.group(1))}
    return event.summary
