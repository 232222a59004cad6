"""The GROUP BY queries a rollup snapshot is built from, and the small live ones (events, pairs,
regions): the same SQL on SQLite and PostgreSQL.

Every merchant query groups by the merchant's county, town and district (and what else its grain
needs), so that a merchant falls in exactly one group: sums over groups are exact, distinct counts
included.
"""
from __future__ import annotations

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.sql import ColumnElement

from crm.campaigns.models import Campaign, LiaisonPair
from crm.events.models import Event
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.products.models import Product
from crm.referrals.models import OPEN_STATUSES, Referral
from crm.regions.models import Region
from crm.reports.periods import Period
from crm.visits.models import Application, Need, Visit

PLACE = ("county_id", "town_id", "district_id")
_PLACE_COLUMNS = (Merchant.county_id, Merchant.town_id, Merchant.district_id)


def _between(column, period: Period) -> ColumnElement:
    return and_(column >= period.start, column <= period.end)


def _count_if(condition) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


def _by_place(stmt, *more):
    """Group a statement by the merchant's place (and more columns), which it selects last."""
    columns = (*_PLACE_COLUMNS, *more)
    return db.session.execute(stmt.add_columns(*columns).group_by(*columns)).all()


def _application_sums(period: Period) -> dict[str, ColumnElement]:
    """Each amount by its own date in the period; first-time borrowers as a per-merchant flag."""
    applied, granted, drawn = (_between(Application.applied_on, period), _between(Application.granted_on, period),
                               _between(Application.drawn_on, period))
    rated = and_(granted, Application.rate.is_not(None), Application.granted_amount.is_not(None))
    return {
        "applications": _count_if(applied),
        "applied_amount": func.sum(case((applied, Application.applied_amount), else_=0)),
        "granted_amount": func.sum(case((granted, Application.granted_amount), else_=0)),
        "drawn_amount": func.sum(case((drawn, Application.drawn_amount), else_=0)),
        "first_time_borrowers": func.max(case((and_(granted, Application.first_time_borrower.is_(True)), 1),
                                              else_=0)),
        "rate_num": func.sum(case((rated, Application.granted_amount * Application.rate), else_=0)),
        "rate_den": func.sum(case((rated, Application.granted_amount), else_=0)),
    }


def _applications_in(campaign_id: int, period: Period) -> ColumnElement:
    return and_(Application.campaign_id == campaign_id,
                or_(*[_between(column, period) for column in
                      (Application.applied_on, Application.granted_on, Application.drawn_on)]))


# Every merchant fact of a rollup, summed per merchant by each source, then added up per group.
FACTS = ("visits", "merchants_visited", "sat_sum", "sat_n", "applications", "applied_amount", "granted_amount",
         "drawn_amount", "first_time_borrowers", "rate_num", "rate_den", "referrals", "referrals_overdue",
         "needs_open", "needs_closed")
APPLICATION_FACTS = ("applications", "applied_amount", "granted_amount", "drawn_amount", "first_time_borrowers",
                     "rate_num", "rate_den")


def _per_merchant(merchant_column, facts: dict[str, ColumnElement]):
    return select(merchant_column.label("merchant_id"), *[value.label(name) for name, value in facts.items()])


def merchant_facts(campaign_id: int, period: Period, location: ColumnElement) -> list[tuple[tuple[str, ...], list]]:
    """For each source — visits, applications, referrals, needs — (its facts, rows of (*facts,
    county, town, district, trade, tier)).

    Each source is first summed per merchant, so distinct merchants are a plain sum of flags. The
    sources are asked one by one rather than as one UNION: each query then sums only its own
    columns, not the others' zeros, over a million rows.
    """
    end = period.end_utc
    open_at_end = or_(Referral.status.in_(OPEN_STATUSES), Referral.status_changed_at >= end)
    need_open = or_(Need.closed_on > period.end, and_(Need.closed_on.is_(None), Need.status == "open"))
    sources = [
        _per_merchant(Visit.merchant_id, {
            "visits": func.count(Visit.id), "merchants_visited": literal(1),
            "sat_sum": func.coalesce(func.sum(Visit.satisfaction), 0), "sat_n": func.count(Visit.satisfaction)})
        .where(Visit.campaign_id == campaign_id, _between(Visit.visited_on, period))
        .group_by(Visit.merchant_id),
        _per_merchant(Application.merchant_id, _application_sums(period))
        .where(_applications_in(campaign_id, period))
        .group_by(Application.merchant_id),
        # Statuses only move forward and drawn/closed are final: a referral was still open at the
        # period's end when it is open now or its status changed after that end.
        _per_merchant(Referral.merchant_id, {
            "referrals": _count_if(Referral.created_at >= period.start_utc),
            "referrals_overdue": _count_if(and_(open_at_end, Referral.deadline_on < period.end))})
        .where(Referral.campaign_id == campaign_id, Referral.created_at < end)
        .group_by(Referral.merchant_id),
        _per_merchant(Need.merchant_id, {
            "needs_open": _count_if(need_open), "needs_closed": _count_if(_between(Need.closed_on, period))})
        .where(Need.campaign_id == campaign_id, Need.opened_on <= period.end)
        .group_by(Need.merchant_id),
    ]
    results = []
    for source in sources:
        per_merchant = source.subquery()
        names = tuple(column.name for column in per_merchant.c if column.name != "merchant_id")
        stmt = (select(*[func.sum(per_merchant.c[name]) for name in names])
                .join(Merchant, Merchant.id == per_merchant.c.merchant_id).where(location))
        results.append((names, _by_place(stmt, Merchant.trade, Merchant.tier)))
    return results


def application_facts(campaign_id: int, period: Period, location: ColumnElement) -> list:
    """(*APPLICATION_FACTS, county, town, district, product id) per group, summed per merchant first."""
    sums = _application_sums(period)
    per_merchant = (
        select(Application.merchant_id, Application.product_id,
               *[sums[name].label(name) for name in APPLICATION_FACTS])
        .where(_applications_in(campaign_id, period))
        .group_by(Application.merchant_id, Application.product_id)
        .subquery()
    )
    stmt = (select(*[func.sum(per_merchant.c[name]) for name in APPLICATION_FACTS])
            .join(Merchant, Merchant.id == per_merchant.c.merchant_id).where(location))
    return _by_place(stmt, per_merchant.c.product_id)


def visited_to_date(campaign: Campaign, period: Period, location: ColumnElement) -> list:
    """(merchants visited from the drive's start to the period's end, county, town, district).

    Asked per merchant (does a visit exist?) rather than per visit, so a merchant visited often
    costs one probe of the (merchant, visited_at) index instead of a row per visit. The bounds are
    on visited_at (the UTC instants of the Shanghai days) so that index serves the probe, with or
    without planner statistics.
    """
    drive_start = Period("all", campaign.starts_on, period.end)
    visited = (
        select(Visit.id)
        .where(Visit.merchant_id == Merchant.id, Visit.campaign_id == campaign.id,
               Visit.visited_at >= drive_start.start_utc, Visit.visited_at < drive_start.end_utc)
        .exists()
    )
    return _by_place(select(func.count(Merchant.id)).where(location, visited))


def visits_by_kind(campaign_id: int, period: Period, location: ColumnElement) -> list:
    """(visits, county, town, district, kind) of the period."""
    stmt = (select(func.count(Visit.id)).join(Merchant, Merchant.id == Visit.merchant_id)
            .where(Visit.campaign_id == campaign_id, _between(Visit.visited_on, period), location))
    return _by_place(stmt, Visit.kind)


def referral_statuses(campaign_id: int, period: Period, location: ColumnElement) -> list:
    """(referrals, county, town, district, status now) of the referrals listed in the period."""
    stmt = (select(func.count(Referral.id)).join(Merchant, Merchant.id == Referral.merchant_id)
            .where(Referral.campaign_id == campaign_id, Referral.created_at >= period.start_utc,
                   Referral.created_at < period.end_utc, location))
    return _by_place(stmt, Referral.status)


def held_events(campaign_id: int, period: Period) -> list:
    """(county id, region id, pair id, kind, count) of the events held in the period."""
    day = func.coalesce(Event.held_on, Event.planned_on)
    stmt = (
        select(Event.county_id, Event.region_id, Event.pair_id, Event.kind, func.count(Event.id))
        .where(Event.campaign_id == campaign_id, Event.status == "held", _between(day, period))
        .group_by(Event.county_id, Event.region_id, Event.pair_id, Event.kind)
    )
    return db.session.execute(stmt).all()


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
