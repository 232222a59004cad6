"""Forms of the referral pages: building a list, assigning its items, working an item."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from crm.forms import all_of, narrowing_picker
from crm.labels import choices
from crm.people.queries import organization_tree


class BuildForm(FlaskForm):
    campaign_id = SelectField(_l("Drive"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("List name"), validators=[Optional(), Length(max=120)])
    bank_id = narrowing_picker(_l("Bank"), "bank_org_id")
    bank_org_id = SelectField(_l("Hand to"), coerce=int, validate_choice=False, validators=[Optional()])
    # data-narrows: choosing a county leaves only its towns, a town only its districts (static/js/page.js).
    county_id = SelectField(_l("County"), coerce=int, validate_choice=False, validators=[Optional()],
                            render_kw={"data-narrows": "town_id"})
    town_id = SelectField(_l("Town"), coerce=int, validate_choice=False, validators=[Optional()],
                          render_kw={"data-narrows": "district_id"})
    district_id = SelectField(_l("District"), coerce=int, validate_choice=False, validators=[Optional()])
    trade = SelectField(_l("Trade"), validators=[Optional()])
    tier = SelectField(_l("Tier"), validators=[Optional()])
    distinguished = BooleanField(_l("名特优新 only"))
    not_visited = BooleanField(_l("Not yet visited in this drive"))
    not_listed = BooleanField(_l("Not already on a list of this drive"), default=True)
    codes = TextAreaField(_l("Or paste credit codes"), validators=[Optional()])
    codes_file = FileField(_l("Or upload a file of credit codes (.xlsx or .csv)"))

    def __init__(self, *args, campaigns=(), places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign_id.choices = [SelectChoice(c.id, c.name) for c in campaigns]
        blank = [SelectChoice(0, str(_l("All")))]
        self.county_id.choices = blank + [SelectChoice(i, n) for i, n, level, _parent in places if level == "county"]
        self.town_id.choices = blank + [SelectChoice(i, n, render_kw={"data-parent": parent})
                                        for i, n, level, parent in places if level == "town"]
        self.district_id.choices = blank + [SelectChoice(i, n, render_kw={"data-parent": parent})
                                            for i, n, level, parent in places if level == "district"]
        self.trade.choices = choices("trade", blank=True)
        self.tier.choices = choices("tier", blank=True)


class ChainForm(FlaskForm):
    """一链一策: a core enterprise and the merchants up- and downstream of it, as one list."""

    campaign_id = SelectField(_l("Drive"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("List name"), validators=[DataRequired(), Length(max=120)])
    bank_id = narrowing_picker(_l("Bank"), "bank_org_id")
    bank_org_id = SelectField(_l("Hand to"), coerce=int, validate_choice=False, validators=[DataRequired()])
    core_code = StringField(_l("Credit code of the core enterprise"), validators=[DataRequired()])
    upstream = TextAreaField(_l("Upstream merchants (credit codes)"), validators=[Optional()])
    downstream = TextAreaField(_l("Downstream merchants (credit codes)"), validators=[Optional()])

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign_id.choices = [SelectChoice(c.id, c.name) for c in campaigns]


def offer_banks(form: BuildForm | ChainForm, banks, blank=()) -> None:
    """The bank organizations a list can be handed to, and the bank above them that narrows them."""
    above, offered = organization_tree(banks)
    form.bank_id.choices = all_of(above)
    form.bank_org_id.choices = list(blank) + offered


class AssignForm(FlaskForm):
    """Bulk: every pending item of a town (or of the whole list) to one account manager."""

    town_id = SelectField(_l("Town"), coerce=int, validate_choice=False)
    assignee_id = SelectField(_l("Account manager"), coerce=int, validate_choice=False)


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"))
    closed_reason = SelectField(_l("Reason for closing"), validators=[Optional()])
    closed_note = StringField(_l("Which condition / note"), validators=[Optional(), Length(max=300)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [c for c in choices("referral_status") if c.value != "pending"]
        self.closed_reason.choices = choices("closed_reason", blank=True)


class ReassignForm(FlaskForm):
    assignee_id = SelectField(_l("Account manager"), coerce=int, validate_choice=False)


class RuleAssignForm(FlaskForm):
    """Bulk: every name of a list nobody was given yet, by a rule (crm.referrals.operations.ASSIGN_RULES)."""

    rule = SelectField(_l("Rule"), choices=[
        SelectChoice("pair", _l("By pair: the account manager paired with the town")),
        SelectChoice("town", _l("By town: each town whole to one account manager")),
        SelectChoice("load", _l("Evenly by load: to whoever holds the fewest"))])
