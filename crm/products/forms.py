from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from crm.labels import choices

RULE_NUMBERS = ("min_age", "max_age", "min_months_trading", "min_revenue")
RULE_LISTS = ("tiers", "trades", "kinds")
CAPS = ("credit", "guarantee", "mortgage")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProductForm(FlaskForm):
    """A product and its eligibility rules; an empty rule does not restrict."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    bank_name = StringField(_l("Bank"), validators=[DataRequired(), Length(max=80)])
    description = TextAreaField(_l("Description and conditions"), validators=[Optional(), Length(max=4000)])
    max_amount = DecimalField(_l("Maximum amount (yuan)"), places=2, validators=[Optional(), NumberRange(min=0)])
    term_months = IntegerField(_l("Term (months)"), validators=[Optional(), NumberRange(min=1, max=600)])
    rate_text = StringField(_l("Rate"), validators=[Optional(), Length(max=200)])
    min_age = IntegerField(_l("Operator at least (years)"), validators=[Optional(), NumberRange(min=0, max=120)])
    max_age = IntegerField(_l("Operator at most (years)"), validators=[Optional(), NumberRange(min=0, max=120)])
    min_months_trading = IntegerField(_l("Months trading at least"), validators=[Optional(), NumberRange(min=0)])
    min_revenue = DecimalField(_l("Annual revenue at least (yuan)"), places=0,
                               validators=[Optional(), NumberRange(min=0)])
    tiers = CheckboxesField(_l("Tiers"))
    trades = CheckboxesField(_l("Trades"))
    kinds = CheckboxesField(_l("Kinds of business"))
    region_ids = CheckboxesField(_l("Only in these counties"), coerce=int)
    credit = DecimalField(_l("Cap on credit (yuan)"), places=0, validators=[Optional(), NumberRange(min=0)])
    guarantee = DecimalField(_l("Cap with a guarantee (yuan)"), places=0, validators=[Optional(), NumberRange(min=0)])
    mortgage = DecimalField(_l("Cap with a mortgage (yuan)"), places=0, validators=[Optional(), NumberRange(min=0)])
    active = BooleanField(_l("Offered"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.tiers.choices = choices("tier")
        self.trades.choices = choices("trade")
        self.kinds.choices = choices("merchant_kind")
        self.region_ids.choices = [SelectChoice(c.id, c.name) for c in counties]

    def validate_max_age(self, field):
        if field.data is not None and self.min_age.data is not None and field.data < self.min_age.data:
            raise ValidationError(_l("Must not be below the minimum age."))

    def load_rules(self, rules: dict) -> None:
        for name in (*RULE_NUMBERS, *RULE_LISTS, "region_ids"):
            if name in rules:
                self[name].data = rules[name]
        for name in CAPS:
            self[name].data = (rules.get("caps") or {}).get(name)

    def rules(self) -> dict:
        rules: dict = {}
        for name in RULE_NUMBERS:
            if self[name].data is not None:
                rules[name] = int(self[name].data)
        for name in (*RULE_LISTS, "region_ids"):
            if self[name].data:
                rules[name] = list(self[name].data)
        caps = {name: int(self[name].data) for name in CAPS if self[name].data is not None}
        if caps:
            rules["caps"] = caps
        return rules

    def values(self) -> dict:
        data = {name: self[name].data for name in ("name", "bank_name", "max_amount", "term_months", "active")}
        data["description"] = self.description.data or None
        data["rate_text"] = self.rate_text.data or None
        data["rules"] = self.rules()
        return data
