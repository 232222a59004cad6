"""The small live queries of a rollup — events, pairs, regions, product names: the same SQL on SQLite
and PostgreSQL. The merchant facts come from the figures' ledger (crm/reports/facts.py)."""
from __future__ import annotations

from sqlalchemy import select

from crm.campaigns.models import LiaisonPair
from crm.events import queries as events_queries
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.products.models import Product
from crm.regions.models import Region
from crm.reports.periods import Period

PLACE = ("county_id", "town_id", "district_id")
_PLACE_COLUMNS = (Merchant.county_id, Merchant.town_id, Merchant.district_id)


def held_events(campaign_id: int, period: Period) -> list:
    """(county id, region id, pair id, kind, count) of the events held in the period (crm.events.queries)."""
    return events_queries.held_events(campaign_id, period.start, period.end)


def active_pairs(campaign_id: int) -> list:
    """(id, name, region id, county id, created_at) of the drive's active pairs."""
    stmt = (
        select(LiaisonPair.id, LiaisonPair.name, LiaisonPair.region_id, LiaisonPair.county_id,
               LiaisonPair.created_at)
        .where(LiaisonPair.campaign_id == campaign_id, LiaisonPair.active.is_(True))
        .order_by(LiaisonPair.name, LiaisonPair.id)
    )
    return db.session.execute(stmt).all()


def regions_below(parents, level: str) -> list:
    """(id, parent id, name, households, code) of the regions of a level under the parents (ids or a select)."""
    stmt = (select(Region.id, Region.parent_id, Region.name, Region.households, Region.code)
            .where(Region.level == level, Region.parent_id.in_(parents))
            .order_by(Region.code, Region.name, Region.id))
    return db.session.execute(stmt).all()


def child_ids(parents):
    """A select of the ids of the regions directly under the parents (ids or a select)."""
    return select(Region.id).where(Region.parent_id.in_(parents))


def product_names(product_ids) -> dict[int, str]:
    ids = [i for i in product_ids if i is not None]
    if not ids:
        return {}
    return dict(db.session.execute(select(Product.id, Product.name).where(Product.id.in_(ids))).all())
