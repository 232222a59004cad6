from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, FileField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.bankfacts.operations import MAX_LOAN_MONTHS, MAX_OVERDUE

YES_NO_UNKNOWN = [SelectChoice("", _l("Not known")), SelectChoice("no", _l("No")), SelectChoice("yes", _l("Yes"))]


def _flag(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class BankFactForm(FlaskForm):
    """One report of the bank's loan facts about a merchant; an empty field is a fact the report does not give."""

    as_of = DateField(_l("Date of the bank's data"), validators=[DataRequired()])
    source = StringField(_l("Source (system or document)"), validators=[DataRequired(), Length(max=200)])
    loan_months = IntegerField(_l("Months of loan use (累计用款期限)"),
                               validators=[Optional(), NumberRange(min=0, max=MAX_LOAN_MONTHS)])
    bad_loans = SelectField(_l("Bad loan record (不良贷款记录)"), choices=YES_NO_UNKNOWN, validate_choice=False)
    overdue_12m = IntegerField(_l("Times overdue in the last 12 months"),
                               validators=[Optional(), NumberRange(min=0, max=MAX_OVERDUE)])
    overdue_run_24m = IntegerField(_l("Longest run of overdue periods in the last 24 months (连续逾期期数)"),
                                   validators=[Optional(), NumberRange(min=0, max=MAX_OVERDUE)])
    overdue_periods_24m = IntegerField(_l("Overdue periods in the last 24 months in all (累计逾期期数)"),
                                       validators=[Optional(), NumberRange(min=0, max=MAX_OVERDUE)])
    credit_line_wan = DecimalField(_l("Credit line (10k yuan)"), places=2,
                                   validators=[Optional(), NumberRange(min=0, max=100000)])
    false_reporting = SelectField(_l("Reported false data (虚假报送数据)"), choices=YES_NO_UNKNOWN, validate_choice=False)
    submit = SubmitField(_l("Record"))

    def values(self) -> dict:
        line = self.credit_line_wan.data
        return {"loan_months": self.loan_months.data, "bad_loans": _flag(self.bad_loans.data),
                "overdue_12m": self.overdue_12m.data, "overdue_run_24m": self.overdue_run_24m.data,
                "overdue_periods_24m": self.overdue_periods_24m.data,
                "credit_line": line * 10000 if line is not None else None,
                "false_reporting": _flag(self.false_reporting.data)}


class BankFactImportForm(FlaskForm):
    file = FileField(_l("The bank's export (.xlsx)"), validators=[DataRequired()])
    submit = SubmitField(_l("Import"))
