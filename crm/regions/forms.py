"""The region form of the administration screens."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.forms import BLANK, optional_id
from crm.labels import choices
from crm.regions.queries import region_choices


class RegionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    level = SelectField(_l("Level"))
    parent_id = SelectField(_l("Part of"), coerce=optional_id)
    code = StringField(_l("Code"), validators=[Optional(), Length(max=32)])
    district_kind = SelectField(_l("Kind of district"))
    households = IntegerField(_l("Households"), validators=[Optional(), NumberRange(min=0)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])

    sections = ((None, ("name", "level", "parent_id", "code", "district_kind", "households", "address")),)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = choices("region_level")
        self.parent_id.choices = BLANK + region_choices(("city", "county", "town"), from_level="city")
        self.district_kind.choices = choices("district_kind", blank=True)

    def values(self) -> dict:
        return {"name": self.name.data.strip(), "level": self.level.data, "parent_id": self.parent_id.data,
                "code": (self.code.data or "").strip() or None, "district_kind": self.district_kind.data or None,
                "households": self.households.data, "address": (self.address.data or "").strip() or None}
