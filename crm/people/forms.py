"""Forms of the administration screens for organizations and users."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from crm.auth.passwords import policy_problem
from crm.forms import BLANK, MultiCheckboxField, all_of, narrowing_picker, optional_id
from crm.labels import choices
from crm.people.queries import organization_choices, organization_tree, organizations_of
from crm.regions.queries import region_choices


def _text(field) -> str | None:
    return (field.data or "").strip() or None


class OrganizationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Side"))
    parent_id = SelectField(_l("Part of"), coerce=optional_id)
    region_id = SelectField(_l("Region served"), coerce=optional_id)

    sections = ((None, ("name", "kind", "parent_id", "region_id")),)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices("org_kind")
        self.parent_id.choices = BLANK + organization_choices()
        self.region_id.choices = BLANK + region_choices(("city", "county", "town"), from_level="city")

    def values(self) -> dict:
        return {"name": self.name.data.strip(), "kind": self.kind.data, "parent_id": self.parent_id.data,
                "region_id": self.region_id.data}


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[
        DataRequired(), Length(max=64),
        Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, dots, dashes and underscores only."))])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    organization_above = narrowing_picker(_l("Part of"), "organization_id")
    organization_id = SelectField(_l("Organization"), coerce=int, validators=[DataRequired()])
    roles = MultiCheckboxField(_l("Roles"))
    phone = StringField(_l("Phone"), validators=[Optional(), Regexp(r"^[0-9+\- ]{5,20}$")])
    email = StringField(_l("Email"), validators=[
        Optional(), Length(max=120), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Not an email address."))])
    active = BooleanField(_l("Active (may sign in)"), default=True)
    password = PasswordField(_l("Password"))

    sections = ((None, ("username", "display_name", "organization_above", "organization_id", "phone", "email", "roles", "active",
                        "password")),)

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        above, organizations = organization_tree(organizations_of())
        self.organization_above.choices, self.organization_id.choices = all_of(above), organizations
        self.roles.choices = choices("role")
        if not creating:
            self.password.label.text = _l("New password (leave empty to keep the current one)")

    def validate_password(self, field):
        if not field.data:
            if self.creating:
                raise ValidationError(_l("A new user needs a password."))
            return
        problem = policy_problem(field.data, (self.username.data, self.display_name.data))
        if problem:
            raise ValidationError(problem)

    def values(self) -> dict:
        values = {"username": self.username.data.strip(), "display_name": self.display_name.data.strip(),
                  "organization_id": self.organization_id.data, "roles": list(self.roles.data or []),
                  "phone": _text(self.phone), "email": _text(self.email), "active": bool(self.active.data)}
        if self.password.data:
            values["password"] = self.password.data
        return values
