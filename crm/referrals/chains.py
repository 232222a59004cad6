"""一链一策 (001, 三、(二) 2): a core enterprise with its up- and downstream merchants as one referral list
(source "chain", each item marked core / upstream / downstream), handed over and worked like any list,
and granted together (链式授信): one batch of grants, all recorded or none.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select, update

from crm import audit
from crm.api.payload import Conflict, Invalid, NotFound
from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.merchants.credit_code import normalize
from crm.merchants.models import Merchant
from crm.people.models import Organization, User
from crm.referrals.models import Referral, ReferralList
from crm.referrals.operations import check_codes, create_list
from crm.timeutil import local_today
from crm.visits import operations as visit_ops
from crm.visits.models import Application


class ChainRefused(ValueError):
    """A chain that cannot be listed or granted; the message is for the user."""


@dataclass
class ChainResult:
    referral_list: ReferralList
    count: int
    rejected: list[dict] = field(default_factory=list)  # {credit_code, reason}


def create_chain_list(creator: User, campaign: Campaign, name: str, bank_org: Organization, core_code: str,
                      upstream: list[str], downstream: list[str]) -> ChainResult:
    """The chain as a list: the core enterprise must qualify; a member that cannot go on it is reported."""
    if not (core_code or "").strip():
        raise ChainRefused(_("Give the credit code of the chain's core enterprise."))
    roles = [("core", [core_code]), ("upstream", upstream), ("downstream", downstream)]
    check = check_codes(creator, campaign, [code for _role, codes in roles for code in codes])
    core_problem = next((r["reason"] for r in check.rejected if normalize(r["credit_code"]) == normalize(core_code)),
                        None)
    if core_problem or not check.merchant_ids:
        raise ChainRefused(_("The core enterprise cannot go on the list: %(reason)s",
                             reason=core_problem or _("not in the registry of your area")))
    if len(check.merchant_ids) < 2:
        raise ChainRefused(_("A chain needs the core enterprise and at least one merchant up- or downstream."))
    referral_list, count = create_list(creator, campaign, name, bank_org, check.merchant_ids, source="chain",
                                       criteria={"core": check.merchant_ids[0]})
    for role, codes in roles:
        db.session.execute(update(Referral).where(
            Referral.list_id == referral_list.id,
            Referral.merchant_id.in_(select(Merchant.id).where(Merchant.credit_code.in_(
                [normalize(c) for c in codes])))).values(chain_role=role)
            .execution_options(synchronize_session=False))
    return ChainResult(referral_list, count, check.rejected)


def _amount(raw, unit: int) -> Decimal | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "")) * unit
    except InvalidOperation as exc:
        raise ChainRefused(_("%(value)s is not an amount.", value=raw)) from exc
    if value <= 0:
        raise ChainRefused(_("%(value)s is not an amount.", value=raw))
    return value


def grant_chain(referral_list: ReferralList, amounts: dict, actor: User, unit: int = 1) -> int:
    """链式授信: grant the given amounts (by referral id, in yuan × unit) to the chain's members together, on
    their open application (one is recorded for a member without). All are recorded, or none; returns how many."""
    if referral_list.source != "chain":
        raise ChainRefused(_("Only a chain list is granted together."))
    items = {r.id: r for r in db.session.scalars(select(Referral).where(Referral.list_id == referral_list.id))}
    wanted = {int(k): _amount(v, unit) for k, v in amounts.items() if int(k) in items}
    wanted = {k: v for k, v in wanted.items() if v is not None}
    if not wanted:
        raise ChainRefused(_("Give the amount granted to at least one member of the chain."))
    today = local_today()
    try:
        with db.session.begin_nested():
            for referral_id, amount in wanted.items():
                merchant = items[referral_id].merchant
                application = db.session.scalar(select(Application).where(
                    Application.campaign_id == referral_list.campaign_id, Application.merchant_id == merchant.id,
                    Application.granted_amount.is_(None), Application.declined_reason.is_(None))
                    .order_by(Application.applied_on.desc(), Application.id.desc()))
                if application is None:
                    application, _created = visit_ops.create_application(actor, {
                        "client_id": f"chain-{secrets.token_hex(12)}", "campaign_id": referral_list.campaign_id,
                        "credit_code": merchant.credit_code, "applied_amount": str(amount),
                        "applied_on": today.isoformat()})
                visit_ops.update_application(application, actor, {"granted_amount": str(amount)})
    except Invalid as err:
        raise ChainRefused("; ".join(str(message) for message in err.fields.values())) from err
    except (Conflict, NotFound) as err:
        raise ChainRefused(str(err)) from err
    audit.record("grant_chain", referral_list, summary=referral_list.name, actor=actor,
                 changes={"granted": len(wanted)})
    return len(wanted)
