from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from crm.merchants.forms import MerchantForm


class ApplicationFields(FlaskForm):
    """What an applicant gives, on the public QR form or at the service window."""

    business_name = StringField(_l("Business name"), validators=[DataRequired(), Length(max=120)])
    credit_code = StringField(_l("Unified social credit code"), validators=[DataRequired()])
    phone = StringField(_l("Mobile phone"), validators=[
        DataRequired(), Regexp(r"^1\d{10}$", message=_l("Give an 11-digit mobile number."))])
    amount_wan = IntegerField(_l("Amount wanted (10k yuan)"), validators=[Optional(), NumberRange(min=1, max=10000)])
    purpose = StringField(_l("What the money is for"), validators=[Optional(), Length(max=200)])
    validate_credit_code = MerchantForm.validate_credit_code  # the same check, the same messages

    def values(self) -> dict:
        return {
            "business_name": self.business_name.data.strip(),
            "credit_code": self.credit_code.data,
            "phone": self.phone.data.strip(),
            "amount": self.amount_wan.data * 10000 if self.amount_wan.data else None,
            "purpose": (self.purpose.data or "").strip() or None,
        }


class ApplyForm(ApplicationFields):
    """The public, phone-sized self-application form."""

    consent = BooleanField(_l("I agree that the bureau and the bank use these details to contact me about credit."),
                           validators=[DataRequired(message=_l("Please agree so that we may contact you."))])
    # A field people never see: only scripts fill it in.
    website = StringField(_l("Leave this empty"))
    stamp = HiddenField()
    submit = SubmitField(_l("Apply"))


class WindowForm(ApplicationFields):
    """服务专窗: staff enter a walk-in applicant's application (贷款咨询+申请受理)."""

    consent = BooleanField(_l("The applicant agrees that the bureau and the bank use these details to contact "
                              "them about credit."),
                           validators=[DataRequired(message=_l("Ask the applicant's consent first."))])
    submit = SubmitField(_l("Enter the application"))
