"""Display names for the codes stored in the database, in the user's language.

Codes stay English in the database and the API; people see these labels.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS: dict[str, dict[str, object]] = {
    "role": {
        "account_manager": _l("Account manager"),
        "liaison": _l("Liaison"),
        "branch_head": _l("Branch head"),
        "lead": _l("Programme lead"),
        "admin": _l("Administrator"),
    },
    "org_kind": {"bureau": _l("Market regulation bureau"), "bank": _l("Bank")},
    "region_level": {"city": _l("City"), "county": _l("County"), "town": _l("Town"), "district": _l("District")},
    "district_kind": {
        "business_district": _l("Business district"),
        "market": _l("Market"),
        "village": _l("Village"),
    },
    "merchant_kind": {"individual": _l("Individual business"), "small_enterprise": _l("Small enterprise")},
    "trade": {
        "wholesale_retail": _l("Wholesale & retail"),
        "lodging_catering": _l("Lodging & catering"),
        "transport_logistics": _l("Transport & logistics"),
        "agriculture": _l("Agriculture"),
        "manufacturing": _l("Manufacturing"),
        "resident_services": _l("Resident services"),
        "other": _l("Other"),
    },
    "tier": {"survival": _l("Survival"), "growth": _l("Growth"), "development": _l("Development")},
    "registry_status": {
        "operating": _l("Operating"),
        "revoked": _l("Revoked"),
        "cancelled": _l("Cancelled"),
        "abnormal": _l("Abnormal"),
    },
    "visit_kind": {
        "first": _l("First visit"),
        "follow_up": _l("Follow-up"),
        "joint_visit_day": _l("Joint visit day"),
        "briefing": _l("Briefing"),
    },
    "referral_status": {
        "pending": _l("Not yet assigned"),
        "assigned": _l("Assigned"),
        "contacted": _l("Contacted"),
        "visited": _l("Visited"),
        "applied": _l("Applied"),
        "granted": _l("Granted"),
        "drawn": _l("Drawn"),
        "closed": _l("Closed"),
    },
    "closed_reason": {
        "no_need": _l("No need"),
        "not_eligible": _l("Not eligible yet"),
        "cannot_reach": _l("Cannot reach"),
        "declined": _l("Declined"),
        "business_closed": _l("Business closed"),
        "duplicate": _l("Duplicate"),
    },
    "event_kind": {
        "joint_visit_day": _l("Joint visit day"),
        "matchmaking": _l("Matchmaking meeting"),
        "briefing": _l("Financing briefing"),
        "joint_meeting": _l("Joint meeting"),
        "level_visit": _l("Level-to-level visit"),
    },
    "event_status": {"planned": _l("Planned"), "held": _l("Held"), "cancelled": _l("Cancelled")},
    "plaque_status": {
        "nominated": _l("Nominated"),
        "approved": _l("Approved"),
        "rejected": _l("Rejected"),
        "revoked": _l("Revoked"),
    },
    "need_status": {"open": _l("Open"), "closed": _l("Closed")},
}


def label(group: str, code: str | None) -> str:
    if code is None:
        return "—"
    return str(LABELS.get(group, {}).get(code, code))


def choices(group: str, blank: bool = False) -> list[tuple[str, str]]:
    """(code, label) pairs for a select field or a filter."""
    items = [(code, str(text)) for code, text in LABELS[group].items()]
    return ([("", "—")] if blank else []) + items
