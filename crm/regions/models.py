"""The territory tree: city → county → town → district (business district, market or village)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db

LEVELS = ("city", "county", "town", "district")
DISTRICT_KINDS = ("business_district", "market", "village")


class Region(db.Model):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    district_kind: Mapped[str | None] = mapped_column(String(24))
    households: Mapped[int | None] = mapped_column()
    address: Mapped[str | None] = mapped_column(String(200))

    parent: Mapped[Region | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent", order_by="Region.name")

    def ancestors(self) -> list[Region]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def full_name(self) -> str:
        return " / ".join(r.name for r in [*self.ancestors(), self])

    def __repr__(self) -> str:
        return f"<Region {self.level} {self.name}>"
