"""Pages of a drive's rules: start a drive from a programme's template (leads and admins), read every rule
of a drive with its document and clause, or who set it locally (anyone who sees the drive), edit its caps,
plaque criteria and products, and bring it to its template's current rules (the drive's leads and admins)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from crm.auth.scoping import can_lead_campaign
from crm.campaigns.forms import DriveRulesForm
from crm.campaigns.models import Campaign
from crm.campaigns.queries import campaign_counties, chosen_campaign
from crm.campaigns.rule_changes import drive_rules, edit_rules, sync_template, template_differences
from crm.campaigns.rulebook import (
    SECTIONS,
    drive_programme,
    rule_name,
    rule_rows,
    rule_value,
    source_text,
    typed,
)
from crm.campaigns.templates import TEMPLATES, create_campaign_from_template, template_choices
from crm.extensions import db
from crm.people.models import Organization
from crm.products.operations import drive_catalogue
from crm.regions.models import Region

bp = Blueprint("campaign_templates", __name__, url_prefix="/campaigns")


def blueprints():
    return [bp]


class FromTemplateForm(FlaskForm):
    template = SelectField(_l("Template"), validators=[DataRequired()])
    name = StringField(_l("Name of the drive"), validators=[DataRequired(), Length(max=120)])
    bureau_org_id = SelectField(_l("Bureau"), coerce=int, validators=[DataRequired()])
    bank_org_id = SelectField(_l("Bank"), coerce=int, validators=[DataRequired()])
    territory_id = SelectField(_l("Territory"), coerce=int, validators=[DataRequired()])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    submit = SubmitField(_l("Create the drive"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.template.choices = template_choices()
        orgs = db.session.scalars(select(Organization).where(Organization.parent_id.is_(None))
                                  .order_by(Organization.name)).all()
        self.bureau_org_id.choices = [SelectChoice(o.id, o.name) for o in orgs if o.kind == "bureau"]
        self.bank_org_id.choices = [SelectChoice(o.id, o.name) for o in orgs if o.kind == "bank"]
        regions = db.session.scalars(select(Region).where(Region.level.in_(("city", "county")))
                                     .order_by(Region.level, Region.code, Region.name)).all()
        self.territory_id.choices = [SelectChoice(r.id, r.name) for r in regions]

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The drive must end after it starts."))


@bp.route("/new-from-template", methods=["GET", "POST"])
@login_required
def create():
    if not current_user.has_role("lead", "admin"):
        abort(404)
    form = FromTemplateForm()
    if form.validate_on_submit():
        campaign = create_campaign_from_template(
            form.template.data, form.name.data.strip(), db.session.get(Organization, form.bureau_org_id.data),
            db.session.get(Organization, form.bank_org_id.data), db.session.get(Region, form.territory_id.data),
            form.starts_on.data, form.ends_on.data, actor=current_user)
        db.session.commit()
        flash(_("Drive created from the template; every rule can be changed in the drive's settings."), "success")
        return redirect(url_for("campaign_templates.rules", campaign_id=campaign.id))
    return render_template("events/from_template.html", form=form)


@bp.get("/<int:campaign_id>/rules")
@login_required
def rules(campaign_id: int):
    campaign = chosen_campaign(current_user, campaign_id)
    if campaign is None:
        abort(404)
    rows = rule_rows(campaign)
    sections = [(title, [row for row in rows if row.section == key]) for key, title in SECTIONS.items()]
    return render_template("campaigns/rules.html", campaign=campaign, programme=drive_programme(campaign),
                           sections=[(title, rows) for title, rows in sections if rows], source_text=source_text,
                           typed=typed,
                           can_edit=can_lead_campaign(campaign, current_user),
                           from_template=campaign.template in TEMPLATES)


def _led_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not can_lead_campaign(campaign, current_user):
        abort(404)
    return campaign


@bp.route("/<int:campaign_id>/rules/edit", methods=["GET", "POST"])
@login_required
def edit(campaign_id: int):
    """The drive's caps, plaque criteria and products; each value changed becomes the editor's local setting."""
    campaign = _led_campaign(campaign_id)
    catalogue = drive_catalogue(campaign)
    form = DriveRulesForm(rules=drive_rules(campaign), catalogue=catalogue,
                          places=[campaign.territory, *campaign_counties(campaign)])
    if form.validate_on_submit():
        try:
            edit_rules(campaign, form.changes(), current_user)
        except ValueError as problem:
            db.session.rollback()
            flash(str(problem), "error")
        else:
            db.session.commit()
            flash(_("The drive's rules are saved; each value changed is your local setting."), "success")
            return redirect(url_for("campaign_templates.rules", campaign_id=campaign.id))
    return render_template("campaigns/rules_edit.html", campaign=campaign, form=form,
                           products={product.name: product for product in catalogue})


class SyncForm(FlaskForm):
    include_local = BooleanField(_l("Also replace the local settings"))
    submit = SubmitField(_l("Bring the drive to the template's rules"))


@bp.route("/<int:campaign_id>/rules/template", methods=["GET", "POST"])
@login_required
def sync(campaign_id: int):
    """Each rule where the drive differs from its template's current rules; then apply them."""
    campaign = _led_campaign(campaign_id)
    if campaign.template not in TEMPLATES:
        abort(404)
    form = SyncForm()
    if form.validate_on_submit():
        applied = sync_template(campaign, current_user, include_local=form.include_local.data)
        db.session.commit()
        flash(_("%(count)s rules brought to the template's.", count=len(applied)), "success")
        return redirect(url_for("campaign_templates.rules", campaign_id=campaign.id))
    return render_template("campaigns/sync.html", campaign=campaign, form=form, programme=drive_programme(campaign),
                           differences=template_differences(campaign), rule_name=rule_name, rule_value=rule_value,
                           source_text=source_text, typed=typed)
