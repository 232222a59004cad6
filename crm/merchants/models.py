"""Merchants (个体工商户 and small enterprises), keyed by their unified social credit code."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Numeric, String, event, false, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.timeutil import utcnow

KINDS = ("individual", "small_enterprise")
REGISTRY_STATUSES = ("operating", "revoked", "cancelled", "abnormal")


class Merchant(db.Model):
    __tablename__ = "merchants"
    __table_args__ = (
        Index("ix_merchants_county_town", "county_id", "town_id"),
        Index("ix_merchants_district_address", "district_id", "address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    # Pinyin initials of the name ("zsgxd" for 张三干洗店), so a phone keyboard finds it fast.
    name_initials: Mapped[str] = mapped_column(String(120), index=True, default="")
    kind: Mapped[str] = mapped_column(String(24), default="individual")
    operator_name: Mapped[str | None] = mapped_column(String(64))
    operator_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    operator_birth_date: Mapped[date | None] = mapped_column(Date)
    registered_on: Mapped[date | None] = mapped_column(Date)
    trade: Mapped[str] = mapped_column(String(32), index=True, default="other")
    tier: Mapped[str | None] = mapped_column(String(16), index=True)
    distinguished: Mapped[bool] = mapped_column(Boolean, default=False)
    distinguished_until: Mapped[date | None] = mapped_column(Date)
    registry_status: Mapped[str] = mapped_column(String(16), default="operating", index=True)
    dishonest: Mapped[bool] = mapped_column(Boolean, default=False)
    county_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    address: Mapped[str | None] = mapped_column(String(200))
    annual_revenue: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # Set when a registry import turns the merchant revoked, abnormal or dishonest.
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reason: Mapped[str | None] = mapped_column(String(200))
    # Hash of the registry row it was last imported from (crm.imports); cleared when edited in the app.
    registry_hash: Mapped[str | None] = mapped_column(String(32))
    # Registered from a public-form submission the pair's liaison accepted, not from the registry.
    self_reported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    county = relationship("Region", foreign_keys=[county_id])
    town = relationship("Region", foreign_keys=[town_id])
    district = relationship("Region", foreign_keys=[district_id])

    @property
    def distinguished_valid(self) -> bool:
        from crm.timeutil import local_today

        return self.distinguished and (self.distinguished_until is None or self.distinguished_until >= local_today())

    def __repr__(self) -> str:
        return f"<Merchant {self.credit_code} {self.name}>"


# Columns an import never sets: a change to any other one means the registry row no longer matches.
_NOT_FROM_REGISTRY = {"id", "name_initials", "needs_review", "review_reason", "created_at", "updated_at",
                      "registry_hash", "self_reported"}


@event.listens_for(Merchant, "before_update")
def _forget_registry_hash(_mapper, _connection, merchant: Merchant) -> None:
    """Edited anywhere but by an import: the next import reads its registry row in full again."""
    state = inspect(merchant)
    if state.attrs.registry_hash.history.has_changes():
        return
    if any(state.attrs[column.key].history.has_changes() for column in Merchant.__table__.c
           if column.key not in _NOT_FROM_REGISTRY):
        merchant.registry_hash = None
