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
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.labels import choices


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class EventForm(FlaskForm):
    """Plan an event; the place fields that matter depend on its kind."""

    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=160)])
    planned_on = DateField(_l("Date"), validators=[DataRequired()])
    pair_id = SelectField(_l("Pair"), coerce=_optional_int, validators=[Optional()])
    region_id = SelectField(_l("Town or district"), coerce=_optional_int, validators=[Optional()])
    county_id = SelectField(_l("County"), coerce=_optional_int, validators=[Optional()])
    level = SelectField(_l("Level"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    organizers = StringField(_l("Organizers"), validators=[Optional(), Length(max=200)])
    with_briefing = BooleanField(_l("With a 10-minute financing briefing"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, pairs=(), places=(), counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices("event_kind")
        self.pair_id.choices = [(None, "—")] + [(p.id, p.name) for p in pairs]
        self.region_id.choices = [(None, "—")] + list(places)
        self.county_id.choices = [(None, "—")] + [(c.id, c.name) for c in counties]
        self.level.choices = choices("event_level", blank=True)

    def values(self) -> dict:
        data = {name: self[name].data for name in (
            "kind", "title", "planned_on", "pair_id", "region_id", "county_id", "place", "organizers",
            "with_briefing", "notes")}
        data["level"] = self.level.data or None
        return {k: (v or None) if isinstance(v, str) else v for k, v in data.items()}


class OutcomeForm(FlaskForm):
    """Record that an event was held, with what it achieved."""

    held_on = DateField(_l("Held on"), validators=[DataRequired()])
    attendance = IntegerField(_l("Attendance"), validators=[Optional(), NumberRange(min=0)])
    merchants_reached = IntegerField(_l("Merchants reached"), validators=[Optional(), NumberRange(min=0)])
    briefing_audience = IntegerField(_l("Briefing audience"), validators=[Optional(), NumberRange(min=0)])
    intentions = IntegerField(_l("Financing intentions"), validators=[Optional(), NumberRange(min=0)])
    signed_amount = DecimalField(_l("Amount signed (yuan)"), places=2, validators=[Optional(), NumberRange(min=0)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    photos = MultipleFileField(_l("Photos"))
    submit = SubmitField(_l("Record as held"))

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "held_on", "attendance", "merchants_reached", "briefing_audience", "intentions", "signed_amount",
            "notes")}

    def streams(self) -> list:
        return [f.stream for f in (self.photos.data or []) if getattr(f, "filename", "")]
