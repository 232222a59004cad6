"""A drive (Campaign) with its rules as data, its leads, and its liaison pairs."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.timeutil import utcnow

TRADES = (
    "wholesale_retail",
    "lodging_catering",
    "transport_logistics",
    "agriculture",
    "manufacturing",
    "resident_services",
    "other",
)
TIERS = ("survival", "growth", "development")


class Campaign(db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    template: Mapped[str | None] = mapped_column(String(40))
    bureau_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    bank_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    territory_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # The rules of the drive; each one's document and clause, or who set it locally, in rule_sources.
    # 商圈覆盖 (001): a district meets it at this many merchants visited or this share of its households;
    # both empty: the drive has no coverage rule (crm.campaigns.coverage.has_rule). No default: only
    # 双百工程's document gives the rule, and a drive set up by hand has it when its lead sets it.
    district_household_threshold: Mapped[int | None] = mapped_column()
    district_coverage_ratio: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    # Event quotas: [{"event", "count", "cadence", "scope"}] (crm.campaigns.rules.Quota).
    quotas: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # Periods no document gives: the software's defaults until a lead sets them (see rule_sources).
    referral_contact_days: Mapped[int] = mapped_column(default=7)
    follow_up_interval_days: Mapped[int] = mapped_column(default=30)
    need_due_days: Mapped[int] = mapped_column(default=15)
    # A visit recorded farther than this from the merchant's known position is flagged (not refused).
    visit_distance_m: Mapped[int] = mapped_column(default=500, server_default="500")
    focus_trades: Mapped[list] = mapped_column(JSON, default=list)
    # {"survival": 100000, ...}: suggested pre-credit caps by tier; "distinguished" for 名特优新.
    tier_caps: Mapped[dict] = mapped_column(JSON, default=dict)
    # Base conditions and plaque criteria, e.g. {"min_age": 18, "max_age": 65, "min_months_trading": 12}.
    base_conditions: Mapped[dict] = mapped_column(JSON, default=dict)
    plaque_criteria: Mapped[dict] = mapped_column(JSON, default=dict)
    # The programme's targets (目标), e.g. {"customer_growth": 0.3}: crm.campaigns.targets.
    targets: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    # Reminder rules switched and tuned per drive: {"follow_up_due": {"enabled": true, ...}}.
    reminder_settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # {rule key: {"doc", "title", "clause", "quote"} | {"local": true, "by", "user_id", "on"}}
    rule_sources: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    bureau_org = relationship("Organization", foreign_keys=[bureau_org_id])
    bank_org = relationship("Organization", foreign_keys=[bank_org_id])
    territory = relationship("Region")
    lead_rows: Mapped[list[CampaignLead]] = relationship(cascade="all, delete-orphan")
    pairs: Mapped[list[LiaisonPair]] = relationship(back_populates="campaign")

    @property
    def lead_ids(self) -> list[int]:
        return sorted(row.user_id for row in self.lead_rows)

    @lead_ids.setter
    def lead_ids(self, user_ids) -> None:
        wanted = set(user_ids)
        self.lead_rows = [r for r in self.lead_rows if r.user_id in wanted] + [
            CampaignLead(user_id=uid) for uid in sorted(wanted - {r.user_id for r in self.lead_rows})
        ]

    def __repr__(self) -> str:
        return f"<Campaign {self.name}>"


class CampaignLead(db.Model):
    """The programme leads of a drive: they see the whole of it."""

    __tablename__ = "campaign_leads"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    user = relationship("User")


class LiaisonPair(db.Model):
    """一镇一专员: one bureau liaison and one bank account manager for a town (or county)."""

    __tablename__ = "liaison_pairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    liaison_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    account_manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The slug in the pair's QR poster; unguessable so posters cannot be enumerated.
    intake_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="pairs")
    region = relationship("Region", foreign_keys=[region_id])
    county = relationship("Region", foreign_keys=[county_id])
    liaison = relationship("User", foreign_keys=[liaison_id])
    account_manager = relationship("User", foreign_keys=[account_manager_id])

    def __repr__(self) -> str:
        return f"<LiaisonPair {self.name}>"
