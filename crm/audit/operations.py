"""The one call that records a change or a sign-in: audit.record(...)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import g, has_app_context

from crm.audit.models import AuditEvent
from crm.extensions import db


def client_address() -> str | None:
    """The requester's address as the web layer saw it (crm.web sets it per request); None elsewhere."""
    return g.get("client_address") if has_app_context() else None


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def snapshot(obj, fields) -> dict:
    """The named attributes of a model, as JSON-safe values, for before/after comparisons."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for each field that changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record(action: str, obj=None, *, summary: str | None = None, changes: dict | None = None,
           actor=None, object_type: str | None = None, object_id=None) -> AuditEvent:
    """Add an AuditEvent to the session; it commits with the change it describes."""
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()  # a new object needs its id before it can be named
    if actor is None and has_app_context():
        actor = g.get("acting_user")  # the signed-in user of this request, set by crm.web
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None),
        ip=client_address(),
        action=action,
        object_type=object_type or (obj.__tablename__ if obj is not None else None),
        object_id=str(object_id if object_id is not None else getattr(obj, "id", "")) or None,
        summary=summary,
        changes=_plain(changes) if changes else None,
    )
    db.session.add(event)
    return event


def record_create(obj, fields, *, summary: str | None = None, actor=None) -> AuditEvent:
    """Audit a new object: each named field that has a value, as [None, value]."""
    changes = {k: [None, v] for k, v in snapshot(obj, fields).items() if v not in (None, "", [], {})}
    return record("create", obj, summary=summary, changes=changes, actor=actor)


def add(obj, values: dict, fields, *, summary: str | None = None, actor=None):
    """Give a new object its values, add it to the session and audit its creation; returns it."""
    for key, value in values.items():
        setattr(obj, key, value)
    db.session.add(obj)
    record_create(obj, fields, summary=summary, actor=actor)
    return obj


def apply_changes(obj, values: dict, fields, *, summary: str | None = None, actor=None) -> dict:
    """Set the given attributes; when an audited field changed, record the update. Returns the changes."""
    before = snapshot(obj, fields)
    for key, value in values.items():
        setattr(obj, key, value)
    changes = diff(before, snapshot(obj, fields))
    if changes:
        record("update", obj, summary=summary, changes=changes, actor=actor)
    return changes
