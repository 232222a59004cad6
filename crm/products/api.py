"""GET /api/v1/merchants/{credit_code}/products: which of a drive's products fit, and why not."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.api.core import ApiError, api_campaign, array, int_query, nullable, obj, query, route, schema
from crm.auth.scoping import merchant_condition
from crm.extensions import db
from crm.merchants.credit_code import normalize
from crm.merchants.models import Merchant
from crm.products.operations import match
from crm.timeutil import local_today

MATCH = schema("ProductMatch", obj({
    "fits": array(obj({"product_id": {"type": "integer"}, "name": {"type": "string"},
                       "bank_name": {"type": "string"}, "cap": nullable("number"),
                       "term_months": nullable("integer"), "rate_text": nullable("string"),
                       "to_check": array({"type": "string"})})),
    "does_not_fit": array(obj({"product_id": {"type": "integer"}, "name": {"type": "string"},
                               "bank_name": {"type": "string"}, "reasons": array({"type": "string"})})),
    "suggested_cap": nullable("number"),
    "base_reasons": array({"type": "string"}),
}))


def _number(value):
    return float(value) if value is not None else None


@route("/merchants/<credit_code>/products", ["GET"],
       summary="Products of a drive that fit the merchant, those that do not with the reasons, and the suggested cap",
       parameters=[{**query("campaign_id", "integer", "the drive"), "required": True}],
       responses={200: MATCH, 404: None, 422: None})
def merchant_products(credit_code: str):
    campaign = api_campaign(int_query("campaign_id", required=True))
    merchant = db.session.scalar(
        select(Merchant).where(Merchant.credit_code == normalize(credit_code), merchant_condition(current_user))
    )
    if merchant is None:
        raise ApiError(404, "not_found", _("No such merchant, or not one you may see."))
    result = match(merchant, campaign, local_today())
    return jsonify({
        "fits": [{"product_id": fit.product.id, "name": fit.product.name, "bank_name": fit.product.bank_name,
                  "cap": _number(fit.cap), "term_months": fit.term_months, "rate_text": fit.rate_text,
                  "to_check": result.unknown.get(fit.product.id, [])} for fit in result.fits],
        "does_not_fit": [{"product_id": p.id, "name": p.name, "bank_name": p.bank_name, "reasons": reasons}
                         for p, reasons in result.does_not_fit],
        "suggested_cap": _number(result.suggested_cap),
        "base_reasons": result.base_reasons,
    })
