"""GET /api/v1/me/reminders: the caller's reminders; POST …/{id}/read marks one read."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.api.core import ApiError, array, nullable, obj, query, route, schema
from crm.extensions import db
from crm.reminders import operations
from crm.reminders.models import Reminder

LIMIT = 200
REMINDER = schema(
    "Reminder",
    obj({
        "id": {"type": "integer"},
        "rule": {"type": "string"},
        "subject": {"type": "string"},
        "due_on": nullable({"type": "string", "format": "date"}),
        "created_at": {"type": "string", "format": "date-time"},
        "read": {"type": "boolean"},
    }),
)


def reminder_json(reminder: Reminder) -> dict:
    return {
        "id": reminder.id,
        "rule": reminder.rule,
        "subject": reminder.subject,
        "due_on": reminder.due_on.isoformat() if reminder.due_on else None,
        "created_at": reminder.created_at.isoformat() + "Z",
        "read": reminder.read_at is not None,
    }


@route("/me/reminders", ["GET"], summary="The caller's reminders, newest first (at most 200)",
       parameters=[{**query("unread", "integer", "1: only the unread ones"),
                    "schema": {"type": "integer", "enum": [0, 1]}}],
       responses={200: array(REMINDER), 422: None})
def my_reminders():
    unread = request.args.get("unread", "0")
    if unread not in ("0", "1"):
        raise ApiError(422, "invalid", _("unread must be 0 or 1"), {"unread": _("must be 0 or 1")})
    stmt = operations.inbox_query(current_user, unread_only=unread == "1").limit(LIMIT)
    return jsonify([reminder_json(r) for r in db.session.scalars(stmt)])


@route("/me/reminders/<int:reminder_id>/read", ["POST"], summary="Mark one of the caller's reminders read",
       responses={200: REMINDER, 404: None})
def read_reminder(reminder_id: int):
    reminder = db.session.scalar(
        select(Reminder).where(Reminder.id == reminder_id, Reminder.recipient_id == current_user.id))
    if reminder is None:
        raise ApiError(404, "not_found", _("No such reminder."))
    operations.mark_read(reminder)
    db.session.commit()
    return jsonify(reminder_json(reminder))
