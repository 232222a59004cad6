from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from crm.labels import choices
from crm.merchants.operations import check_credit_code


class MerchantForm(FlaskForm):
    credit_code = StringField(_l("Credit code"), validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"))
    operator_name = StringField(_l("Operator"), validators=[Optional(), Length(max=64)])
    operator_phone = StringField(_l("Operator phone"), validators=[Optional(), Regexp(r"^[0-9+\- ]{5,20}$")])
    operator_birth_date = DateField(_l("Operator birth date"), validators=[Optional()])
    registered_on = DateField(_l("Registered on"), validators=[Optional()])
    trade = SelectField(_l("Trade"))
    tier = SelectField(_l("Tier"), validators=[Optional()])
    distinguished = BooleanField(_l("名特优新 mark"))
    distinguished_until = DateField(_l("Mark valid until"), validators=[Optional()])
    registry_status = SelectField(_l("Registry status"))
    dishonest = BooleanField(_l("On the dishonest-persons list"))
    # Only narrows the places offered (data-narrows, static/js/page.js); the county saved is the place's.
    county_id = SelectField(_l("County"), coerce=int, validate_choice=False, validators=[Optional()],
                            render_kw={"data-narrows": "region_id"})
    region_id = SelectField(_l("Town or district"), coerce=int, validators=[DataRequired()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    annual_revenue = DecimalField(_l("Annual revenue (yuan)"), places=2, validators=[Optional(), NumberRange(min=0)])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, place_choices=(), counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices("merchant_kind")
        self.trade.choices = choices("trade")
        self.tier.choices = choices("tier", blank=True)
        self.registry_status.choices = choices("registry_status")
        self.county_id.choices = [SelectChoice(0, "—")] + [SelectChoice(c.id, c.name) for c in counties]
        self.region_id.choices = list(place_choices)

    def validate_credit_code(self, field):
        code, problem = check_credit_code(field.data)
        if problem:
            raise ValidationError(problem)
        field.data = code

    def values(self) -> dict:
        """The merchant attributes this form sets (region handled by the caller)."""
        data = {name: self[name].data for name in (
            "credit_code", "name", "kind", "operator_name", "operator_phone", "operator_birth_date", "registered_on",
            "trade", "distinguished", "distinguished_until", "registry_status", "dishonest", "address",
            "annual_revenue")}
        data["tier"] = self.tier.data or None
        return data
