"""Plaque rules: the drive's criteria checked one by one, approval with a plaque number, revocation,
and flagging a plaque for review when its merchant turns revoked, abnormal or dishonest.

Campaign.plaque_criteria keys (each optional):
  registry facts — tiers, veto_statuses, veto_dishonest, min_months_trading;
  the bank's loan facts — the criteria of crm.bankfacts.criteria (min_loan_months, no_bad_loans, …);
  number_prefix. Each criterion's clause is the drive's rule source "plaque_criteria.<key>".

A check is as crm.bankfacts.criteria makes it: a bank fact nobody reported is "unknown", and a merchant with
an unknown criterion cannot be approved.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.bankfacts.criteria import Checks, bank_checks
from crm.bankfacts.operations import latest
from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.labels import label
from crm.merchants.models import Merchant
from crm.plaques.models import Plaque
from crm.products.operations import months_between
from crm.signals import merchant_flagged
from crm.timeutil import local_today, utcnow

AUDITED_FIELDS = ("status", "number", "flagged", "flag_reason", "revoked_reason", "decided_by_id")
OPEN_STATUSES = ("nominated", "approved")


class PlaqueError(ValueError):
    """A plaque change that the rules refuse; the message is for the user."""


def _registry_checks(checks: Checks, merchant: Merchant, rules: dict, today: date) -> None:
    if rules.get("tiers"):
        allowed = ", ".join(label("tier", t) for t in rules["tiers"])
        checks.test("tier", "tiers", merchant.tier in rules["tiers"],
                    _("tier %(tier)s; allowed: %(allowed)s", tier=label("tier", merchant.tier), allowed=allowed))
    checks.test("registry_status", "veto_statuses", merchant.registry_status not in (rules.get("veto_statuses") or []),
                _("registry status %(status)s", status=label("registry_status", merchant.registry_status)))
    if rules.get("veto_dishonest", True):
        checks.test("dishonest", "veto_dishonest", not merchant.dishonest,
                    _("on the dishonest-persons list") if merchant.dishonest
                    else _("not on the dishonest-persons list"))
    if rules.get("min_months_trading"):
        need = rules["min_months_trading"]
        if merchant.registered_on is None:
            checks.add("months_trading", "min_months_trading", "unknown", _("registration date not on record"))
        else:
            months = months_between(merchant.registered_on, today)
            checks.test("months_trading", "min_months_trading", months >= need,
                        _("trading %(months)s months, needs %(need)s", months=months, need=need))


def check_criteria(merchant: Merchant, campaign: Campaign, today: date | None = None) -> list[dict]:
    """Each of the drive's plaque criteria and vetoes: pass, fail or unknown, why, and the clause."""
    rules = campaign.plaque_criteria or {}
    checks = Checks(campaign, "plaque_criteria")
    _registry_checks(checks, merchant, rules, today or local_today())
    bank_checks(checks, latest(merchant, campaign.bank_org), rules)
    return checks.items


def all_passed(checks: list[dict]) -> bool:
    return all(c["passed"] for c in checks)


def unknown_criteria(checks: list[dict]) -> list[str]:
    return [c["criterion"] for c in checks if c.get("result") == "unknown"]


def nominate(merchant: Merchant, campaign: Campaign, actor) -> Plaque:
    """Nominate a merchant; its criteria are checked now and kept with the nomination."""
    existing = db.session.scalar(select(Plaque).where(
        Plaque.merchant_id == merchant.id, Plaque.campaign_id == campaign.id, Plaque.status.in_(OPEN_STATUSES)))
    if existing is not None:
        raise PlaqueError(_("This merchant is already nominated or holds a plaque in this drive."))
    plaque = Plaque(campaign_id=campaign.id, merchant_id=merchant.id, status="nominated",
                    checks=check_criteria(merchant, campaign), nominated_by_id=actor.id)
    db.session.add(plaque)
    audit.record("create", plaque, summary=merchant.name, actor=actor,
                 changes={"status": [None, "nominated"], "checks": [None, plaque.checks]})
    return plaque


def plaque_number(campaign: Campaign, year: int, serial: int) -> str:
    """SB-2025-0001: the drive's prefix, the year of approval and the serial within that year."""
    return f"{(campaign.plaque_criteria or {}).get('number_prefix', 'SB')}-{year}-{serial:04d}"


def next_number(campaign: Campaign, year: int) -> str:
    """SB-2025-0001, SB-2025-0002 …: the next free number of the year."""
    prefix = plaque_number(campaign, year, 0)[:-4]
    numbers = db.session.scalars(select(Plaque.number).where(Plaque.number.like(f"{prefix}%"))).all()
    highest = max((int(n[len(prefix):]) for n in numbers if n[len(prefix):].isdigit()), default=0)
    return plaque_number(campaign, year, highest + 1)


def _decide(plaque: Plaque, values: dict, actor) -> None:
    values = {**values, "decided_by_id": actor.id}
    plaque.decided_at = utcnow()
    audit.apply_changes(plaque, values, AUDITED_FIELDS, summary=plaque.merchant.name, actor=actor)


def approve(plaque: Plaque, actor) -> Plaque:
    """Approve a nomination whose criteria all pass today; a plaque number is issued."""
    if plaque.status != "nominated":
        raise PlaqueError(_("Only a nomination can be approved."))
    plaque.checks = check_criteria(plaque.merchant, plaque.campaign)
    if unknown_criteria(plaque.checks):
        raise PlaqueError(_("Some criteria are unknown until the bank reports its facts; see the checks."))
    if not all_passed(plaque.checks):
        raise PlaqueError(_("The merchant does not meet every criterion; see the checks."))
    _decide(plaque, {"status": "approved", "number": next_number(plaque.campaign, local_today().year)}, actor)
    return plaque


def reject(plaque: Plaque, actor) -> Plaque:
    if plaque.status != "nominated":
        raise PlaqueError(_("Only a nomination can be rejected."))
    _decide(plaque, {"status": "rejected"}, actor)
    return plaque


def revoke(plaque: Plaque, reason: str, actor) -> Plaque:
    if plaque.status != "approved":
        raise PlaqueError(_("Only an approved plaque can be revoked."))
    if not (reason or "").strip():
        raise PlaqueError(_("Give the reason for revoking the plaque."))
    _decide(plaque, {"status": "revoked", "revoked_reason": reason.strip()[:200], "flagged": False}, actor)
    return plaque


def flag_for_review(merchant: Merchant, reason: str) -> list[Plaque]:
    """Flag the merchant's approved plaques for review, with the reason."""
    plaques = db.session.scalars(select(Plaque).where(Plaque.merchant_id == merchant.id,
                                                      Plaque.status == "approved")).all()
    for plaque in plaques:
        audit.apply_changes(plaque, {"flagged": True, "flag_reason": (reason or "")[:200]}, AUDITED_FIELDS,
                            summary=merchant.name)
    return list(plaques)


@merchant_flagged.connect
def _on_merchant_flagged(merchant: Merchant, reason: str = "", **_extra) -> None:
    flag_for_review(merchant, reason)
