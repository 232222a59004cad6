"""Self-application (扫码申请 → 初审 → 客户经理上门) through the public QR form or at the drive's service window
(服务专窗, 001: 贷款咨询+申请受理, staff-entered): spam checks of the public form (one-off stamps), the first
screening, the liaison's screening of unknown codes, landing as a self-applied referral on the pair's list
of that channel, and purging old submissions.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from crm import audit
from crm.auth.scoping import merchant_in_region
from crm.campaigns.models import LiaisonPair
from crm.extensions import db
from crm.intake.models import UsedFormStamp
from crm.merchants import operations as merchant_ops
from crm.merchants.models import Merchant
from crm.products.operations import base_check, match
from crm.referrals.models import OPEN_STATUSES, IntakeSubmission, Referral, ReferralList
from crm.referrals.operations import contact_deadline
from crm.timeutil import local_today, utcnow

MIN_FILL_SECONDS = 3  # a person needs longer than this to fill in the form
MAX_FORM_AGE = timedelta(hours=6)
# The consent sentence the applicant ticks (crm/intake/forms.py); bump the version when its wording changes.
CONSENT_VERSION = "2026-12-01"


def address_hash(address: str | None) -> str:
    """The client address, salted with the app's secret: enough to tell repeats apart, not to identify."""
    salt = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{salt}|{address or ''}".encode()).hexdigest()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="intake-form")


def form_stamp() -> str:
    """A signed issue time and a one-off nonce, to tell a person from a script that posts at once or replays."""
    return _serializer().dumps({"t": utcnow().timestamp(), "n": secrets.token_hex(16)})


def use_stamp(stamp: str | None) -> str | None:
    """Why the form's stamp is not acceptable (forged, too quick, too old, already used), or None after
    marking it used."""
    expired = _("The form has expired; please fill it in again.")
    try:
        payload = _serializer().loads(stamp or "")
        issued, nonce = float(payload["t"]), str(payload["n"])
    except (BadSignature, TypeError, ValueError, KeyError):
        return expired
    now = utcnow()
    age = now.timestamp() - issued
    if age < MIN_FILL_SECONDS:
        return _("That was quick! Please check your answers and send the form again.")
    if age > MAX_FORM_AGE.total_seconds():
        return expired
    db.session.execute(delete(UsedFormStamp).where(UsedFormStamp.used_at < now - MAX_FORM_AGE))
    try:
        with db.session.begin_nested():  # two posts of one stamp at once: the second fails here
            db.session.add(UsedFormStamp(nonce=nonce, used_at=now))
    except IntegrityError:
        return _("This form has already been sent; to apply again, open the form anew.")
    return None


def pair_for_token(token: str) -> LiaisonPair | None:
    if not token:
        return None
    return db.session.scalar(select(LiaisonPair).where(LiaisonPair.intake_token == token,
                                                       LiaisonPair.active.is_(True)))


def ensure_token(pair: LiaisonPair, actor) -> str:
    """The pair's poster token, made on first use; unguessable so posters cannot be enumerated."""
    if not pair.intake_token:
        pair.intake_token = secrets.token_urlsafe(18)
        audit.record("update", pair, summary=pair.name, actor=actor, changes={"intake_token": [None, "(new)"]})
    return pair.intake_token


def screen(pair: LiaisonPair, merchant: Merchant | None) -> dict:
    """The automatic first screening against the drive's base conditions and product rules."""
    campaign = pair.campaign
    if merchant is None:
        return {"outcome": "unknown", "reasons": [], "fits": [], "suggested_cap": None}
    today = local_today()
    fails, _unknown = base_check(merchant, campaign, today)
    result = match(merchant, campaign, today)
    return {
        "outcome": "not_eligible" if fails or not result.fits else "eligible",
        "reasons": fails + ([] if result.fits else [_("no product of the drive fits")]),
        "fits": [fit.product.name for fit in result.fits],
        "suggested_cap": float(result.suggested_cap) if result.suggested_cap is not None else None,
    }


LIST_NAMES = {"qr": "扫码申请", "window": "服务专窗"}


def _intake_list(pair: LiaisonPair, channel: str) -> ReferralList:
    """The pair's self-application list of this channel and month (one per pair, channel and month)."""
    month = local_today().strftime("%Y-%m")
    criteria = {"pair_id": pair.id, "month": month}
    name = f"{LIST_NAMES[channel]} · {pair.name} · {month}"
    found = db.session.scalar(select(ReferralList).where(
        ReferralList.campaign_id == pair.campaign_id, ReferralList.source == channel, ReferralList.name == name))
    if found is not None:
        return found
    referral_list = ReferralList(campaign_id=pair.campaign_id, name=name, source=channel, criteria=criteria,
                                 bureau_org_id=pair.liaison.organization_id,
                                 bank_org_id=pair.account_manager.organization_id, handed_over_at=utcnow())
    db.session.add(referral_list)
    audit.record("create", referral_list, summary=name)
    return referral_list


def _open_referral(campaign_id: int, merchant: Merchant) -> Referral | None:
    return db.session.scalar(select(Referral).where(
        Referral.campaign_id == campaign_id, Referral.merchant_id == merchant.id,
        Referral.status.in_(OPEN_STATUSES)).order_by(Referral.id))


def _land(pair: LiaisonPair, merchant: Merchant, screening: dict, channel: str) -> Referral:
    """Put the merchant on the pair's self-application list for its account manager (or find it there)."""
    campaign = pair.campaign
    referral = _open_referral(campaign.id, merchant)
    if referral is not None:
        screening["duplicate_of_referral"] = referral.id
        return referral
    now = utcnow()
    referral = Referral(list_id=_intake_list(pair, channel).id, campaign_id=campaign.id, merchant_id=merchant.id,
                        status="assigned", assignee_id=pair.account_manager_id, pair_id=pair.id,
                        deadline_on=contact_deadline(campaign, local_today()),
                        assigned_at=now, status_changed_at=now, self_applied=True)
    db.session.add(referral)
    audit.record("create", referral, summary=f"{merchant.name} ({channel})",
                 changes={"status": [None, "assigned"], "assignee_id": [None, pair.account_manager_id]})
    return referral


def _in_area(pair: LiaisonPair, merchant: Merchant | None) -> bool:
    return merchant is not None and merchant_in_region(merchant, pair.region)


def submit(pair: LiaisonPair, values: dict, address_digest: str, channel: str = "qr",
           entered_by=None) -> IntakeSubmission:
    """Store a checked submission from a channel (the QR form; the window, entered_by a staff member).
    A merchant already registered in the pair's area is screened and lands on the pair's list at once;
    any other code waits for the pair's liaison to screen it, so an application never writes to the
    registry nor reaches a merchant outside the pair's area unscreened."""
    known = merchant_ops.find_by_code(values["credit_code"])
    known = known if _in_area(pair, known) else None
    screening = screen(pair, known)
    submission = IntakeSubmission(
        pair_id=pair.id, campaign_id=pair.campaign_id, business_name=values["business_name"],
        credit_code=values["credit_code"], phone=values["phone"], amount=values.get("amount"),
        purpose=values.get("purpose"), consent=True, consent_version=CONSENT_VERSION,
        client_address_hash=address_digest, status="pending", channel=channel,
        entered_by_id=entered_by.id if entered_by is not None else None,
    )
    if known is not None:
        submission.referral_id = _land(pair, known, screening, channel).id
        submission.status = "landed"
    submission.screening = screening
    db.session.add(submission)
    audit.record("create", submission, summary=values["business_name"], actor=entered_by,
                 changes={"channel": [None, channel]})
    return submission


class ScreeningRefused(ValueError):
    """The liaison's decision cannot be carried out; the message says why, in the user's language."""


def accept(submission: IntakeSubmission, actor) -> Referral:
    """The liaison vouches for a submission: its merchant is registered (marked self-reported) if new,
    and lands on the pair's list."""
    if submission.status != "pending":
        raise ScreeningRefused(_("This submission has already been screened."))
    pair = submission.pair
    merchant = merchant_ops.find_by_code(submission.credit_code)
    if merchant is None:
        region = pair.region
        location = merchant_ops.location_of(region) if region.level in ("town", "district") else {}
        merchant = merchant_ops.create_merchant({
            "credit_code": submission.credit_code, "name": submission.business_name,
            "kind": "individual" if submission.credit_code.startswith("92") else "small_enterprise",
            "operator_phone": submission.phone, "county_id": location.get("county_id") or pair.county_id,
            "town_id": location.get("town_id"), "district_id": location.get("district_id"), "self_reported": True,
        }, actor=actor)
        db.session.flush()
    elif not _in_area(pair, merchant):
        # Said the same way whether or not the code exists elsewhere: the form is no registry oracle.
        raise ScreeningRefused(_("This credit code cannot be taken on by this pair."))
    screening = screen(pair, merchant)
    referral = _land(pair, merchant, screening, submission.channel)
    db.session.flush()
    _decide(submission, "accepted", actor, referral_id=referral.id, screening=screening)
    return referral


def reject(submission: IntakeSubmission, actor) -> None:
    if submission.status != "pending":
        raise ScreeningRefused(_("This submission has already been screened."))
    _decide(submission, "rejected", actor)


def _decide(submission: IntakeSubmission, status: str, actor, **values) -> None:
    audit.apply_changes(submission, {"status": status, "decided_by_id": actor.id, "decided_at": utcnow(), **values},
                        ("status", "decided_by_id", "referral_id"), summary=submission.business_name, actor=actor)


def purge(older_than_days: int) -> int:
    """Delete public-form submissions received more than this many days ago; returns how many.

    What they led to (a referral, a self-reported merchant) stays: it is the drive's own record now.
    """
    cutoff = utcnow() - timedelta(days=older_than_days)
    count = db.session.execute(delete(IntakeSubmission).where(IntakeSubmission.created_at < cutoff)).rowcount
    if count:  # the scheduler purges nightly: a night with nothing to delete leaves no trace
        audit.record("delete", object_type="intake_submissions",
                     summary=f"purged {count} submissions older than {older_than_days} days")
    return count
