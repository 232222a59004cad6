"""HTML forms of field work, turned into the same JSON payloads the API takes, so one operation
validates both; and the choices those forms offer."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from crm.auth.scoping import area_region_ids, campaign_condition
from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.people.models import User
from crm.products.models import Product
from crm.regions.models import Region
from crm.regions.queries import places_in
from crm.timeutil import LOCAL_TZ, local_today
from crm.visits.operations import user_pairs


def _int_or_raw(value: str | None):
    return int(value) if value and value.strip().isdigit() else (value or None)


def local_input(value: str | None) -> str | None:
    """A datetime-local input's value as ISO 8601 with the local offset."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=LOCAL_TZ).isoformat()
    except (TypeError, ValueError):
        return value or None


def _merchant(form) -> dict:
    if form.get("credit_code"):
        return {"credit_code": form["credit_code"]}
    new = {key: form.get(f"new_{key}") or None
           for key in ("credit_code", "name", "operator_phone", "trade")}
    new["region_id"] = _int_or_raw(form.get("new_region_id"))
    return {key: value for key, value in new.items() if value is not None}


def visit_payload(form) -> dict:
    """The POST /api/v1/visits body for the record-a-visit form (static/js/visits.js builds the same)."""
    payload = {
        "client_id": form.get("client_id", ""), "campaign_id": _int_or_raw(form.get("campaign_id")),
        "merchant": _merchant(form), "kind": form.get("kind") or None,
        "visited_at": local_input(form.get("visited_at")), "notes": form.get("notes") or None,
        "needs": [{"text": text} for text in form.getlist("need") if text.strip()],
        "satisfaction": _int_or_raw(form.get("satisfaction")),
        "next_follow_up_on": form.get("next_follow_up_on") or None,
    }
    if form.get("lat") and form.get("lng"):
        payload["location"] = {"lat": form["lat"], "lng": form["lng"], "accuracy_m": form.get("accuracy") or None}
    if form.get("has_need") in ("yes", "no"):
        payload["financing_need"] = {"has_need": form["has_need"] == "yes", "amount": form.get("amount") or None,
                                     "purpose": form.get("purpose") or None}
    return payload


def application_payload(form, merchant) -> dict:
    return {
        "client_id": form.get("client_id", ""), "campaign_id": _int_or_raw(form.get("campaign_id")),
        "credit_code": merchant.credit_code, "product_id": _int_or_raw(form.get("product_id")),
        "need_id": _int_or_raw(form.get("need_id")), "applied_amount": form.get("applied_amount") or None,
        "applied_on": form.get("applied_on") or None,
    }


def _percent(value: str) -> str:
    """People type a rate as 3.45 (%); it is stored as the fraction 0.0345."""
    try:
        return str(Decimal(value) / 100)
    except InvalidOperation:
        return value


def outcome_payload(form) -> dict:
    """Only what the form filled in: a PATCH changes nothing it does not name."""
    patch = {key: form[key] for key in ("granted_amount", "granted_on", "declined_reason", "drawn_amount", "drawn_on")
             if form.get(key)}
    if form.get("rate"):
        patch["rate"] = _percent(form["rate"])
    patch["first_time_borrower"] = form.get("first_time_borrower") == "y"
    return patch


def campaign_choices(user: User) -> list[tuple[int, str, Campaign]]:
    """The drives a visit can belong to: those of the user's pairs, else every running visible drive."""
    ids = {p.campaign_id for p in user_pairs(user)}
    stmt = select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id)
    if ids:
        stmt = stmt.where(Campaign.id.in_(ids))
    else:
        stmt = stmt.where(campaign_condition(user, Campaign.id), Campaign.ends_on >= local_today())
    return [(c.id, c.name, c) for c in db.session.scalars(stmt)]


def place_choices_for(user: User) -> list[SelectChoice]:
    """Where a merchant met on the spot may be placed: the user's pair towns and their districts; without a
    pair, the places of their area (a merchant placed elsewhere is refused: it would be out of their sight)."""
    pairs = user_pairs(user)
    if not pairs:
        return places_in(area_region_ids(user))
    towns = {p.region_id for p in pairs}
    regions = db.session.scalars(select(Region).where(
        (Region.id.in_(towns) | Region.parent_id.in_(towns)), Region.level.in_(("town", "district")))
        .order_by(Region.level.desc(), Region.name)).all()
    names = {r.id: r.name for r in regions}
    return [SelectChoice(r.id, f"{names[r.parent_id]} / {r.name}" if r.parent_id in names else r.name) for r in regions]


def product_choices() -> list[tuple[int, str]]:
    products = db.session.scalars(select(Product).where(Product.active.is_(True)).order_by(Product.name))
    return [(p.id, f"{p.name} · {p.bank_name}") for p in products]
