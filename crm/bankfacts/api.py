"""GET/POST /api/v1/merchants/{credit_code}/bank-facts: the bank's loan facts about a merchant, read and
reported by a branch's own systems (the same rules as the page: crm.bankfacts.operations)."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.api import shapes
from crm.api.core import ApiError, array, json_body, nullable, obj, route, schema
from crm.api.payload import Invalid
from crm.auth.scoping import bank_fact_condition, can_record_bank_facts, merchant_condition
from crm.bankfacts import operations as ops
from crm.bankfacts.models import BankFact
from crm.extensions import db
from crm.merchants.credit_code import normalize
from crm.merchants.models import Merchant

FACT_INPUT = shapes.Shape(
    as_of=shapes.day(required=True), source=shapes.text(200, required=True),
    loan_months=shapes.integer(0, ops.MAX_LOAN_MONTHS), bad_loans=shapes.boolean(),
    overdue_12m=shapes.integer(0, ops.MAX_OVERDUE), overdue_run_24m=shapes.integer(0, ops.MAX_OVERDUE),
    overdue_periods_24m=shapes.integer(0, ops.MAX_OVERDUE), credit_line=shapes.number(low=0, high=10**11),
    false_reporting=shapes.boolean(),
)
FACT_NEW = schema("BankFactNew", FACT_INPUT.schema())
FACT = schema("BankFact", obj({
    "id": {"type": "integer"}, "merchant_id": {"type": "integer"}, "bank_org_id": {"type": "integer"},
    "as_of": {"type": "string", "format": "date"}, "source": {"type": "string"},
    "loan_months": nullable("integer"), "bad_loans": nullable("boolean"), "overdue_12m": nullable("integer"),
    "overdue_run_24m": nullable("integer"), "overdue_periods_24m": nullable("integer"),
    "credit_line": nullable("number"), "false_reporting": nullable("boolean"),
    "recorded_at": {"type": "string", "format": "date-time"},
}))
FACT_LIST = schema("BankFacts", obj({"items": array(FACT)}))


def fact_json(f: BankFact) -> dict:
    return {"id": f.id, "merchant_id": f.merchant_id, "bank_org_id": f.bank_org_id, "as_of": f.as_of.isoformat(),
            "source": f.source, "loan_months": f.loan_months, "bad_loans": f.bad_loans, "overdue_12m": f.overdue_12m,
            "overdue_run_24m": f.overdue_run_24m, "overdue_periods_24m": f.overdue_periods_24m,
            "credit_line": float(f.credit_line) if f.credit_line is not None else None,
            "false_reporting": f.false_reporting, "recorded_at": f.recorded_at.isoformat() + "Z"}


def _merchant(credit_code: str) -> Merchant:
    merchant = db.session.scalar(select(Merchant).where(Merchant.credit_code == normalize(credit_code),
                                                        merchant_condition(current_user)))
    if merchant is None:
        raise ApiError(404, "not_found", _("No such merchant, or not one you may see."))
    return merchant


@route("/merchants/<credit_code>/bank-facts", ["GET"], summary="The bank's loan facts reported about a merchant",
       responses={200: FACT_LIST, 404: None})
def list_bank_facts(credit_code: str):
    merchant = _merchant(credit_code)
    reports = db.session.scalars(select(BankFact).where(BankFact.merchant_id == merchant.id,
                                                        bank_fact_condition(current_user))
                                 .order_by(BankFact.as_of.desc(), BankFact.id.desc()).limit(200))
    return jsonify({"items": [fact_json(f) for f in reports]})


@route("/merchants/<credit_code>/bank-facts", ["POST"], summary="Report the bank's loan facts about a merchant",
       body=FACT_NEW, responses={201: FACT, 404: None, 422: None})
def create_bank_fact(credit_code: str):
    merchant = _merchant(credit_code)
    if not can_record_bank_facts(merchant, current_user):
        raise ApiError(404, "not_found", _("No such merchant, or not one you may see."))
    try:
        body = FACT_INPUT.read(json_body())
    except Invalid as err:
        raise ApiError(422, "invalid", _("Some fields are not valid."), err.fields) from err
    try:
        fact = ops.record(merchant, {name: body.get(name) for name in ops.FACTS}, body["as_of"], body["source"],
                          current_user)
    except ops.BankFactRefused as err:
        raise ApiError(422, "invalid", str(err)) from err
    db.session.commit()
    return jsonify(fact_json(fact)), 201
