"""Reading the audit trail: one object's history, and the filtered log for administrators."""
from __future__ import annotations

from sqlalchemy import Select, select

from crm.audit.models import AuditEvent
from crm.extensions import db


def history(obj, limit: int = 20) -> list[AuditEvent]:
    """The latest events about one object, newest first."""
    return list(db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == obj.__tablename__, AuditEvent.object_id == str(obj.id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ))


def events(action: str | None = None, object_type: str | None = None, actor: str | None = None,
           object_id: str | None = None) -> Select:
    """The log, newest first, narrowed by action, kind of object, object id and who acted (username)."""
    stmt = select(AuditEvent)
    for column, value in ((AuditEvent.action, action), (AuditEvent.object_type, object_type),
                          (AuditEvent.actor_name, actor), (AuditEvent.object_id, object_id)):
        if value:
            stmt = stmt.where(column == value)
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def recorded_values(column) -> list[str]:
    """The distinct values a column holds, for a filter's choices."""
    return sorted(v for v in db.session.scalars(select(column).distinct()) if v)
