"""A webhook subscription: where to post which domain events, and the secret that signs them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.timeutil import utcnow


class Subscription(db.Model):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))  # whose system: "银行数据仓库"
    url: Mapped[str] = mapped_column(String(300))
    secret: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 key; the receiver holds the same
    events: Mapped[list] = mapped_column(JSON, default=list)  # event types, e.g. ["visit.recorded"]
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
