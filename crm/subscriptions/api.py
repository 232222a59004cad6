"""/api/v1/subscriptions: an admin registers webhook endpoints; the `webhooks` of the OpenAPI document say
what each domain event posts to them."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.api.core import WEBHOOKS, ApiError, array, json_body, nullable, obj, route, schema
from crm.auth.scoping import can_manage_subscriptions
from crm.extensions import db
from crm.subscriptions import operations as ops
from crm.subscriptions.models import Subscription

EVENT_NAME = {"type": "string", "enum": list(ops.EVENT_NAMES)}
FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 100},
    "url": {"type": "string", "format": "uri", "maxLength": 300, "description": "an allowed host (CRM_WEBHOOK_ALLOWED_HOSTS)"},
    "events": {**array(EVENT_NAME), "minItems": 1},
    "active": {"type": "boolean"},
}
SUBSCRIPTION = schema("Subscription", obj({
    "id": {"type": "integer"}, **FIELDS,
    "secret": {"type": "string", "description": "the HMAC-SHA256 key of X-CRM-Signature"},
    "created_at": {"type": "string", "format": "date-time"},
}))
NEW = schema("SubscriptionInput", {**obj(FIELDS, ["name", "url", "events"]), "additionalProperties": False})
PATCH = schema("SubscriptionPatch", {**obj({**FIELDS, "rotate_secret": {
    "type": "boolean", "description": "true: a new secret; the old one stops signing at once"}}, []),
    "additionalProperties": False})
KINDS = {"name": str, "url": str, "events": list, "active": bool, "rotate_secret": bool}


def subscription_json(s: Subscription) -> dict:
    return {"id": s.id, "name": s.name, "url": s.url, "events": list(s.events or []), "active": bool(s.active),
            "secret": s.secret, "created_at": s.created_at.isoformat() + "Z"}


def _admin() -> None:
    if not can_manage_subscriptions(current_user):
        raise ApiError(403, "forbidden", _("Only an administrator manages subscriptions."))


def _values(allowed: tuple[str, ...]) -> dict:
    body = json_body()
    fields = {key: _("Unknown field.") for key in body if key not in allowed}
    fields |= {key: _("Wrong type.") for key, value in body.items()
               if key in allowed and not isinstance(value, KINDS[key])}
    events = body.get("events")
    if isinstance(events, list) and not all(isinstance(value, str) for value in events):
        fields["events"] = _("Wrong type.")
    if fields:
        raise ApiError(422, "invalid", _("Some fields are not valid."), fields)
    return body


def _saved(action):
    try:
        result = action()
    except ValueError as err:
        db.session.rollback()
        raise ApiError(422, "invalid", str(err), {"subscription": str(err)}) from err
    db.session.commit()
    return result


def _subscription(subscription_id: int) -> Subscription:
    _admin()
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None:
        raise ApiError(404, "not_found", _("No such subscription."))
    return subscription


@route("/subscriptions", ["GET"], summary="Webhook subscriptions (admin)", responses={200: array(SUBSCRIPTION), 403: None})
def list_subscriptions():
    _admin()
    return jsonify([subscription_json(s) for s in db.session.scalars(select(Subscription).order_by(Subscription.id))])


@route("/subscriptions", ["POST"], summary="Register a webhook endpoint for domain events (admin); answers its secret",
       body=NEW, responses={201: SUBSCRIPTION, 400: None, 403: None, 422: None})
def create_subscription():
    _admin()
    values = _values(("name", "url", "events", "active"))
    missing = {key: _("Required.") for key in ("name", "url", "events") if key not in values}
    if missing:
        raise ApiError(422, "invalid", _("Some fields are not valid."), missing)
    return jsonify(subscription_json(_saved(lambda: ops.create_subscription(values, current_user)))), 201


@route("/subscriptions/<int:subscription_id>", ["GET"], summary="One webhook subscription (admin)",
       responses={200: SUBSCRIPTION, 403: None})
def read_subscription(subscription_id: int):
    return jsonify(subscription_json(_subscription(subscription_id)))


@route("/subscriptions/<int:subscription_id>", ["PATCH"],
       summary="Change a subscription: address, events, on/off, or a new secret (admin)",
       body=PATCH, responses={200: SUBSCRIPTION, 400: None, 403: None, 422: None})
def patch_subscription(subscription_id: int):
    subscription = _subscription(subscription_id)
    values = _values(tuple(KINDS))
    _saved(lambda: ops.update_subscription(subscription, values, current_user))
    return jsonify(subscription_json(subscription))


# ---- what the CRM posts: OpenAPI 3.1 `webhooks` -----------------------------------------------

FIELD_SCHEMAS = {
    "author_id": {"type": "integer"}, "kind": {"type": "string"}, "visited_at": {"type": "string", "format": "date-time"},
    "list_id": {"type": "integer"}, "assignee_id": nullable("integer"), "status": {"type": "string"},
    "previous_status": nullable("string"), "granted_amount": {"type": "number"}, "rate": nullable("number"),
    "granted_on": nullable({"type": "string", "format": "date"}), "drawn_amount": {"type": "number"},
    "drawn_on": nullable({"type": "string", "format": "date"}), "number": nullable("string"),
    "flag_reason": nullable("string"),
}
HEADERS = {
    "X-CRM-Signature": "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.\" + the body, keyed by the subscription's "
                       "secret>; refuse a stale t",
    "X-CRM-Event": "the event type, as in the body",
    "Idempotency-Key": "one per delivery, the same on every retry: a receiver that saw it already drops the repeat",
}
for domain_event in ops.EVENTS:
    data = obj({"id": {"type": "integer"}, "campaign_id": {"type": "integer"}, "merchant_id": {"type": "integer"},
                **{name: FIELD_SCHEMAS[name] for name in domain_event.fields}})
    envelope = obj({"id": {"type": "string", "description": "the event's id (the same for every subscriber)"},
                    "type": {"type": "string", "const": domain_event.name},
                    "occurred_at": {"type": "string", "format": "date-time"}, "data": data})
    WEBHOOKS[domain_event.name] = {"post": {
        "summary": domain_event.description,
        "operationId": "webhook_" + domain_event.name.replace(".", "_"),
        "parameters": [{"name": name, "in": "header", "required": True, "schema": {"type": "string"},
                        "description": text} for name, text in HEADERS.items()],
        "requestBody": {"required": True, "content": {"application/json": {"schema": envelope}}},
        "responses": {"2XX": {"description": "received: the delivery is marked sent. Any other answer, or none "
                                             "within 10 s, is retried after 1, 2, 4 … minutes"}},
    }}
