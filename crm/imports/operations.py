"""Registry import (名录库导入): plan what a file would change, then apply it in one transaction.

plan_import reads and validates every row and compares it with the registry; apply_import runs
the same plan and writes it. New merchants go in by bulk insert; changed ones go through
crm.merchants.operations.update_merchant, which audits each change and flags the merchant for
review when it turns revoked, abnormal or dishonest. An unchanged row is never written.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import itemgetter

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.auth.scoping import is_admin, led_campaign_ids, own_pairs
from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.imports import parsing
from crm.imports.parsing import CellError
from crm.imports.rows import ImportRefused, RegionIndex, RowReader, credit_codes, find_header, plan_columns
from crm.jobs.state import no_progress
from crm.merchants.models import Merchant
from crm.merchants.operations import (
    MerchantWriter,
    stamp_registry_hashes,
    update_merchant,
)
from crm.people.models import Organization

CHUNK = 5000  # credit codes per look-up query
NEW_ROWS_SHOWN = 20  # new merchants listed on the report
@dataclass
class RejectedRow:
    row: int  # as the spreadsheet numbers it, header included
    credit_code: str
    name: str
    reason: str
    cells: list


@dataclass
class ImportPlan:
    filename: str
    size: int = 0  # rows in the file (about, for a .csv: its lines), known once it is opened
    # Merchant attributes this file sets, in the order of the value tuples below.
    columns: tuple[str, ...] = ()
    total: int = 0
    created: list[tuple] = field(default_factory=list)  # the first NEW_ROWS_SHOWN new merchants' values
    created_count: int = 0
    updated: list[tuple[int, int, tuple, dict]] = field(default_factory=list)  # row, merchant id, values, changes
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    recognised: list[tuple[str, str]] = field(default_factory=list)  # (header as in the file, field)
    ignored: list[str] = field(default_factory=list)  # headers read as nothing, as in the file
    rehashed: list[tuple[str, int]] = field(default_factory=list)  # (hash, merchant id) of unchanged rows to stamp

    def counts(self) -> dict[str, int]:
        return {"rows": self.total, "created": self.created_count, "updated": len(self.updated),
                "unchanged": self.unchanged, "rejected": len(self.rejected)}

    def values(self, row: tuple) -> dict:
        return dict(zip(self.columns, row))

    def report(self, limit: int) -> dict:
        """What the report page shows, as plain data to store: counts, columns, the first rows of each kind."""
        return {
            "filename": self.filename, "columns": list(self.columns[:-1]), "counts": self.counts(),
            "recognised": self.recognised, "ignored": self.ignored,
            "rejected": [{"row": r.row, "credit_code": r.credit_code, "name": r.name, "reason": r.reason}
                         for r in self.rejected[:limit]],
            "updated": [{"row": row, "credit_code": values[0], "changes": changes}
                        for row, _id, values, changes in self.updated[:limit]],
            "created": [list(values[:-1]) for values in self.created],
        }


def allowed_regions(user, index: RegionIndex) -> set[int] | None:
    """Regions whose merchants the user may import (None: all), the same territory they may see."""
    if user is None or is_admin(user):
        return None
    roots: list[int] = [p.region_id for p in own_pairs(user)]
    roots += db.session.scalars(select(Campaign.territory_id).where(Campaign.id.in_(led_campaign_ids(user))))
    roots += db.session.scalars(select(Organization.region_id).where(
        Organization.id.in_(user.organization.subtree_ids()), Organization.region_id.is_not(None)))
    return index.descendants(roots)


def _in_scope(place: dict, allowed: set[int] | None) -> bool:
    return allowed is None or any(place.get(k) in allowed for k in ("county_id", "town_id", "district_id"))


def plan_import(path: str, filename: str, user=None, progress: Callable = no_progress,
                sink: Callable[[ImportPlan, list[tuple]], None] | None = None) -> ImportPlan:
    """Read and check every row, and say what applying the file would do; writes nothing itself.

    progress(read=…, checked=…) is called as rows are read and compared with the registry; sink,
    when given, receives the plan and each chunk's new merchants (value tuples in plan.columns' order),
    once the next chunk's look-ups are done.
    """
    plan = ImportPlan(filename=filename)

    def sized(rows: int) -> None:
        plan.size = rows
        progress(total=rows)

    try:
        rows = parsing.read_table(path, filename, sized=sized)
        header_row, mapping, header_cells = find_header(rows)
    except CellError as err:
        raise ImportRefused(str(err)) from err
    planner = _Planner(plan, mapping, header_cells, user, sink)
    numbers: list[int] = []
    batch: list[list] = []
    width, code_at = planner.reader.width, planner.reader.code_at
    for number, cells in enumerate(rows, start=header_row + 1):
        if len(cells) < width:  # a short .csv line
            cells = [*cells, *[None] * (width - len(cells))]
        if _blank(cells, code_at):
            continue
        numbers.append(number)
        batch.append(cells)
        if len(batch) >= CHUNK:
            planner.check(numbers, batch)
            numbers, batch = [], []
            progress(read=planner.plan.total, checked=planner.plan.total)
    if batch:
        planner.check(numbers, batch)
    planner.hand_over()
    progress(read=planner.plan.total, checked=planner.plan.total)
    planner.plan.rejected.sort(key=lambda r: r.row)
    return planner.plan


def _blank(cells: list, code_at: int) -> bool:
    """A row with nothing in it; one with a credit code is not (the quick answer for nearly every row)."""
    code = cells[code_at]
    if code and (code.__class__ is not str or not code.isspace()):
        return False
    return not any(parsing.text(c) for c in cells)


class _Planner:
    """Sorts batches of rows into created, updated, unchanged and rejected.

    A row whose cells hash to the merchant's stored registry_hash was imported as it is before and
    the merchant not edited since: it is unchanged without being read cell by cell.
    """

    def __init__(self, plan: ImportPlan, mapping: dict[int, tuple[str, int]], header_cells: list, user,
                 sink: Callable[[ImportPlan, list[tuple]], None] | None = None):
        self.regions = RegionIndex()
        self.allowed = allowed_regions(user, self.regions)
        self.sink = sink
        self.plan = plan
        plan.columns = plan_columns({f for f, _scale in mapping.values()})
        plan.headers = [parsing.text(c) for c in header_cells]
        plan.recognised = [(plan.headers[i], f) for i, (f, _scale) in sorted(mapping.items())]
        plan.ignored = [h for i, h in enumerate(plan.headers) if h and i not in mapping]
        self.reader = RowReader(mapping, self.regions, self.plan.columns)
        self.code_index = self.reader.code_at
        indexes = sorted(mapping)
        self.pick = itemgetter(*indexes)  # rows arrive padded to the reader's width
        self.signature = repr(tuple(mapping[i] for i in indexes))
        self.seen: dict[str, int] = {}
        self.unsent: list[tuple] = []  # the last batch's new merchants, for the sink

    def check(self, numbers: list[int], batch: list[list]) -> None:
        """Sort a batch of rows (numbered as in the file, never none) into the plan.

        The batch's look-ups come first, then the previous batch's new merchants go to the sink: the
        database writes them (in the background on PostgreSQL) while this batch is checked.
        """
        plan, seen = self.plan, self.seen
        plan.total += len(batch)
        codes, _failures = credit_codes([cells[self.code_index] for cells in batch])
        fingerprints = list(map(self._fingerprint, batch))
        known = self._registered([code for code in codes if code])
        fresh = []  # positions of the rows to read cell by cell
        for n, (code, fingerprint) in enumerate(zip(codes, fingerprints)):
            if known.get(code) == fingerprint and code not in seen:
                seen[code] = numbers[n]
                plan.unchanged += 1
            else:
                fresh.append(n)
        current = self._current([codes[n] for n in fresh if codes[n] in known])
        self.hand_over()
        if fresh:
            self._read([numbers[n] for n in fresh], [batch[n] for n in fresh], [fingerprints[n] for n in fresh],
                       current)

    def hand_over(self) -> None:
        """Give the sink the new merchants not given yet (plan_import calls this once more at the end)."""
        if self.sink and self.unsent:
            self.sink(self.plan, self.unsent)
        self.unsent = []

    def _read(self, numbers: list[int], batch: list[list], fingerprints: list[str], current: dict) -> None:
        plan, reader, seen = self.plan, self.reader, self.seen
        columns, problems = reader.read(batch)
        columns[-1] = fingerprints
        pending: dict[str, tuple[int, tuple, list]] = {}  # code → (row, values, cells)
        for n, (number, values, cells) in enumerate(zip(numbers, zip(*columns), batch)):
            code, found = values[0], problems.get(n, [])
            if not found and code in seen:
                found.append(_("duplicate of row %(row)s in this file", row=seen[code]))
            if not found and not reader.in_scope(values, self.allowed):
                found.append(_("outside the area you look after"))
            if found:
                plan.rejected.append(RejectedRow(number, code, reader.name(values), "; ".join(found), list(cells)))
                continue
            seen[code] = number
            pending[code] = (number, values, cells)
        created = _compare(plan, pending, self.allowed, reader, current)
        plan.created_count += len(created)
        plan.created += created[:NEW_ROWS_SHOWN - len(plan.created)]
        self.unsent = created

    def _fingerprint(self, cells: list) -> str:
        """A row's registry cells as the file has them, hashed with what they are read as (the signature)."""
        return hashlib.blake2b((self.signature + repr(self.pick(cells))).encode(), digest_size=16).hexdigest()

    def _current(self, codes: list[str]) -> dict:
        """The merchants with these codes as they are now, by code: what their rows are compared with."""
        if not codes:
            return {}
        columns = [getattr(Merchant, c) for c in self.plan.columns]
        return {row.credit_code: row for row in db.session.execute(
            select(Merchant.id, Merchant.county_id, Merchant.town_id, Merchant.district_id, *columns)
            .where(Merchant.credit_code.in_(codes)))}

    def _registered(self, codes: list[str]) -> dict[str, str | None]:
        """{credit code: stored hash} of the registered merchants among these codes; the hash is None
        where the merchant was edited since, or is not one the user may import."""
        if not codes:
            return {}
        # Straight to the driver, rows as plain tuples: 5,000 parameters through SQLAlchemy's IN expansion,
        # and its row objects, cost more than the query.
        columns = "credit_code, registry_hash, county_id, town_id, district_id"
        connection = db.session.connection()
        cursor = connection.connection.driver_connection.cursor()
        if connection.dialect.name == "postgresql":
            cursor.execute(f"SELECT {columns} FROM merchants WHERE credit_code = ANY(%s)", (codes,))
        else:
            cursor.execute(f"SELECT {columns} FROM merchants WHERE credit_code IN ({', '.join('?' * len(codes))})",
                           codes)
        found = cursor.fetchall()
        cursor.close()
        if self.allowed is None:
            return {code: stored for code, stored, *_place in found}
        return {code: stored if self.allowed.intersection(place) else None for code, stored, *place in found}


def _same(old, new) -> bool:
    if isinstance(new, Decimal) and old is not None:
        return Decimal(old) == new
    if isinstance(old, date) and isinstance(new, date):
        return old == new
    return old == new or (old in (None, "") and new in (None, ""))


def _compare(plan: ImportPlan, pending: dict, allowed: set[int] | None, reader: RowReader,
             existing: dict) -> list[tuple]:
    """Sort a chunk of valid rows into updated and unchanged by the merchants `existing` now (by code);
    the new ones are returned."""
    created = []
    missing = _missing_column(plan)
    for code, (number, values, cells) in pending.items():
        current = existing.get(code)
        if current is None:
            problem = missing or _creation_problem(plan, values, reader)
            if problem:
                plan.rejected.append(RejectedRow(number, code, reader.name(values), problem, cells))
            else:
                created.append(values)
            continue
        if not _in_scope(current._mapping, allowed):
            plan.rejected.append(RejectedRow(number, code, reader.name(values),
                                             _("registered in an area you do not look after"), cells))
            continue
        mapping = current._mapping
        changes = {c: [mapping[c], v] for c, v in zip(plan.columns[:-1], values) if not _same(mapping[c], v)}
        if changes:
            plan.updated.append((number, current.id, values, changes))
        else:
            plan.unchanged += 1
            if mapping["registry_hash"] != values[-1]:
                plan.rehashed.append((values[-1], current.id))
    return created


def _missing_column(plan: ImportPlan) -> str | None:
    if "name" not in plan.columns:
        return _("a new merchant needs a name (名称), and this file has no name column")
    if "county_id" not in plan.columns:
        return _("a new merchant needs its county (县区), and this file has no county column")
    return None


def _creation_problem(plan: ImportPlan, values: tuple, reader: RowReader) -> str | None:
    if not reader.name(values):
        return _("a new merchant needs a name (名称)")
    if not values[plan.columns.index("county_id")]:
        return _("a new merchant needs its county (县区)")
    return None


IMPORT_DEFAULTS = {"kind": "individual", "trade": "other", "registry_status": "operating", "distinguished": False,
                   "dishonest": False}  # parsers never give None for these: a file sets them on every row or not at all


def apply_import(path: str, filename: str, user=None, strict: bool = False,
                 progress: Callable = no_progress) -> ImportPlan:
    """Plan the file again (the registry may have moved since the dry run) and write it in one transaction.

    New merchants are written as each chunk is checked; progress(written=…) follows the writing. The
    commit at the end makes all of it visible at once; any failure (strict mode's included) rolls it back.
    """
    writers: list[MerchantWriter] = []

    def write(plan: ImportPlan, rows: list[tuple]) -> None:
        if not writers:
            writers.append(MerchantWriter(plan.columns, IMPORT_DEFAULTS, expected=plan.size))
            progress(phase="write")  # from here on reading, checking and writing go together
        writers[0].write(rows)
        progress(written=writers[0].count)

    try:
        plan = plan_import(path, filename, user, progress, sink=write)
        if strict and plan.rejected:  # what was written is rolled back below
            raise ImportRefused(_("%(n)s rows are not valid; in strict mode nothing was imported.",
                                  n=len(plan.rejected)))
        progress(phase="write", written=plan.created_count)
        if writers:
            writers[0].finish(user)
        _apply_updates(plan, user, progress)
        stamp_registry_hashes(plan.rehashed)
        if plan.created_count or plan.updated:
            audit.record("import", None, object_type="merchant_import", summary=filename, actor=user,
                         changes=plan.counts())
        db.session.commit()
    except BaseException:
        if writers:
            writers[0].release()  # no COPY may still run on the connection when it rolls back
        db.session.rollback()
        raise
    finally:
        if writers:
            writers[0].release()
    return plan


def _apply_updates(plan: ImportPlan, user, progress: Callable) -> None:
    for start in range(0, len(plan.updated), CHUNK):
        chunk = plan.updated[start:start + CHUNK]
        merchants = {m.id: m for m in db.session.scalars(select(Merchant).where(
            Merchant.id.in_([merchant_id for _row, merchant_id, _values, _changes in chunk])))}
        # One flush a chunk: looking up a flagged merchant's plaques would otherwise flush, and run the
        # figures' ledger hooks, once a merchant.
        with db.session.no_autoflush:
            for _row, merchant_id, values, _changes in chunk:
                update_merchant(merchants[merchant_id], plan.values(values), actor=user)
        db.session.flush()
        progress(written=plan.created_count + start + len(chunk))


def rejected_workbook(plan: ImportPlan, target) -> None:
    """The rejected rows as .xlsx: row number and reason first, then the row as it was in the file."""
    from crm.spreadsheets import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Rejected rows"))
    sheet.append([_("Row"), _("Reason"), *plan.headers])
    for rejected in plan.rejected:
        sheet.append([rejected.row, rejected.reason, *rejected.cells])
    workbook.save(target)
