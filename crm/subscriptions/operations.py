"""Subscriptions: registering endpoints, and turning domain events into signed outbox deliveries.

A domain event is noticed where the record is written, whatever wrote it (a page, the API, a sweep):
at the flush that inserts a visit, changes a referral's status, grants an application or records its
drawing, approves a plaque or flags it. One outbox message per active subscription that chose the
event is written in the same transaction, so a rolled-back change sends nothing and a committed one
is never lost; the outbox sender (crm/reminders/delivery.py) posts it signed, retries it with back-off
and marks it sent only on a 2xx answer. Each delivery carries its own Idempotency-Key, which stays the
same across retries, so a receiver that saw it already can drop the repeat.

Signature: header `X-CRM-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from crm import audit
from crm.plaques.models import Plaque
from crm.referrals.models import Referral
from crm.reminders.models import OutboxMessage
from crm.reminders.webhooks import address_problem
from crm.subscriptions.models import Subscription
from crm.timeutil import utcnow
from crm.visits.models import Application, Visit

AUDITED_FIELDS = ("name", "url", "events", "active")
CHANNEL = "subscription"  # the outbox channel of these deliveries


def _changed(state, name: str) -> tuple[bool, object, object]:
    """Whether the attribute changed in this flush, with its old value (None when unknown) and new one."""
    history = state.attrs[name].history
    if not history.added:
        return False, None, None
    old = history.deleted[0] if history.deleted else None
    return history.added[0] != old, old, history.added[0]


def _became(name: str, value=None) -> Callable:
    """The attribute changed to this value (any value but None when not given)."""
    def happened(state, new: bool) -> bool:
        changed, _old, now = _changed(state, name)
        return not new and changed and (now == value if value is not None else now is not None)
    return happened


@dataclass(frozen=True)
class DomainEvent:
    name: str  # "visit.recorded"
    label: object  # what the admin picks from
    model: type
    happened: Callable  # (instance state, is new) → bool
    fields: tuple[str, ...]  # what data carries besides id, campaign_id, merchant_id
    description: str  # for the OpenAPI document


EVENTS = (
    DomainEvent("visit.recorded", _l("Visit recorded"), Visit, lambda state, new: new,
                ("author_id", "kind", "visited_at"), "A field visit was recorded."),
    DomainEvent("referral.status_changed", _l("Referral status changed"), Referral,
                lambda state, new: not new and _changed(state, "status")[0],
                ("list_id", "assignee_id", "status", "previous_status"),
                "A referred merchant moved in the funnel (by hand, or by a visit or an application)."),
    DomainEvent("application.granted", _l("Application granted"), Application, _became("granted_amount"),
                ("granted_amount", "rate", "granted_on"), "The bank granted a loan application."),
    DomainEvent("application.drawn", _l("Application drawn"), Application, _became("drawn_amount"),
                ("drawn_amount", "drawn_on"), "The merchant drew the granted loan."),
    DomainEvent("plaque.approved", _l("Plaque approved"), Plaque, _became("status", "approved"),
                ("number",), "A plaque nomination was approved and numbered."),
    DomainEvent("plaque.flagged", _l("Plaque flagged for review"), Plaque, _became("flagged", True),
                ("flag_reason",), "An approved plaque was flagged: its merchant turned revoked, abnormal or dishonest."),
)
EVENT_NAMES = tuple(e.name for e in EVENTS)


# ---- registering endpoints --------------------------------------------------------------------

def _check(values: dict) -> dict:
    """The values cleaned, or ValueError with the reason in the user's language."""
    checked = dict(values)
    if "name" in checked:
        checked["name"] = (checked["name"] or "").strip()[:100]
        if not checked["name"]:
            raise ValueError(_("Give the subscription a name."))
    if "url" in checked:
        checked["url"] = (checked["url"] or "").strip()
        problem = address_problem(checked["url"]) if len(checked["url"]) <= 300 else _("The address is too long.")
        if problem:
            raise ValueError(problem)
    if "events" in checked:
        chosen = list(dict.fromkeys(checked["events"] or ()))
        if not chosen or not set(chosen) <= set(EVENT_NAMES):
            raise ValueError(_("Choose one or more of the events: %(events)s.", events=", ".join(EVENT_NAMES)))
        checked["events"] = sorted(chosen, key=EVENT_NAMES.index)
    return checked


def new_secret() -> str:
    return secrets.token_hex(32)


def create_subscription(values: dict, actor) -> Subscription:
    subscription = Subscription(secret=new_secret(), created_by_id=getattr(actor, "id", None))
    checked = _check({"active": True, **values})
    return audit.add(subscription, checked, AUDITED_FIELDS, summary=checked["name"], actor=actor)


def update_subscription(subscription: Subscription, values: dict, actor) -> dict:
    values = dict(values)
    rotate = values.pop("rotate_secret", False)
    changes = audit.apply_changes(subscription, _check(values), AUDITED_FIELDS, summary=subscription.name,
                                  actor=actor)
    if rotate:
        subscription.secret = new_secret()
        audit.record("update", subscription, summary=subscription.name, actor=actor,
                     changes={"secret": ["…", "…"]})
        changes = {**changes, "secret": ["…", "…"]}
    return changes


def deactivate_subscription(subscription: Subscription, actor) -> dict:
    """Stop sending to it; deliveries not yet sent fail (shown on the outbox page), its history stays."""
    return update_subscription(subscription, {"active": False}, actor)


# ---- signing ----------------------------------------------------------------------------------

def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# ---- domain events into the outbox ------------------------------------------------------------

def _json(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat() + "Z"  # stored in UTC
    if isinstance(value, date):
        return value.isoformat()
    return value


def _data(domain_event: DomainEvent, record, state) -> dict:
    data = {"id": record.id, "campaign_id": record.campaign_id, "merchant_id": record.merchant_id}
    for name in domain_event.fields:
        data[name] = _changed(state, "status")[1] if name == "previous_status" else getattr(record, name)
    return {name: _json(value) for name, value in data.items()}


def happened_in(session: Session) -> list[tuple[DomainEvent, dict]]:
    """The domain events of the records this flush wrote, with their data."""
    found = []
    for new, records in ((True, session.new), (False, session.dirty)):
        for record in records:
            state = inspect(record)
            for domain_event in EVENTS:
                if isinstance(record, domain_event.model) and domain_event.happened(state, new):
                    found.append((domain_event, _data(domain_event, record, state)))
    return found


@event.listens_for(Session, "after_flush")
def _enqueue_deliveries(session: Session, _context) -> None:
    found = happened_in(session)
    if not found:
        return
    connection = session.connection()
    subscriptions = connection.execute(select(Subscription.id, Subscription.url, Subscription.events)
                                       .where(Subscription.active.is_(True))).all()
    now = utcnow()
    rows = []
    for domain_event, data in found:
        envelope = {"id": uuid.uuid4().hex, "type": domain_event.name, "occurred_at": now.isoformat() + "Z",
                    "data": data}
        rows += [{"channel": CHANNEL, "target": url, "subscription_id": subscription_id, "payload": envelope,
                  "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}
                 for subscription_id, url, events in subscriptions if domain_event.name in (events or ())]
    if rows:
        connection.execute(insert(OutboxMessage), rows)
