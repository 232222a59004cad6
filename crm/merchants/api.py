"""GET /api/v1/merchants and /api/v1/merchants/{credit_code}: the scoped registry."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm import audit
from crm.api.core import ApiError, int_query, nullable, obj, page_args, paged, query, route, schema
from crm.auth.scoping import merchant_condition, merchant_phone
from crm.extensions import db
from crm.merchants.credit_code import normalize
from crm.merchants.models import Merchant
from crm.merchants.queries import merchants_for

PLACE = obj({"id": {"type": "integer"}, "name": {"type": "string"}})
MERCHANT = schema(
    "Merchant",
    obj({
        "id": {"type": "integer"},
        "credit_code": {"type": "string"},
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["individual", "small_enterprise"]},
        "operator_name": nullable("string"),
        "operator_phone": nullable("string"),
        "registered_on": nullable({"type": "string", "format": "date"}),
        "trade": {"type": "string"},
        "tier": nullable("string"),
        "distinguished": {"type": "boolean"},
        "distinguished_until": nullable({"type": "string", "format": "date"}),
        "registry_status": {"type": "string", "enum": ["operating", "revoked", "cancelled", "abnormal"]},
        "dishonest": {"type": "boolean"},
        "county": PLACE,
        "town": nullable(PLACE),
        "district": nullable(PLACE),
        "address": nullable("string"),
        "annual_revenue": nullable("number"),
    }),
)


def _place(region):
    return {"id": region.id, "name": region.name} if region is not None else None


def _date(value):
    return value.isoformat() if value else None


def merchant_json(m: Merchant, user) -> dict:
    return {
        "id": m.id,
        "credit_code": m.credit_code,
        "name": m.name,
        "kind": m.kind,
        "operator_name": m.operator_name,
        "operator_phone": merchant_phone(m, user),
        "registered_on": _date(m.registered_on),
        "trade": m.trade,
        "tier": m.tier,
        "distinguished": bool(m.distinguished),
        "distinguished_until": _date(m.distinguished_until),
        "registry_status": m.registry_status,
        "dishonest": bool(m.dishonest),
        "county": _place(m.county),
        "town": _place(m.town),
        "district": _place(m.district),
        "address": m.address,
        "annual_revenue": float(m.annual_revenue) if m.annual_revenue is not None else None,
    }


@route("/merchants", ["GET"], summary="Search the merchants the user may see",
       parameters=[query("q", description="name, credit code, phone or pinyin initials"),
                   query("county", "integer", "county region id"), query("page", "integer"),
                   query("per_page", "integer")],
       responses={200: paged(MERCHANT), 422: None})
def list_merchants():
    page, size = page_args()
    stmt = merchants_for(current_user, q=request.args.get("q"), county_id=int_query("county"))
    result = db.paginate(stmt, page=page, per_page=size, error_out=False)
    audit.record("view", object_type="merchants", summary=f"{request.full_path} ({len(result.items)})")
    db.session.commit()
    return jsonify({"items": [merchant_json(m, current_user) for m in result.items], "page": page, "per_page": size,
                    "total": result.total})


@route("/merchants/<credit_code>", ["GET"], summary="One merchant by credit code",
       responses={200: MERCHANT, 404: None})
def get_merchant(credit_code: str):
    merchant = db.session.scalar(
        select(Merchant).where(Merchant.credit_code == normalize(credit_code), merchant_condition(current_user))
    )
    if merchant is None:
        raise ApiError(404, "not_found", _("No such merchant, or not one you may see."))
    audit.record("view", merchant, summary=merchant.name)
    db.session.commit()
    return jsonify(merchant_json(merchant, current_user))
