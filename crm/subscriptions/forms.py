"""The admin's form for a webhook subscription."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from crm.forms import MultiCheckboxField
from crm.subscriptions.operations import EVENTS


class SubscriptionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    url = StringField(_l("Address (URL)"), validators=[DataRequired(), Length(max=300)])
    events = MultiCheckboxField(_l("Events to send"), validators=[DataRequired()])
    active = BooleanField(_l("Send deliveries"), default=True)
    rotate_secret = BooleanField(_l("Make a new signing secret"))

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.events.choices = [SelectChoice(e.name, str(e.label)) for e in EVENTS]
        names = ("name", "url", "events", "active") + (() if creating else ("rotate_secret",))
        self.sections = ((None, names),)

    def values(self) -> dict:
        values = {"name": self.name.data, "url": self.url.data, "events": self.events.data,
                  "active": bool(self.active.data)}
        return values | ({"rotate_secret": True} if self.rotate_secret.data and "rotate_secret" in self.sections[0][1]
                         else {})
