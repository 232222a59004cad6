"""Request shapes declared once: the same declaration reads a JSON body field by field (problems
under each field's dotted name) and describes it in the OpenAPI document.

    EVENT = Shape(kind=choice(EVENT_KINDS, required=True), title=text(160), ...)
    values = EVENT.read(payload)          # typed values, or Invalid({field: message})
    body=schema("EventInput", EVENT.schema())

Rules between fields (a deadline after the visit, a pair of the drive) stay in the operations,
which add their problems to the same errors before raising.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _

from crm.api.core import nullable
from crm.api.payload import MISSING, Reader
from crm.web import MAX_ID


@dataclass(frozen=True)
class Field:
    """One field: how to read it from a Reader and what it looks like in the document."""

    read: Callable[[Reader, str], object]
    doc: dict
    required: bool = False
    when: tuple[str, object] | None = None  # read only when a sibling field has this value

    def schema(self) -> dict:
        return self.doc if self.required else nullable(self.doc)  # optional fields may be sent as null


class Shape:
    """A JSON object's fields, by name, in the order they are read."""

    def __init__(self, **fields: Field):
        self.fields = fields
        self.closed = False  # True: a field it does not declare is refused (and documented so)

    @classmethod
    def strict(cls, **fields: Field) -> Shape:
        """A shape that refuses fields it does not declare (a PATCH, where a typo would change nothing)."""
        shape = cls(**fields)
        shape.closed = True
        return shape

    def only(self, *names: str) -> Shape:
        """The same declarations for some of the fields (a form that sets part of an object)."""
        return Shape(**{name: self.fields[name] for name in names})

    def schema(self) -> dict:
        schema = {"type": "object", "properties": {name: f.schema() for name, f in self.fields.items()},
                  "required": [name for name, f in self.fields.items() if f.required]}
        if self.closed:
            schema["additionalProperties"] = False
        return schema

    def read_with(self, r: Reader) -> dict:
        """The typed values of the fields the body names (absent ones are left out, so a caller can
        tell "absent" from "null"); a required field is always read; problems collect in r.errors."""
        values: dict = {}
        if self.closed:
            for name in sorted(set(r.data) - set(self.fields)):
                r.fail(name, _("unknown field"))
        for name, f in self.fields.items():
            if f.when is not None and values.get(f.when[0]) != f.when[1]:
                continue
            if f.required or r.data.get(name, MISSING) is not MISSING:
                values[name] = f.read(r, name)
        return values

    def read(self, payload, errors: dict | None = None) -> dict:
        """Read and check: Invalid with every problem at once."""
        r = Reader(payload, errors=errors)
        values = self.read_with(r)
        r.check()
        return values


def text(max_len: int, required: bool = False, when: tuple[str, object] | None = None) -> Field:
    # Required text must hold something besides spaces (the reader strips it), as the pattern says.
    doc = {"type": "string", "maxLength": max_len, **({"pattern": r"\S"} if required else {})}
    return Field(lambda r, k: r.text(k, max_len, required), doc, required, when)


def choice(allowed, required: bool = False) -> Field:
    return Field(lambda r, k: r.choice(k, allowed, required), {"type": "string", "enum": list(allowed)}, required)


def integer(low: int | None = None, high: int | None = None, required: bool = False) -> Field:
    """A whole number; unbounded ones are bounded like the reader, by what a database integer holds."""
    low, high = -MAX_ID if low is None else low, MAX_ID if high is None else high
    return Field(lambda r, k: r.integer(k, low, high, required),
                 {"type": "integer", "minimum": low, "maximum": high}, required)


def number(low=None, high=None, above=None, required: bool = False, when: tuple[str, object] | None = None) -> Field:
    """A decimal; sent as a JSON number or as a string ("1200.50"), read exactly either way."""
    bounds = {key: float(value) for key, value in (("minimum", low), ("maximum", high), ("exclusiveMinimum", above))
              if value is not None}
    return Field(lambda r, k: r.number(k, low, high, required, above), {"type": ["number", "string"], **bounds},
                 required, when)


def boolean(required: bool = False) -> Field:
    return Field(lambda r, k: r.boolean(k, required), {"type": "boolean"}, required)


def flag() -> Field:
    """A yes/no that is no when absent."""
    return Field(lambda r, k: bool(r.boolean(k)), {"type": "boolean"})


def day(required: bool = False) -> Field:
    return Field(lambda r, k: r.day(k, required), {"type": "string", "format": "date"}, required)


def moment(required: bool = False) -> Field:
    return Field(lambda r, k: r.moment(k, required), {"type": "string", "format": "date-time"}, required)


def raw(kind: str, required: bool = False) -> Field:
    """Documented here, checked by the operation (an id it looks up, a code it validates)."""
    return Field(lambda r, k: r.data.get(k), {"type": kind}, required)


def strings(too_few, required: bool = False) -> Field:
    """A non-empty list of strings; `too_few`, the (lazy) message when it is not one."""
    def read(r: Reader, key: str) -> list[str]:
        values = r.data.get(key)
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            r.fail(key, too_few)
            return []
        return values

    return Field(read, {"type": "array", "items": {"type": "string"}, "minItems": 1}, required)


def nested(shape: Shape, required: bool = False) -> Field:
    """An object of its own; absent or null reads as None."""
    def read(r: Reader, key: str):
        if r.data.get(key) is None:
            if required:
                r.fail(key, _("This field is required."))
            return None
        return shape.read_with(r.nested(key))

    return Field(read, shape.schema(), required)


def items(shape: Shape, max_items: int, too_many) -> Field:
    """A list of objects, each read with its index in the field names ("needs.0.text"); `too_many`,
    the (lazy) message for a list that is not one or is too long."""
    def read(r: Reader, key: str) -> list[dict]:
        values = r.data.get(key) or []
        if not isinstance(values, list) or len(values) > max_items:
            r.fail(key, too_many)
            return []
        return [shape.read_with(Reader(item, f"{r.name(key)}.{index}.", r.errors))
                for index, item in enumerate(values)]

    return Field(read, {"type": "array", "items": shape.schema(), "maxItems": max_items})

