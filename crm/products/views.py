"""The product catalogue (rules as data, edited by leads and admins) and a merchant's product match."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from crm.auth.scoping import get_visible, leads_any_campaign, merchant_condition
from crm.campaigns.queries import campaign_counties, visible_campaigns
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.products import operations as ops
from crm.products.forms import ProductForm
from crm.products.models import Product
from crm.timeutil import local_today
from crm.web import requested_campaign

bp = Blueprint("products", __name__)


def blueprints():
    return [bp]


@bp.get("/products/")
@login_required
def index():
    products = db.session.scalars(select(Product).order_by(Product.active.desc(), Product.bank_name, Product.name))
    return render_template("products/index.html", products=list(products), can_edit=leads_any_campaign(current_user))


def _form(product: Product | None) -> ProductForm:
    campaigns = visible_campaigns(current_user)
    counties = {c.id: c for campaign in campaigns for c in campaign_counties(campaign)}
    form = ProductForm(obj=product, counties=sorted(counties.values(), key=lambda c: (c.code or "", c.name)))
    if product is not None and request.method == "GET":
        form.load_rules(product.rules or {})
    return form


@bp.route("/products/new", methods=["GET", "POST"], endpoint="create")
@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def edit(product_id: int | None = None):
    if not leads_any_campaign(current_user):
        abort(404)
    product = db.get_or_404(Product, product_id) if product_id else None
    form = _form(product)
    if form.validate_on_submit():
        product = ops.save_product(product, form.values(), current_user)
        db.session.commit()
        flash(_("Product saved."), "success")
        return redirect(url_for("products.index"))
    return render_template("products/form.html", form=form, product=product)


@bp.get("/merchants/<int:merchant_id>/products")
@login_required
def for_merchant(merchant_id: int):
    """Which of the drive's products fit this merchant, which do not and why, and the suggested cap."""
    merchant = get_visible(Merchant, merchant_id, merchant_condition(current_user))
    campaign = requested_campaign(current_user)
    result = ops.match(merchant, campaign, local_today())
    return render_template("products/merchant.html", merchant=merchant, campaign=campaign, result=result,
                           campaigns=visible_campaigns(current_user))
