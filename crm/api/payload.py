"""Reading a JSON payload (from the API or a form turned into the same shape) field by field.

Every problem is kept under the field's dotted name ("merchant.credit_code", "needs.0.text"), so
the API answers 422 with one message per field and the form shows each beside its input.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from crm.web import MAX_ID

MISSING = object()


class Invalid(Exception):
    """Bad input: {field: message}. Nothing may be stored."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(fields)
        self.fields = fields


class Conflict(Exception):
    """The request contradicts what is stored (a reused client_id, an outcome already decided)."""


class NotFound(Exception):
    """A referenced object does not exist or is outside the user's scope."""


def body_hash(payload: dict) -> str:
    """sha256 of the canonical JSON: the same body sent twice hashes the same."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Reader:
    """Typed access to one JSON object; problems collect in `errors` (shared with nested readers)."""

    def __init__(self, data, prefix: str = "", errors: dict | None = None):
        self.data = data if isinstance(data, dict) else {}
        self.prefix = prefix
        self.errors = {} if errors is None else errors

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def fail(self, key: str, message) -> None:
        self.errors.setdefault(self.name(key), str(message))

    def nested(self, key: str) -> Reader:
        return Reader(self.data.get(key), f"{self.name(key)}.", self.errors)

    def raw(self, key: str, required: bool = False):
        value = self.data.get(key, MISSING)
        if value is MISSING or value is None or value == "":
            if required:
                self.fail(key, _("This field is required."))
            return None
        return value

    def text(self, key: str, max_len: int, required: bool = False) -> str | None:
        value = self.raw(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(key, _("Must be text."))
            return None
        value = value.strip()
        if not value:
            if required:
                self.fail(key, _("This field is required."))
            return None
        if len(value) > max_len:
            self.fail(key, _("At most %(n)s characters.", n=max_len))
            return None
        return value

    def choice(self, key: str, allowed, required: bool = False) -> str | None:
        value = self.raw(key, required)
        if value is not None and value not in allowed:
            self.fail(key, _("Must be one of: %(choices)s.", choices=", ".join(allowed)))
            return None
        return value

    def integer(self, key: str, low: int | None = None, high: int | None = None, required: bool = False) -> int | None:
        """A whole number, by default within what a database integer column holds."""
        low, high = -MAX_ID if low is None else low, MAX_ID if high is None else high
        value = self.raw(key, required)
        if value is None:
            return None
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, _("Must be a whole number."))
            return None
        return self._bounded(key, value, low, high)

    def number(self, key: str, low=None, high=None, required: bool = False, above=None) -> Decimal | None:
        value = self.raw(key, required)
        if value is None:
            return None
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(str(value).strip())
            if not number.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            self.fail(key, _("Must be a number."))
            return None
        if above is not None and number <= above:
            self.fail(key, _("Must be more than %(n)s.", n=above))
            return None
        return self._bounded(key, number, low, high)

    def _bounded(self, key: str, value, low, high):
        if (low is not None and value < low) or (high is not None and value > high):
            self.fail(key, _("Must be between %(low)s and %(high)s.", low=low, high=high))
            return None
        return value

    def boolean(self, key: str, required: bool = False) -> bool | None:
        value = self.raw(key, required)
        if value is None or isinstance(value, bool):
            return value
        self.fail(key, _("Must be true or false."))
        return None

    def day(self, key: str, required: bool = False) -> date | None:
        value = self.raw(key, required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(key, _("Must be a date like 2025-07-01."))
            return None

    def moment(self, key: str, required: bool = False) -> datetime | None:
        """An ISO 8601 time WITH its offset: a phone's clock says where it is."""
        value = self.raw(key, required)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(key, _("Must be a time like 2025-07-01T09:30:00+08:00."))
            return None
        if moment.tzinfo is None:
            self.fail(key, _("Include the time zone offset, e.g. +08:00."))
            return None
        return moment

    def check(self) -> None:
        if self.errors:
            raise Invalid(dict(self.errors))
