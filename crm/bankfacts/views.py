"""Bank facts pages: a merchant's loan facts as its bank reported them (with a form for the branch's staff),
and importing the bank's .xlsx export."""
from __future__ import annotations

import os

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from crm.auth.scoping import (
    bank_fact_condition,
    can_import_bank_facts,
    can_record_bank_facts,
    get_visible,
    merchant_condition,
)
from crm.bankfacts import operations as ops
from crm.bankfacts.forms import BankFactForm, BankFactImportForm
from crm.bankfacts.models import BankFact
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.timeutil import local_today
from crm.web import saved_upload

bp = Blueprint("bankfacts", __name__)


def blueprints():
    return [bp]


@bp.route("/merchants/<int:merchant_id>/bank-facts", methods=["GET", "POST"])
@login_required
def merchant(merchant_id: int):
    merchant = get_visible(Merchant, merchant_id, merchant_condition(current_user))
    can_record = can_record_bank_facts(merchant, current_user)
    form = BankFactForm()
    if form.is_submitted() and not can_record:
        abort(404)
    if not form.is_submitted():
        form.as_of.data = local_today()
    if form.validate_on_submit():
        try:
            ops.record(merchant, form.values(), form.as_of.data, form.source.data, current_user)
        except ops.BankFactRefused as err:
            db.session.rollback()
            form.form_errors.append(str(err))
        else:
            db.session.commit()
            flash(_("Bank facts recorded."), "success")
            return redirect(url_for("bankfacts.merchant", merchant_id=merchant.id))
    reports = db.session.scalars(select(BankFact).where(BankFact.merchant_id == merchant.id,
                                                        bank_fact_condition(current_user))
                                 .order_by(BankFact.as_of.desc(), BankFact.id.desc()).limit(50)).all()
    status = 422 if form.errors or form.form_errors else 200
    return render_template("bankfacts/merchant.html", merchant=merchant, reports=reports, form=form,
                           can_record=can_record), status


@bp.route("/bank-facts/import", methods=["GET", "POST"])
@login_required
def import_file():
    if not can_import_bank_facts(current_user):
        abort(404)
    form = BankFactImportForm()
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        with saved_upload(upload) as path:
            try:
                result = ops.import_file(path, os.path.basename(upload.filename), current_user)
            except ops.BankFactRefused as err:
                db.session.rollback()
                form.file.errors.append(str(err))
            else:
                db.session.commit()
    status = 422 if form.errors else 200
    return render_template("bankfacts/import.html", form=form, result=result), status
