from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import URL, DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from crm.auth.passwords import policy_problem
from crm.reminders.operations import webhook_address_problem


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Sign in"))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Create token"))


class PasswordForm(FlaskForm):
    """The signed-in user's own new password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired()])
    repeat = PasswordField(_l("Repeat new password"), validators=[DataRequired(), EqualTo("new")])
    submit = SubmitField(_l("Change password"))

    def validate_new(self, field):
        problem = policy_problem(field.data or "", (current_user.username, current_user.display_name))
        if problem:
            raise ValidationError(problem)


class DeliveryForm(FlaskForm):
    """Where a user's reminders go besides the in-app inbox."""

    email = StringField(_l("E-mail for reminders"), validators=[Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address.")), Length(max=120)])
    webhook_url = StringField(_l("Group-chat robot webhook"),
                              validators=[Optional(), URL(require_tld=False), Length(max=300)])
    submit = SubmitField(_l("Save"))

    def validate_webhook_url(self, field):
        problem = webhook_address_problem(field.data)
        if problem:
            raise ValidationError(problem)
