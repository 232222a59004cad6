"""Form pieces every area shares: check-box lists and optional look-ups."""
from __future__ import annotations

from wtforms import SelectMultipleField
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


BLANK = [("", "—")]
