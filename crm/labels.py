"""Display names for the codes stored in the database, in the user's language.

Codes stay English in the database and the API; people see these labels.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

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
    "event_level": {"province": _l("Province"), "city": _l("City"), "county": _l("County")},
    "month_state": {
        "held": _l("Held"),
        "planned": _l("Planned"),
        "missed": _l("Missed"),
        "open": _l("Not planned yet"),
        "future": _l("Later"),
    },
    "quota_cadence": {"week": _l("Week"), "month": _l("Month"), "quarter": _l("Quarter"), "year": _l("Year")},
    "quota_scope": {"pair": _l("Liaison pair"), "county": _l("County"), "level_pair": _l("Level pair"),
                    "drive": _l("Whole drive")},
    "weekday": {"1": _l("Monday"), "2": _l("Tuesday"), "3": _l("Wednesday"), "4": _l("Thursday"), "5": _l("Friday"),
                "6": _l("Saturday"), "7": _l("Sunday")},
    "quota_state": {"met": _l("Met"), "behind": _l("Behind"), "missed": _l("Missed"), "future": _l("Later")},
    "plaque_criterion": {
        "tier": _l("Tier"),
        "registry_status": _l("Registry status"),
        "dishonest": _l("Dishonest-persons list"),
        "max_overdue_12m": _l("Times overdue in the last 12 months"),
        "overdue_run_24m": _l("Overdue periods in a row in the last 24 months"),
        "overdue_periods_24m": _l("Overdue periods in all in the last 24 months"),
        "months_trading": _l("Months trading"),
        "credit_line": _l("Credit line"),
        "loan_months": _l("Months of loan use"),
        "bad_loans": _l("Bad loan record"),
        "false_reporting": _l("Reported false data"),
    },
    "check_result": {"pass": _l("Passed"), "fail": _l("Not met"), "unknown": _l("Unknown")},
    "yes_no": {True: _l("Yes"), False: _l("No")},
    "intake_channel": {"qr": _l("QR form"), "window": _l("Service window")},
    "outbox_channel": {"email": _l("Email"), "webhook": _l("Webhook"), "subscription": _l("Subscription")},
    "chain_role": {"core": _l("Core enterprise"), "upstream": _l("Upstream"), "downstream": _l("Downstream")},
    "screening": {
        "eligible": _l("Passes the first screening"),
        "not_eligible": _l("Does not pass the first screening"),
        "unknown": _l("Not in the registry: visit to check"),
    },
    "submission_status": {
        "landed": _l("On the pair's list"),
        "pending": _l("Waiting for the liaison"),
        "accepted": _l("Accepted by the liaison"),
        "rejected": _l("Rejected"),
    },
    "plaque_status": {
        "nominated": _l("Nominated"),
        "approved": _l("Approved"),
        "rejected": _l("Rejected"),
        "revoked": _l("Revoked"),
    },
    "need_status": {"open": _l("Open"), "closed": _l("Closed")},
    "need_kind": {"financing": _l("Financing need"), "other": _l("Other need")},
    "need_state": {"open": _l("Open"), "overdue": _l("Overdue"), "closed": _l("Closed"), "all": _l("All")},
    "follow_up_status": {"planned": _l("Planned"), "done": _l("Done"), "cancelled": _l("Cancelled")},
    # Tables, as the audit log and the "still referred to by" messages name them.
    "object_type": {
        "regions": _l("Regions"), "organizations": _l("Organizations"), "users": _l("Users"),
        "user_roles": _l("Roles"), "campaigns": _l("Drives"), "campaign_leads": _l("Drive leads"),
        "liaison_pairs": _l("Liaison pairs"), "merchants": _l("Merchants"), "api_tokens": _l("API tokens"),
        "referral_lists": _l("Referral lists"), "referrals": _l("Referrals"),
        "intake_submissions": _l("QR applications"), "visits": _l("Visits"), "follow_ups": _l("Follow-ups"),
        "needs": _l("Needs"), "applications": _l("Applications"), "photos": _l("Photos"), "events": _l("Events"),
        "plaques": _l("Plaques"), "products": _l("Products"), "campaign_products": _l("Drive products"),
        "reminders": _l("Reminders"), "outbox_messages": _l("Outgoing messages"), "rule_runs": _l("Rule runs"),
        "audit_events": _l("Audit events"), "merchant_import": _l("Registry imports"),
        "webhook_subscriptions": _l("Webhook subscriptions"),
    },
    "audit_action": {
        "login": _l("Signed in"), "logout": _l("Signed out"), "login_failed": _l("Failed sign-in"), "lockout": _l("Locked out"),
        "create": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted"), "revoke": _l("Revoked"),
        "export": _l("Exported"), "view": _l("Viewed"),
        "import": _l("Imported"), "hand_over": _l("Handed over"), "assign": _l("Assigned"),
    },
    # Merchant attributes as the registry import names them in its report.
    "merchant_field": {
        "credit_code": _l("Credit code"), "name": _l("Name"), "operator_name": _l("Operator"),
        "operator_phone": _l("Operator phone"), "operator_birth_date": _l("Operator birth date"),
        "registered_on": _l("Registered on"), "trade": _l("Trade"), "tier": _l("Tier"),
        "distinguished": _l("名特优新 mark"), "distinguished_until": _l("Mark valid until"),
        "registry_status": _l("Registry status"), "dishonest": _l("On the dishonest-persons list"),
        "kind": _l("Kind"), "county_id": _l("County"), "town_id": _l("Town"), "district_id": _l("District"),
        "county": _l("County"), "town": _l("Town"), "district": _l("District"),
        "address": _l("Address"), "annual_revenue": _l("Annual revenue (yuan)"),
    },
}


def label(group: str, code: str | None) -> str:
    if code is None:
        return "—"
    return str(LABELS.get(group, {}).get(code, code))


def choices(group: str, blank: bool = False) -> list[SelectChoice]:
    """The codes of a group with their labels, for a select field or a filter."""
    items = [SelectChoice(code, str(text)) for code, text in LABELS[group].items()]
    return ([SelectChoice("", "—")] if blank else []) + items
