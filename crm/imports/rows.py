"""Reading a registry file's rows: the header row, the columns it sets, and each batch of rows turned into
merchant values column by column, with the problems found (crm.imports.operations plans and writes them)."""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from flask_babel import gettext as _
from sqlalchemy import select

from crm.extensions import db
from crm.imports import parsing
from crm.imports.parsing import CellError
from crm.labels import label
from crm.merchants import credit_code
from crm.merchants.operations import check_credit_code
from crm.regions.models import Region

HEADER_SEARCH_ROWS = 5  # exports often put a title or a note above the header row
LOCATION = ("county", "town", "district")
_PARSERS = {
    "operator_phone": parsing.parse_phone, "operator_birth_date": parsing.parse_date,
    "registered_on": parsing.parse_date, "distinguished_until": parsing.parse_date,
    "trade": parsing.parse_trade, "tier": parsing.parse_tier, "registry_status": parsing.parse_status,
    "distinguished": parsing.parse_flag, "dishonest": parsing.parse_flag, "kind": parsing.parse_kind,
}
_MAX_LENGTH = {"name": 120, "operator_name": 64, "address": 200}
_REPEATING = {"trade", "tier", "registry_status", "kind", "distinguished", "dishonest", "registered_on",
              "distinguished_until", "operator_birth_date"}


class ImportRefused(Exception):
    """Strict mode and a bad row, or a file that cannot be read at all: nothing was written."""


class RegionIndex:
    """Counties, towns and districts by normalised name, loaded once per import."""

    SUFFIXES = ("街道办事处", "街道", "县", "区", "市", "镇", "乡")

    def __init__(self):
        self.counties: dict[str, int] = {}
        self.towns: dict[tuple[int, str], int] = {}
        self.districts: dict[tuple[int, str], int] = {}
        self.parent: dict[int, int | None] = {}
        rows = db.session.execute(select(Region.id, Region.parent_id, Region.level, Region.name)
                                  .where(Region.level.in_(LOCATION))).all()
        for region_id, parent_id, level, name in rows:
            self.parent[region_id] = parent_id
            for key in self._keys(name):
                if level == "county":
                    self.counties.setdefault(key, region_id)
                elif level == "town":
                    self.towns.setdefault((parent_id, key), region_id)
                else:
                    self.districts.setdefault((parent_id, key), region_id)

    def _keys(self, name: str) -> set[str]:
        """The full name and the name without its administrative suffix (长子县 and 长子)."""
        key = parsing.text(name).replace(" ", "")
        short = next((key[: -len(s)] for s in self.SUFFIXES if key.endswith(s) and len(key) > len(s) + 1), key)
        return {key, short}

    def locate(self, cells: tuple) -> tuple[int, int | None, int | None]:
        """(county id, town id, district id) for a row's county, town and district cells, or CellError
        saying which is unknown."""
        county, town, district = (parsing.text(cell).replace(" ", "") for cell in cells)
        if not county:
            raise CellError(_("the county is missing"))
        county_id = self._find(self.counties, None, county)
        if county_id is None:
            raise CellError(_("unknown county %(name)s", name=county))
        town_id = self._find(self.towns, county_id, town) if town else None
        if town and town_id is None:
            raise CellError(_("unknown town %(name)s in %(county)s", name=town, county=county))
        district_id = None
        if district:
            if town_id is None:
                raise CellError(_("a district needs its town"))
            district_id = self._find(self.districts, town_id, district)
            if district_id is None:
                raise CellError(_("unknown district %(name)s in %(town)s", name=district, town=town))
        return county_id, town_id, district_id

    def _find(self, table: dict, parent_id: int | None, name: str) -> int | None:
        for key in self._keys(name):
            found = table.get(key if parent_id is None else (parent_id, key))
            if found is not None:
                return found
        return None

    def descendants(self, region_ids) -> set[int]:
        """The regions and every region below them."""
        children: dict[int | None, list[int]] = {}
        for region_id, parent_id in self.parent.items():
            children.setdefault(parent_id, []).append(region_id)
        found, frontier = set(), list(region_ids)
        while frontier:
            node = frontier.pop()
            if node not in found:
                found.add(node)
                frontier.extend(children.get(node, ()))
        return found


def find_header(rows) -> tuple[int, dict[int, tuple[str, int]], list]:
    """(row number, {column index: (field, scale)}, header cells) of the first row naming the credit code.

    When two columns name the same field, the first is read and the second is ignored (and reported).
    """
    for number, cells in enumerate(rows, start=1):
        mapping: dict[int, tuple[str, int]] = {}
        for i, cell in enumerate(cells):
            found = parsing.header_field(cell)
            if found[0] and all(found[0] != f for f, _scale in mapping.values()):
                mapping[i] = found
        if any(f == "credit_code" for f, _scale in mapping.values()):
            return number, mapping, cells
        if number >= HEADER_SEARCH_ROWS:
            break
    raise ImportRefused(_("No header row with a credit code column (统一社会信用代码 or credit_code) was found "
                          "in the first %(n)s rows.", n=HEADER_SEARCH_ROWS))


def plan_columns(fields: set[str]) -> tuple[str, ...]:
    """Merchant attributes set by a file with these header fields; location names become region ids."""
    columns = [f for f in parsing.FIELDS if f in fields and f not in LOCATION]
    columns += [f"{f}_id" for f in LOCATION if f in fields]
    return (*columns, "registry_hash")


Failures = list[tuple[int, str]]  # (row's position in the batch, why its cell cannot be read)


class _Distinct:
    """Reads a column by its distinct values, each once: trades, statuses, dates, flags and places repeat.

    A bad value reads as `blank`; only its message is kept, not the error, whose traceback would hold
    the batch alive.
    """

    def __init__(self, convert: Callable, blank=None):
        self.convert, self.blank = convert, blank
        self.read: dict = {}  # cell value, or (type, value) where the column has a flag in it → what it reads as
        self.failed: dict = {}  # key → message

    def __call__(self, cells) -> tuple[list, Failures]:
        # True == 1 but the two do not read alike: a column with a flag in it is keyed by type as well. Other
        # equal values read alike (1 and 1.0 are both the number 1).
        typed = bool in set(map(type, cells))
        keys = list(zip(map(type, cells), cells)) if typed else cells
        for key in set(keys).difference(self.read):
            try:
                self.read[key] = self.convert(key[1] if typed else key)
            except CellError as err:
                self.read[key] = self.blank
                self.failed[key] = str(err)
        values = list(map(self.read.__getitem__, keys))
        if self.failed.keys().isdisjoint(keys):
            return values, []
        return values, [(n, self.failed[key]) for n, key in enumerate(keys) if key in self.failed]


def _each(convert: Callable) -> Callable:
    """Reads a column cell by cell (names, phones and amounts hardly repeat)."""

    def column(cells) -> tuple[list, Failures]:
        try:
            return list(map(convert, cells)), []
        except CellError:
            pass  # a bad cell somewhere: read them one at a time to say which
        values, failures = [], []
        for n, cell in enumerate(cells):
            try:
                values.append(convert(cell))
            except CellError as err:
                values.append(None)
                failures.append((n, str(err)))
        return values, failures

    return column


def _plain_text(name: str) -> Callable:
    limit = _MAX_LENGTH.get(name, 120)

    def convert(value):
        cleaned = parsing.text(value) or None
        if cleaned and len(cleaned) > limit:
            raise CellError(_("%(field)s is longer than %(n)s characters", field=label("merchant_field", name),
                              n=limit))
        return cleaned

    return convert


_CLEAN_CODE = re.compile(f"[{credit_code.ALPHABET}]{{18}}")


def _credit_code(value) -> tuple[str, str | None]:
    """Most codes arrive clean and right: check those fast, send the rest through the full check."""
    if isinstance(value, str) and _CLEAN_CODE.fullmatch(value) and credit_code.check_character(value[:17]) == value[17]:
        return value, None
    return check_credit_code(parsing.text(value))


def credit_codes(cells) -> tuple[list[str], Failures]:
    """The normalised codes of a column, and which are not valid."""
    codes, problems = zip(*map(_credit_code, cells))
    return list(codes), [(n, problem) for n, problem in enumerate(problems) if problem]


def _note(problems: dict[int, list[str]], failures: Failures) -> None:
    for n, message in failures:
        problems.setdefault(n, []).append(message)


class RowReader:
    """Turns a batch of rows into merchant values and the problems found, column by column.

    No dict or object per row: each column is read in one go (its distinct values once, where they
    repeat), and the rows' values are the columns zipped, in the plan's columns.
    """

    def __init__(self, mapping: dict[int, tuple[str, int]], regions: RegionIndex, columns: tuple[str, ...]):
        self.fields = {name: i for i, (name, _scale) in mapping.items()}
        self.width = max(mapping) + 1
        self.size = len(columns)
        slot = {name: n for n, name in enumerate(columns)}
        self.converters = []
        for i, (name, scale) in mapping.items():
            if name == "credit_code" or name in LOCATION:
                continue
            if name == "annual_revenue":
                convert = partial(parsing.parse_amount, scale=scale)
            else:
                convert = _PARSERS.get(name) or _plain_text(name)
            self.converters.append((i, slot[name], _Distinct(convert) if name in _REPEATING else _each(convert)))
        self.code_at = self.fields["credit_code"]
        self.name_slot = slot.get("name")
        self.location = [self.fields.get(f) for f in LOCATION] if "county" in self.fields else None
        self.location_slots = [slot.get(f"{f}_id") for f in LOCATION]
        self.places = _Distinct(regions.locate, blank=(None, None, None))

    def read(self, rows: list[list]) -> tuple[list, dict[int, list[str]]]:
        """(columns, problems) of rows padded to self.width: each column's values in the plan's order
        (the registry hash's left None), and each bad row's problems by its position in the batch."""
        cells = list(zip(*rows))
        columns: list = [None] * self.size
        problems: dict[int, list[str]] = {}
        columns[0], failures = credit_codes(cells[self.code_at])
        _note(problems, failures)
        for i, at, convert in self.converters:
            columns[at], failures = convert(cells[i])
            _note(problems, failures)
        if self.location is not None:
            nothing = [None] * len(rows)
            places, failures = self.places(list(zip(*(cells[i] if i is not None else nothing
                                                      for i in self.location))))
            _note(problems, failures)
            for at, ids in zip(self.location_slots, zip(*places)):
                if at is not None:
                    columns[at] = ids
        if self.name_slot is not None:
            missing = _("the name is missing")
            _note(problems, [(n, missing) for n, name in enumerate(columns[self.name_slot]) if not name])
        return columns, problems

    def name(self, values) -> str:
        return (values[self.name_slot] if self.name_slot is not None else None) or ""

    def in_scope(self, values, allowed: set[int] | None) -> bool:
        return (allowed is None or self.location is None
                or any(values[at] in allowed for at in self.location_slots if at is not None))
