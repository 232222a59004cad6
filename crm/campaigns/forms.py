"""Forms for a drive (all of it for an administrator, its rules for its leads) and for a liaison pair."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from crm.campaigns.models import Campaign
from crm.campaigns.operations import CAP_KEYS, COUNT_RULES, RULE_FIELDS, rule_defaults
from crm.extensions import db
from crm.forms import BLANK, MultiCheckboxField, all_of, narrowing_picker
from crm.labels import choices, label
from crm.people.queries import (
    organization_choices,
    organization_tree,
    organizations_of,
    user_choices,
    user_choices_by_organization,
)
from crm.regions.queries import places_by_county, region_choices


def _count(label, days: bool = False) -> IntegerField:
    """A rule that is a whole number; a period in days is at least one day (as the operations check)."""
    return IntegerField(label, validators=[InputRequired(), NumberRange(min=1 if days else 0)])


class TierCapForm(Form):
    """One row of the tier-cap editor: a tier and its suggested pre-credit cap in yuan."""

    tier = SelectField(_l("Tier"), validate_choice=False)
    amount = IntegerField(_l("Cap (yuan)"), validators=[Optional(), NumberRange(min=0)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tier.choices = BLANK + [SelectChoice(key, _cap_label(key)) for key in CAP_KEYS]


class QuotaRowForm(Form):
    """One row of the quota editor: at least `count` events of a kind per period, for each unit of a scope."""

    event = SelectField(_l("Event"), validate_choice=False)
    count = IntegerField(_l("At least"), validators=[Optional(), NumberRange(min=1)])
    cadence = SelectField(_l("Per"), validate_choice=False)
    scope = SelectField(_l("For each"), validate_choice=False)
    weekday = SelectField(_l("On"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.event.choices = choices("event_kind", blank=True)
        self.cadence.choices = choices("quota_cadence")
        self.scope.choices = choices("quota_scope")
        self.weekday.choices = choices("weekday", blank=True)

    def value(self) -> dict | None:
        if not self.event.data:
            return None
        quota = {"event": self.event.data, "count": self.count.data, "cadence": self.cadence.data,
                 "scope": self.scope.data}
        return {**quota, "weekday": int(self.weekday.data)} if self.weekday.data else quota


def _cap_label(key: str) -> str:
    return str(_l("名特优新 merchants")) if key == "distinguished" else label("tier", key)


class CampaignRulesForm(FlaskForm):
    """The rules as data: what a lead tunes while the drive runs."""

    # Both empty: the drive has no coverage rule (only 双百工程's document gives one).
    district_household_threshold = IntegerField(_l("District visits: at least this many households"),
                                                validators=[Optional(), NumberRange(min=0)])
    coverage_percent = DecimalField(_l("… or at least this share of its households (%)"), places=1,
                                    validators=[Optional(), NumberRange(min=0, max=100)])
    referral_contact_days = _count(_l("Contact a referred merchant within (days)"), days=True)
    follow_up_interval_days = _count(_l("Follow-up interval (days)"), days=True)
    need_due_days = _count(_l("A need is due within (days)"), days=True)
    visit_distance_m = _count(_l("Flag a visit farther than this from the merchant (metres)"))
    focus_trades = MultiCheckboxField(_l("Focus trades"))
    caps = FieldList(FormField(TierCapForm), label=_l("Pre-credit caps by tier"))
    quota_rows = FieldList(FormField(QuotaRowForm), label=_l("Event quotas"))

    sections = (
        (_l("Rules"), ("district_household_threshold", "coverage_percent", *COUNT_RULES[1:])),
        (_l("Event quotas"), ("quota_rows",)),
        (_l("Focus trades and caps"), ("focus_trades", "caps")),
    )

    def __init__(self, *args, obj: Campaign | None = None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self.focus_trades.choices = choices("trade")
        # A cap the editor has no row for (BOC's revenue share) is kept as it is.
        self._kept_caps = {k: v for k, v in ((obj.tier_caps if obj else None) or {}).items() if k not in CAP_KEYS}
        if not self.is_submitted():
            self._fill(obj)

    def _fill(self, campaign: Campaign | None) -> None:
        """Show the rules (a new drive: 双百工程's), the ratio as a percentage, the caps as rows plus blank ones."""
        rules = {name: getattr(campaign, name) for name in RULE_FIELDS} if campaign else rule_defaults()
        for name in COUNT_RULES:
            self[name].data = rules[name]
        ratio = rules["district_coverage_ratio"]
        self.coverage_percent.data = None if ratio is None else Decimal(ratio) * 100
        for key, amount in (rules.get("tier_caps") or {}).items():
            self.caps.append_entry({"tier": key, "amount": amount})
        while len(self.caps.entries) < len(CAP_KEYS):
            self.caps.append_entry({})
        for quota in rules.get("quotas") or ():
            self.quota_rows.append_entry({**quota, "weekday": str(quota.get("weekday") or "")})
        for _blank in range(2):
            self.quota_rows.append_entry({})

    def validate_caps(self, field):
        tiers = [entry.form.tier.data for entry in field.entries if entry.form.tier.data]
        if len(tiers) != len(set(tiers)):
            raise ValidationError(_l("Each tier can have one cap only."))
        if set(tiers) - set(CAP_KEYS):
            raise ValidationError(_l("Unknown tier."))
        for entry in field.entries:
            if entry.form.tier.data and entry.form.amount.data is None:
                raise ValidationError(_l("Give an amount for each tier you choose."))

    def validate_quota_rows(self, field):
        for entry in field.entries:
            if entry.form.event.data and entry.form.count.data is None:
                raise ValidationError(_l("Give the number of events for each quota you set."))

    def values(self) -> dict:
        rules = {name: self[name].data for name in COUNT_RULES}
        return {
            **rules,
            "district_coverage_ratio": None if self.coverage_percent.data is None
            else (Decimal(self.coverage_percent.data) / 100).quantize(Decimal("0.0001")),
            "focus_trades": list(self.focus_trades.data or []),
            "tier_caps": {**self._kept_caps,
                          **{e.form.tier.data: e.form.amount.data for e in self.caps.entries if e.form.tier.data}},
            "quotas": [q for q in (e.form.value() for e in self.quota_rows.entries) if q],
        }


DRIVE_FIELDS = ("name", "template", "bureau_org_id", "bank_org_id", "territory_id", "starts_on", "ends_on")


class CampaignForm(CampaignRulesForm):
    """Everything about a drive: partners, territory, dates, leads and the rules."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    template = StringField(_l("Template"), validators=[Optional(), Length(max=40)])
    bureau_org_id = SelectField(_l("Partner bureau"), coerce=int, validators=[DataRequired()])
    bank_id = narrowing_picker(_l("Bank"), "bank_org_id")
    bank_org_id = SelectField(_l("Partner bank"), coerce=int, validators=[DataRequired()])
    territory_id = SelectField(_l("Territory"), coerce=int, validators=[DataRequired()])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    lead_ids = MultiCheckboxField(_l("Programme leads"), coerce=int)

    sections = (
        (_l("The drive"), ("name", "template", "bureau_org_id", "bank_id", "bank_org_id", "territory_id", "starts_on",
                           "ends_on")),
        *CampaignRulesForm.sections,
        (_l("Programme leads"), ("lead_ids",)),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bureau_org_id.choices = organization_choices("bureau")
        above, banks = organization_tree(organizations_of("bank"))
        self.bank_id.choices, self.bank_org_id.choices = all_of(above), banks
        self.territory_id.choices = region_choices(("city", "county"), from_level="city")
        self.lead_ids.choices = user_choices("lead")

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The drive cannot end before it starts."))

    def values(self) -> dict:
        drive = {name: self[name].data for name in DRIVE_FIELDS}
        drive["template"] = (drive["template"] or "").strip() or None
        return {**drive, **super().values(), "lead_ids": list(self.lead_ids.data or [])}


class PairForm(FlaskForm):
    campaign_id = SelectField(_l("Drive"), coerce=int, validators=[DataRequired()])
    county_id = narrowing_picker(_l("County"), "region_id")
    region_id = SelectField(_l("Town (or county)"), coerce=int, validators=[DataRequired()])
    liaison_id = SelectField(_l("Liaison"), coerce=int, validators=[DataRequired()])
    bank_org_id = narrowing_picker(_l("Bank branch"), "account_manager_id")
    account_manager_id = SelectField(_l("Account manager"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    active = BooleanField(_l("Active"), default=True)

    sections = ((None, ("campaign_id", "county_id", "region_id", "liaison_id", "bank_org_id", "account_manager_id", "name",
                        "active")),)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        drives = db.session.execute(select(Campaign.id, Campaign.name).order_by(Campaign.starts_on.desc()))
        self.campaign_id.choices = [SelectChoice(row.id, row.name) for row in drives]
        self.county_id.choices = all_of(region_choices(("county",)))
        self.region_id.choices = places_by_county(("county", "town"))
        self.liaison_id.choices = user_choices("liaison")
        self.bank_org_id.choices = all_of(organization_choices("bank"))
        self.account_manager_id.choices = user_choices_by_organization("account_manager")

    def values(self) -> dict:
        return {name: self[name].data for name in ("campaign_id", "region_id", "liaison_id", "account_manager_id")} | {
            "name": (self.name.data or "").strip(), "active": bool(self.active.data)}


# ---- the drive's caps, plaque criteria and products ----------------------------------------------

# What a drive that says nothing about a criterion means: plaques veto dishonest merchants unless told not to.
UNSET_CRITERIA = {"veto_dishonest": True}


# A product term's field on the form → its key under the product (crm.campaigns.rule_changes.PRODUCT_TERMS).
TERM_FIELDS = {"max_amount": "max_amount", "term_months": "term_months", "rate_text": "rate_text",
               "credit": "caps.credit", "guarantee": "caps.guarantee", "mortgage": "caps.mortgage",
               "region_ids": "region_ids"}


def _whole(label) -> IntegerField:
    return IntegerField(label, validators=[Optional(), NumberRange(min=0)])


class ProductTermsForm(Form):
    """One catalogue product: whether the drive offers it, and the drive's own terms (empty: the catalogue's)."""

    name = HiddenField()
    offered = BooleanField(_l("Offered by this drive"))
    max_amount = _whole(_l("Maximum amount (yuan)"))
    term_months = IntegerField(_l("Term (months)"), validators=[Optional(), NumberRange(min=1, max=600)])
    rate_text = StringField(_l("Rate"), validators=[Optional(), Length(max=200)])
    credit = _whole(_l("Cap on credit (yuan)"))
    guarantee = _whole(_l("Cap with a guarantee (yuan)"))
    mortgage = _whole(_l("Cap with a mortgage (yuan)"))
    region_ids = MultiCheckboxField(_l("Only in these places"), coerce=int)

    def rules(self) -> dict:
        key = f"products.{self.name.data}"
        if not self.offered.data:
            return {key: None}
        terms = {f"{key}.{term}": self[field].data or None if field in ("rate_text", "region_ids")
                 else self[field].data for field, term in TERM_FIELDS.items()}
        return {key: True, **terms}


class DriveRulesForm(FlaskForm):
    """The drive's pre-credit caps, plaque criteria and products, as a lead edits them: an empty field
    removes the rule (for a product's term: the catalogue's applies)."""

    survival = _whole(_l("Cap for survival-tier merchants (yuan)"))
    growth = _whole(_l("Cap for growth-tier merchants (yuan)"))
    development = _whole(_l("Cap for development-tier merchants (yuan)"))
    distinguished = _whole(_l("Cap for 名特优新 merchants (yuan)"))
    revenue_share_percent = DecimalField(_l("Credit at most this share of the business's revenue (%)"), places=2,
                                         validators=[Optional(), NumberRange(min=0.01, max=100)])
    tiers = MultiCheckboxField(_l("Plaque: tiers"))
    min_months_trading = _whole(_l("Plaque: trading at least (months)"))
    veto_statuses = MultiCheckboxField(_l("Plaque: vetoed registry statuses"))
    veto_dishonest = BooleanField(_l("Plaque: vetoed when on the dishonest-persons list"))
    min_loan_months = _whole(_l("Plaque: months of loan use at the bank, at least"))
    no_bad_loans = BooleanField(_l("Plaque: no bad loan at the bank"))
    max_overdue_12m = _whole(_l("Plaque: overdue repayments in the last 12 months, at most"))
    min_credit_line = _whole(_l("Plaque: credit line at the bank, at least (yuan)"))
    veto_false_reporting = BooleanField(_l("Plaque: vetoed when false data were reported"))
    number_prefix = StringField(_l("Plaque number prefix"), validators=[Optional(), Length(max=10)])
    products = FieldList(FormField(ProductTermsForm))

    CAPS = (*CAP_KEYS,)
    CRITERIA = ("tiers", "min_months_trading", "veto_statuses", "veto_dishonest", "min_loan_months", "no_bad_loans",
                "max_overdue_12m", "min_credit_line", "veto_false_reporting", "number_prefix")

    def __init__(self, *args, rules: dict, catalogue, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.tiers.choices = choices("tier")
        self.veto_statuses.choices = choices("registry_status")
        self.current = rules
        if not self.is_submitted():
            self._fill(rules, catalogue)
        for entry in self.products.entries:
            entry.form.region_ids.choices = [SelectChoice(region.id, region.name) for region in places]

    def _fill(self, rules: dict, catalogue) -> None:
        for name in self.CAPS:
            self[name].data = rules.get(f"tier_caps.{name}")
        share = rules.get("tier_caps.revenue_share_cap")
        self.revenue_share_percent.data = None if share is None else Decimal(str(share)) * 100
        for name in self.CRITERIA:
            self[name].data = rules.get(f"plaque_criteria.{name}", UNSET_CRITERIA.get(name))
        for product in catalogue:
            key = f"products.{product.name}"
            terms = {field: rules.get(f"{key}.{term}") for field, term in TERM_FIELDS.items()}
            self.products.append_entry({"name": product.name, "offered": bool(rules.get(key)), **terms})

    def _unset(self, key: str):
        leaf = key.split(".")[-1]
        return UNSET_CRITERIA.get(leaf, False if self[leaf].type == "BooleanField" else None) \
            if key.startswith("plaque_criteria.") else None

    def changes(self) -> dict:
        """The rules given that differ from the drive's (dotted key → value, None to remove)."""
        share = self.revenue_share_percent.data
        given = {f"tier_caps.{name}": self[name].data for name in self.CAPS}
        given["tier_caps.revenue_share_cap"] = None if share is None else float(share / 100)
        for name in self.CRITERIA:
            value = self[name].data
            given[f"plaque_criteria.{name}"] = value if isinstance(value, bool) or value not in ("", []) else None
        for entry in self.products.entries:
            given.update(entry.form.rules())
        return {key: value for key, value in given.items() if value != self.current.get(key, self._unset(key))}
