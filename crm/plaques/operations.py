"""Plaque rules: the drive's criteria checked one by one, approval with a plaque number, revocation,
and flagging a plaque for review when its merchant turns revoked, abnormal or dishonest.

Campaign.plaque_criteria keys (each optional): tiers, veto_statuses, veto_dishonest,
max_overdue_12m, min_months_trading, min_credit_line, number_prefix.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from crm import audit
from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.labels import label
from crm.merchants.models import Merchant
from crm.plaques.models import Plaque
from crm.products.operations import months_between
from crm.signals import merchant_flagged
from crm.timeutil import local_today, utcnow
from crm.visits.models import Application, FollowUp, Need, Visit

AUDITED_FIELDS = ("status", "number", "flagged", "flag_reason", "revoked_reason", "decided_by_id")
OPEN_STATUSES = ("nominated", "approved")


class PlaqueError(ValueError):
    """A plaque change that the rules refuse; the message is for the user."""


def overdue_count(merchant: Merchant, today: date) -> int:
    """Follow-ups and needs of the last 12 months that ran past their due date (done late or still open)."""
    since = today - timedelta(days=365)
    done = aliased(Visit)
    follow_ups = db.session.scalar(
        select(func.count(FollowUp.id)).outerjoin(done, done.id == FollowUp.done_visit_id).where(
            FollowUp.merchant_id == merchant.id, FollowUp.due_on >= since, FollowUp.due_on < today,
            FollowUp.status != "cancelled",
            or_(FollowUp.status == "planned", done.visited_on > FollowUp.due_on),
        )
    ) or 0
    needs = db.session.scalar(
        select(func.count(Need.id)).where(
            Need.merchant_id == merchant.id, Need.due_on >= since, Need.due_on < today,
            or_(Need.status == "open", Need.closed_on > Need.due_on),
        )
    ) or 0
    return follow_ups + needs


def credit_line(merchant: Merchant) -> int:
    return db.session.scalar(select(func.max(Application.granted_amount)).where(
        Application.merchant_id == merchant.id)) or 0


def _check(criterion: str, passed: bool, detail: str) -> dict:
    return {"criterion": criterion, "passed": bool(passed), "detail": detail}


def check_criteria(merchant: Merchant, campaign: Campaign, today: date | None = None) -> list[dict]:
    """Each of the drive's plaque criteria and vetoes, with whether the merchant passes and why."""
    today = today or local_today()
    rules = campaign.plaque_criteria or {}
    checks = []
    if rules.get("tiers"):
        allowed = ", ".join(label("tier", t) for t in rules["tiers"])
        checks.append(_check("tier", merchant.tier in rules["tiers"],
                             _("tier %(tier)s; allowed: %(allowed)s", tier=label("tier", merchant.tier),
                               allowed=allowed)))
    vetoed = rules.get("veto_statuses") or []
    checks.append(_check("registry_status", merchant.registry_status not in vetoed,
                         _("registry status %(status)s", status=label("registry_status", merchant.registry_status))))
    if rules.get("veto_dishonest", True):
        checks.append(_check("dishonest", not merchant.dishonest,
                             _("on the dishonest-persons list") if merchant.dishonest
                             else _("not on the dishonest-persons list")))
    if rules.get("max_overdue_12m") is not None:
        count = overdue_count(merchant, today)
        checks.append(_check("max_overdue_12m", count <= rules["max_overdue_12m"],
                             _("%(n)s overdue in the last 12 months; at most %(max)s", n=count,
                               max=rules["max_overdue_12m"])))
    if rules.get("min_months_trading"):
        need = rules["min_months_trading"]
        months = months_between(merchant.registered_on, today) if merchant.registered_on else None
        detail = (_("registration date not on record") if months is None
                  else _("trading %(months)s months, needs %(need)s", months=months, need=need))
        checks.append(_check("months_trading", months is not None and months >= need, detail))
    if rules.get("min_credit_line"):
        line = credit_line(merchant)
        checks.append(_check("credit_line", line >= rules["min_credit_line"],
                             _("credit line %(line)s yuan; needs %(need)s", line=format_decimal(line, "#,##0"),
                               need=format_decimal(rules["min_credit_line"], "#,##0"))))
    return checks


def all_passed(checks: list[dict]) -> bool:
    return all(c["passed"] for c in checks)


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
