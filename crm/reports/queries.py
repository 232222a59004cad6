"""The handful of GROUP BY queries behind every rollup: the same SQL on SQLite and PostgreSQL.

Each merchant query groups by the merchant's county and by the columns a view needs, so that a
merchant falls in exactly one group: sums over groups are exact, distinct counts included.
"""
from __future__ import annotations

from sqlalchemy import and_, case, distinct, func, literal, or_, select, text, union_all
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

# The merchant columns facts can be grouped by, after the county.
COLUMNS = {"town": Merchant.town_id, "district": Merchant.district_id, "trade": Merchant.trade, "tier": Merchant.tier}


def _between(column, period: Period) -> ColumnElement:
    return and_(column >= period.start, column <= period.end)


def _count_if(condition) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


def _grouped(stmt, names: tuple[str, ...]):
    columns = (Merchant.county_id, *(COLUMNS[name] for name in names))
    return stmt.add_columns(*columns).group_by(*columns)


def application_facts(campaign_id: int, period: Period, location: ColumnElement, extra_group=None) -> list:
    """(applications, applied, granted, drawn, first-time borrowers, Σ granted×rate, Σ granted with a rate,
    county, [key]), each amount by its own date in the period."""
    applied, granted, drawn = (_between(Application.applied_on, period), _between(Application.granted_on, period),
                               _between(Application.drawn_on, period))
    rated = and_(granted, Application.rate.is_not(None), Application.granted_amount.is_not(None))
    stmt = (
        select(
            _count_if(applied),
            func.sum(case((applied, Application.applied_amount))),
            func.sum(case((granted, Application.granted_amount))),
            func.sum(case((drawn, Application.drawn_amount))),
            func.count(distinct(case((and_(granted, Application.first_time_borrower.is_(True)),
                                      Application.merchant_id)))),
            func.sum(case((rated, Application.granted_amount * Application.rate))),
            func.sum(case((rated, Application.granted_amount))),
        )
        .join(Merchant, Merchant.id == Application.merchant_id)
        .where(Application.campaign_id == campaign_id, or_(applied, granted, drawn), location)
    )
    if extra_group is not None:
        stmt = stmt.add_columns(extra_group).group_by(extra_group)
    return db.session.execute(_grouped(stmt, ())).all()


# Every merchant fact of a rollup, summed per merchant by each source, then added up per group.
FACTS = ("visits", "merchants_visited", "sat_sum", "sat_n", "applications", "applied_amount", "granted_amount",
         "drawn_amount", "first_time_borrowers", "rate_num", "rate_den", "referrals", "referrals_overdue",
         "needs_open", "needs_closed")


def _source(merchant_column, facts: dict):
    """One source's rows: its merchant and every fact (0 where the source has none of it)."""
    return [merchant_column.label("merchant_id"),
            *[(facts[name] if name in facts else literal(0)).label(name) for name in FACTS]]


def merchant_facts(campaign_id: int, period: Period, location: ColumnElement, names: tuple[str, ...]) -> list:
    """(*FACTS, county, *names) per group: visits, applications, referrals and needs in one query.

    Each source is first summed per merchant, so distinct merchants are a plain sum of flags and
    the merchants table is joined once, not once per source.
    """
    applied, granted, drawn = (_between(Application.applied_on, period), _between(Application.granted_on, period),
                               _between(Application.drawn_on, period))
    rated = and_(granted, Application.rate.is_not(None), Application.granted_amount.is_not(None))
    end = period.end_utc
    open_at_end = or_(Referral.status.in_(OPEN_STATUSES), Referral.status_changed_at >= end)
    need_open = or_(Need.closed_on > period.end, and_(Need.closed_on.is_(None), Need.status == "open"))
    sources = [
        select(*_source(Visit.merchant_id, {
            "visits": func.count(Visit.id), "merchants_visited": literal(1),
            "sat_sum": func.coalesce(func.sum(Visit.satisfaction), 0), "sat_n": func.count(Visit.satisfaction)}))
        .where(Visit.campaign_id == campaign_id, _between(Visit.visited_on, period))
        .group_by(Visit.merchant_id),
        select(*_source(Application.merchant_id, {
            "applications": _count_if(applied),
            "applied_amount": func.sum(case((applied, Application.applied_amount), else_=0)),
            "granted_amount": func.sum(case((granted, Application.granted_amount), else_=0)),
            "drawn_amount": func.sum(case((drawn, Application.drawn_amount), else_=0)),
            "first_time_borrowers": func.max(case((and_(granted, Application.first_time_borrower.is_(True)), 1),
                                                  else_=0)),
            "rate_num": func.sum(case((rated, Application.granted_amount * Application.rate), else_=0)),
            "rate_den": func.sum(case((rated, Application.granted_amount), else_=0))}))
        .where(Application.campaign_id == campaign_id, or_(applied, granted, drawn))
        .group_by(Application.merchant_id),
        # Statuses only move forward and drawn/closed are final: a referral was still open at the
        # period's end when it is open now or its status changed after that end.
        select(*_source(Referral.merchant_id, {
            "referrals": _count_if(Referral.created_at >= period.start_utc),
            "referrals_overdue": _count_if(and_(open_at_end, Referral.deadline_on < period.end))}))
        .where(Referral.campaign_id == campaign_id, Referral.created_at < end)
        .group_by(Referral.merchant_id),
        select(*_source(Need.merchant_id, {
            "needs_open": _count_if(need_open), "needs_closed": _count_if(_between(Need.closed_on, period))}))
        .where(Need.campaign_id == campaign_id, Need.opened_on <= period.end)
        .group_by(Need.merchant_id),
    ]
    facts = union_all(*sources).subquery()
    stmt = (
        select(*[func.sum(facts.c[name]) for name in FACTS])
        .join(Merchant, Merchant.id == facts.c.merchant_id)
        .where(location)
    )
    return db.session.execute(_grouped(stmt, names)).all()


def visited_by_district(campaign: Campaign, period: Period, location: ColumnElement) -> dict[int, int]:
    """{district id: merchants located there visited from the drive's start to the period's end}.

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
    stmt = (
        select(Merchant.district_id, func.count(Merchant.id))
        .where(Merchant.district_id.is_not(None), location, visited)
        .group_by(Merchant.district_id)
    )
    return dict(db.session.execute(stmt).all())


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


def _located(stmt, merchant_column, location: ColumnElement | None):
    """Keep the slice's merchants; None means the whole drive, which needs no join."""
    if location is None:
        return stmt
    return stmt.join(Merchant, Merchant.id == merchant_column).where(location)


def monthly_trend(campaign_id: int, months: list[tuple], location: ColumnElement | None) -> dict[int, tuple]:
    """{month index: (visits, amount granted)} for the given (first, last) months."""
    if not months:
        return {}
    first, last = months[0][0], months[-1][1]

    def month_of(column):
        return case(*[(column <= end, index) for index, (_start, end) in enumerate(months)])

    visits = db.session.execute(_located(
        select(month_of(Visit.visited_on), func.count(Visit.id))
        .where(Visit.campaign_id == campaign_id, Visit.visited_on >= first, Visit.visited_on <= last)
        .group_by(text("1")), Visit.merchant_id, location)).all()
    granted = dict(db.session.execute(_located(
        select(month_of(Application.granted_on), func.sum(Application.granted_amount))
        .where(Application.campaign_id == campaign_id, Application.granted_on >= first,
               Application.granted_on <= last)
        .group_by(text("1")), Application.merchant_id, location)).all())
    return {index: (dict(visits).get(index, 0), granted.get(index) or 0) for index in {*dict(visits), *granted}}


def referral_statuses(campaign_id: int, period: Period, location: ColumnElement | None) -> dict[str, int]:
    """{status: referrals listed in the period now in that status}, for the funnel."""
    stmt = (
        select(Referral.status, func.count(Referral.id))
        .where(Referral.campaign_id == campaign_id, Referral.created_at >= period.start_utc,
               Referral.created_at < period.end_utc)
        .group_by(Referral.status)
    )
    return dict(db.session.execute(_located(stmt, Referral.merchant_id, location)).all())


def visits_by_kind(campaign_id: int, period: Period, location: ColumnElement | None) -> dict[str, int]:
    stmt = (
        select(Visit.kind, func.count(Visit.id))
        .where(Visit.campaign_id == campaign_id, _between(Visit.visited_on, period))
        .group_by(Visit.kind)
    )
    return dict(db.session.execute(_located(stmt, Visit.merchant_id, location)).all())


def product_names(product_ids) -> dict[int, str]:
    ids = [i for i in product_ids if i is not None]
    if not ids:
        return {}
    return dict(db.session.execute(select(Product.id, Product.name).where(Product.id.in_(ids))).all())
