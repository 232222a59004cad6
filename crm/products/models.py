"""The credit product catalogue, each product's eligibility rules kept as data."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    bank_name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    max_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    term_months: Mapped[int | None] = mapped_column()
    rate_text: Mapped[str | None] = mapped_column(String(200))
    # {"min_age", "max_age", "min_months_trading", "tiers", "trades", "kinds", "min_revenue",
    #  "region_ids", "caps": {"credit", "guarantee", "mortgage"}}
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CampaignProduct(db.Model):
    __tablename__ = "campaign_products"
    __table_args__ = (UniqueConstraint("campaign_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    # The drive's own terms where they differ from the catalogue's (a lead's local setting):
    # {"max_amount", "term_months", "rate_text", "caps": {"credit", "guarantee", "mortgage"}, "region_ids"}.
    terms: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    product = relationship("Product")
