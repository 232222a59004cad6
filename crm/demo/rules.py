"""The rules the world generator follows, read from where the app keeps them — never re-encoded here.

The drive's rules are the 双百工程 template's (crm/campaigns/templates.py); a stored visit's or
application's body hash is the one the API computes from what a phone sends (crm/api/payload.py);
a referral's contact deadline and a plaque's number come from their areas' operations.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from crm.api.payload import body_hash
from crm.campaigns.models import Campaign
from crm.campaigns.operations import rule_defaults, template_rules
from crm.plaques.operations import plaque_number
from crm.referrals.operations import contact_deadline
from crm.timeutil import local_date

TEMPLATE = "shuangbai"

__all__ = ["TEMPLATE", "application_hash", "apportion", "contact_deadline", "drive_rules", "plaque_numbers",
           "visit_hash"]


def drive_rules() -> dict:
    """The template's rules (targets, thresholds, deadlines, caps, plaque criteria), a fresh copy; the rules
    the template leaves out take the defaults a new drive starts with, as create_campaign gives them."""
    return {**rule_defaults(), **template_rules(TEMPLATE)}


def _sent(moment: datetime) -> str:
    """A stored (naive UTC) moment as a phone sends it: ISO 8601 with its offset."""
    return moment.isoformat() + "+00:00"  # the naive moment is UTC


def visit_hash(client_id: str, campaign_id: int, credit_code: str, kind: str, visited_at: datetime) -> str:
    """The body hash POST /api/v1/visits stores for the body a phone sends for this visit."""
    return body_hash({"client_id": client_id, "campaign_id": campaign_id, "merchant": {"credit_code": credit_code},
                      "kind": kind, "visited_at": _sent(visited_at)})


def application_hash(client_id: str, campaign_id: int, credit_code: str, amount: Decimal, applied_on: date) -> str:
    """The body hash POST /api/v1/applications stores for the body that filed this application."""
    return body_hash({"client_id": client_id, "campaign_id": campaign_id, "credit_code": credit_code,
                      "applied_amount": int(amount), "applied_on": applied_on.isoformat()})  # whole yuan


def plaque_numbers(campaign: Campaign, decided: Sequence[datetime]) -> list[str]:
    """The numbers plaques decided at these (UTC) moments got, issued one by one in the order they were
    approved, from 0001 again each local year (as plaques.operations.next_number does); in the order given."""
    numbers: list[str] = [""] * len(decided)
    serials: dict[int, int] = defaultdict(int)
    for index in sorted(range(len(decided)), key=lambda i: (decided[i], i)):
        year = local_date(decided[index]).year
        serials[year] += 1
        numbers[index] = plaque_number(campaign, year, serials[year])
    return numbers


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split total into integers proportional to weights (largest remainders, ties to the first), summing
    exactly to total."""
    whole = sum(weights)
    if not whole:
        return [0] * len(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts
