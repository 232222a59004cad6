from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from crm.events.operations import EVENT_INPUT
from crm.forms import optional_id, shape_hints
from crm.labels import choices

# Lengths and bounds are the request shape's (crm/events/operations.py), which checks what is sent.
PLAN_NAMES = ("kind", "title", "planned_on", "pair_id", "region_id", "county_id", "level", "place", "organizers",
              "with_briefing", "notes")
OUTCOME_NAMES = ("held_on", "attendance", "merchants_reached", "briefing_audience", "intentions", "signed_amount",
                 "notes")


def _hints(name: str) -> dict:
    return {"render_kw": shape_hints(EVENT_INPUT, name)}


class EventForm(FlaskForm):
    """Plan an event; the place fields that matter depend on its kind."""

    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    title = StringField(_l("Title"), **_hints("title"))
    planned_on = DateField(_l("Date"), validators=[DataRequired()])
    pair_id = SelectField(_l("Pair"), coerce=optional_id, validators=[Optional()])
    region_id = SelectField(_l("Town or district"), coerce=optional_id, validators=[Optional()])
    # data-narrows: choosing a county leaves only its towns and districts (static/js/page.js).
    county_id = SelectField(_l("County"), coerce=optional_id, validators=[Optional()],
                            render_kw={"data-narrows": "region_id"})
    level = SelectField(_l("Level"), validators=[Optional()])
    place = StringField(_l("Place"), **_hints("place"))
    organizers = StringField(_l("Organizers"), **_hints("organizers"))
    with_briefing = BooleanField(_l("With a 10-minute financing briefing"))
    notes = TextAreaField(_l("Notes"), **_hints("notes"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, pairs=(), places=(), counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices("event_kind")
        none = [SelectChoice(None, "—")]
        self.pair_id.choices = none + [SelectChoice(p.id, p.name) for p in pairs]
        self.region_id.choices = none + list(places)
        self.county_id.choices = none + [SelectChoice(c.id, c.name) for c in counties]
        self.level.choices = choices("event_level", blank=True)


class OutcomeForm(FlaskForm):
    """Record that an event was held, with what it achieved."""

    held_on = DateField(_l("Held on"), validators=[DataRequired()])
    attendance = IntegerField(_l("Attendance"), validators=[Optional()], **_hints("attendance"))
    merchants_reached = IntegerField(_l("Merchants reached"), validators=[Optional()], **_hints("merchants_reached"))
    briefing_audience = IntegerField(_l("Briefing audience"), validators=[Optional()], **_hints("briefing_audience"))
    intentions = IntegerField(_l("Financing intentions"), validators=[Optional()], **_hints("intentions"))
    signed_amount = DecimalField(_l("Amount signed (yuan)"), places=2, validators=[Optional()],
                                 **_hints("signed_amount"))
    notes = TextAreaField(_l("Notes"), **_hints("notes"))
    photos = MultipleFileField(_l("Photos"))
    submit = SubmitField(_l("Record as held"))

    def streams(self) -> list:
        return [f.stream for f in (self.photos.data or []) if getattr(f, "filename", "")]
