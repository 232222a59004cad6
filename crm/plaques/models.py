"""双百示范商户 plaques: nominated, checked against the drive's criteria, approved, maybe revoked."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.timeutil import utcnow

PLAQUE_STATUSES = ("nominated", "approved", "rejected", "revoked")


class Plaque(db.Model):
    __tablename__ = "plaques"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="nominated")
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    checks: Mapped[list] = mapped_column(JSON, default=list)  # [{"criterion", "passed", "detail"}]
    nominated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    nominated_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(String(200))
    revoked_reason: Mapped[str | None] = mapped_column(String(200))

    merchant = relationship("Merchant")
    campaign = relationship("Campaign")
