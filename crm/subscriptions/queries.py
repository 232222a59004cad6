"""What an admin sees of a subscription's deliveries."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.extensions import db
from crm.reminders.models import OutboxMessage
from crm.subscriptions.models import Subscription


def delivery_counts(subscription: Subscription) -> dict[str, int]:
    """Deliveries by outbox status: pending, sending, sent, failed."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).where(
        OutboxMessage.subscription_id == subscription.id).group_by(OutboxMessage.status))
    return dict(rows.all())
