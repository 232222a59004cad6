"""Form pieces every area shares: check-box lists and optional look-ups."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as check boxes: easier on a phone than a multi-select list."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def optional_id(value) -> int | None:
    """Coerce a select's value to an id, or None for the blank choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


BLANK = [SelectChoice("", "—")]


def narrowing_picker(label, narrows: str) -> SelectField:
    """A picker that only narrows the one named `narrows` to the options under the choice
    (data-narrows, static/js/page.js); nothing reads its value."""
    return SelectField(label, coerce=optional_id, validate_choice=False, validators=[Optional()],
                       render_kw={"data-narrows": narrows})


def all_of(choices) -> list[SelectChoice]:
    """A narrowing picker's choices: "all" (nothing narrowed) first."""
    return [SelectChoice("", str(_l("All")))] + list(choices)


def shape_hints(shape, name: str) -> dict:
    """The browser's hints (maxlength, min) for a form field, from the request shape that checks it."""
    doc = shape.fields[name].doc
    hints = {"maxlength": doc.get("maxLength"), "min": doc.get("minimum")}
    return {key: value for key, value in hints.items() if value is not None}


def shape_payload(form, names) -> dict:
    """A form's values as a JSON body carries them (dates as ISO text, amounts as text), for a request
    shape to read: the page and the API then check a submission with the same declaration."""
    def plain(value):
        if value is None or value == "":
            return None
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value if isinstance(value, (bool, int, str)) else str(value)

    return {name: plain(form[name].data) for name in names}
