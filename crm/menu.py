"""The main menu: what each role finds first. An entry appears once its page exists."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

# (endpoint, label, roles that see it; None = everyone signed in)
ENTRIES = (
    ("visits.today", _l("Today"), {"account_manager"}),
    ("homes.liaison", _l("My work"), {"liaison"}),
    ("homes.branch", _l("My branch"), {"branch_head"}),
    ("merchants.index", _l("Merchants"), None),
    ("needs.ledger", _l("Needs"), {"account_manager", "branch_head", "liaison", "lead", "admin"}),
    ("referrals.lists", _l("Referral lists"), {"liaison", "branch_head", "lead", "admin", "account_manager"}),
    ("events.index", _l("Events"), None),
    ("districts.index", _l("Coverage"), {"liaison", "branch_head", "lead", "admin", "account_manager"}),
    ("plaques.index", _l("Plaques"), {"liaison", "lead", "admin", "branch_head"}),
    ("products.index", _l("Products"), None),
    ("reports.dashboard", _l("Progress"), {"lead", "admin", "branch_head", "liaison"}),
    ("visits.flagged", _l("Visit locations"), {"liaison", "lead", "admin"}),
    ("imports.index", _l("Import"), {"liaison", "admin"}),
    ("admin.index", _l("Administration"), {"admin", "lead"}),
)


def menu_for(user) -> list[tuple[str, str]]:
    views = current_app.view_functions
    return [
        (endpoint, str(text))
        for endpoint, text, roles in ENTRIES
        if endpoint in views and (roles is None or user.has_role(*roles))
    ]


def home_endpoint(user) -> str:
    """Where a user lands after signing in."""
    views = current_app.view_functions
    for role, endpoint in (("account_manager", "visits.today"), ("liaison", "homes.liaison"),
                           ("branch_head", "homes.branch"), ("lead", "reports.dashboard"), ("admin", "admin.index")):
        if user.has_role(role) and endpoint in views:
            return endpoint
    return "merchants.index" if "merchants.index" in views else "auth.account"
