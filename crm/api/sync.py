"""List and sync: one machinery behind every record list of the API (visits, referrals, events …).

Every write of a listed record leaves its mark in the change log (crm/changes.py), one row per record:
its latest change sequence number, its drive, and whether it is gone (a tombstone). A list is read in
(sequence, id) order, so a cursor — the position of the last record sent — resumes exactly there:
a record written while a client pages gets a higher sequence and comes again on a later page, a
deleted one comes back as a tombstone, and nothing is skipped. Records older than the change log
(sequence 0) come first, by id.

A resource is declared once with `Listing` (model, who may see what, filters, serializer) and
`register(listing)` adds GET /api/v1/<resource> with its OpenAPI description.
"""
from __future__ import annotations

import base64
import binascii
import json
from collections import namedtuple
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from itertools import chain

from flask import Response, jsonify, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import (
    DateTime,
    Select,
    and_,
    select,
)
from sqlalchemy.sql import ColumnElement

from crm import audit
from crm.api.core import OPERATIONS, SCHEMAS, ApiError, array, obj, query, route
from crm.api.filters import region_arg, region_parameter
from crm.auth.scoping import campaign_condition, regions_condition
from crm.changes import SyncChange, track
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.spreadsheets import csv_lines, xlsx_chunks
from crm.timeutil import to_utc_naive
from crm.web import MAX_ID

DEFAULT_LIMIT, MAX_LIMIT = 100, 5000  # a bulk sync takes 5,000 a page: fewer round trips, same memory bound
EXPORT_BATCH = 500
LISTINGS: dict[str, Listing] = {}  # resource → its listing


@dataclass(frozen=True)
class Listing:
    """One record list: what it lists, who may see which rows, how it filters, how a row reads."""

    resource: str  # the URL segment and the name in the change log: "follow-ups"
    model: type
    item_schema: dict
    serialize: Callable[[object], dict]
    scope: Callable[[object], ColumnElement]  # user → WHERE clause on the model
    campaign: object  # the drive column
    region: Callable[[int], ColumnElement] | None = None  # region id → WHERE clause
    pair: object | None = None
    status: object | None = None
    status_values: tuple[str, ...] = ()
    day: object | None = None  # a Date or (UTC) DateTime column for from / to
    options: tuple = ()  # loader options the serializer needs
    # The serializer reads only the record's columns and, if it has merchant_id, merchant.id/.name/.credit_code:
    # rows are then read without the ORM (no identity map, no instance state), about twice as fast.
    plain: bool = False

    def parameters(self) -> list[dict]:
        params = [query("drive", "integer", "drive (campaign) id")]
        if self.region is not None:
            params.append(region_parameter("region"))
        if self.pair is not None:
            params.append(query("pair", "integer", "liaison pair id"))
        if self.status is not None:
            params.append({**query("status", description="status"),
                           "schema": {"type": "string", "enum": list(self.status_values)}})
        if self.day is not None:
            params += [{**query("from", description=f"first day (local) of {self.day.key}"),
                        "schema": {"type": "string", "format": "date"}},
                       {**query("to", description=f"last day (local) of {self.day.key}"),
                        "schema": {"type": "string", "format": "date"}}]
        return params + [
            {**query("updated_since", description="only records changed (or deleted) at or after this moment"),
             "schema": {"type": "string", "format": "date-time"}},
            query("cursor", description="next_cursor of the previous page; resumes right after it"),
            {**query("limit", description=f"records per page, at most {MAX_LIMIT}"),
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}},
        ]


def page_schema(listing: Listing) -> dict:
    tombstone = obj({"id": {"type": "integer"}, "deleted_at": {"type": "string", "format": "date-time"}})
    return obj({
        "items": array(listing.item_schema),
        "deleted": array(tombstone),
        "next_cursor": {"type": "string", "description": "pass as cursor to continue, now or in a later sync"},
        "has_more": {"type": "boolean", "description": "false: this was the last page for now"},
    })


def register(listing: Listing) -> None:
    """Track the model's changes and add GET /api/v1/<resource> and its exports (.csv, .xlsx)."""
    track(listing.model)
    LISTINGS[listing.resource] = listing

    def view():
        return jsonify(read_page(listing, current_user))

    view.__name__ = "sync_" + listing.resource.replace("-", "_")
    route(f"/{listing.resource}", ["GET"], parameters=listing.parameters(),
          summary=f"List and sync {listing.resource}: filters, cursor paging, updated_since, tombstones",
          responses={200: page_schema(listing), 422: None})(view)

    for kind in EXPORTS:
        _register_export(listing, kind)


EXPORTS = {
    "csv": ("text/csv", "CSV (UTF-8 with BOM)", {"type": "string"}),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "an Excel workbook (one sheet per 1,048,575 rows)", {"type": "string", "format": "binary"}),
}


def _register_export(listing: Listing, kind: str) -> None:
    mimetype, what, body = EXPORTS[kind]

    def export():
        return export_response(listing, current_user, kind)

    export.__name__ = f"export_{listing.resource.replace('-', '_')}_{kind}"
    rule = f"/{listing.resource}.{kind}"
    route(rule, ["GET"], parameters=listing.parameters()[:-2],
          summary=f"Export {listing.resource} as {what}, with the list's filters; audited",
          responses={200: None, 422: None})(export)
    OPERATIONS[("/api/v1" + rule, "get")]["responses"]["200"] = {
        "description": "one row per record, columns as the list's items (nested fields as parent.child)",
        "content": {mimetype: {"schema": body}}}


def merchant_region(model) -> Callable[[int], ColumnElement]:
    """Region filter for records on a merchant: where the merchant is."""
    return lambda region_id: model.merchant_id.in_(select(Merchant.id).where(regions_condition([region_id])))


# ---- CSV and .xlsx export ---------------------------------------------------------------------

def export_response(listing: Listing, user, kind: str) -> Response:
    """Every matching record, streamed in id order in batches, never all held; the export is audited first."""
    _refuse_unknown(listing.parameters()[:-2])
    since = _moment_arg("updated_since")
    stmt, records = reading(listing)
    stmt = (stmt.outerjoin(SyncChange, and_(SyncChange.resource == listing.model.__tablename__,
                                            SyncChange.row_id == listing.model.id))
            .where(listing.scope(user), *_filters(listing))
            .order_by(listing.model.id).execution_options(yield_per=EXPORT_BATCH))
    if since is not None:
        stmt = stmt.where(SyncChange.changed_at >= since)
    audit.record("export", None, object_type=listing.model.__tablename__, actor=user,
                 summary=f"{listing.resource}.{kind}", changes={"filters": request.args.to_dict()})
    db.session.commit()
    columns = csv_columns(listing.item_schema)

    def rows():
        for record, in records(stmt):
            flat = _flatten(listing.serialize(record))
            yield [flat.get(column, "") for column in columns]

    name = f"{listing.resource}.{kind}"
    body = csv_lines(columns, rows()) if kind == "csv" else xlsx_chunks(listing.resource, columns, rows())
    return Response(stream_with_context(body), mimetype=EXPORTS[kind][0],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def csv_columns(item_schema: dict, prefix: str = "") -> list[str]:
    """The item's fields as column names, nested objects spread out as parent.child."""
    columns = []
    for name, field in _resolved(item_schema)["properties"].items():
        field = _resolved(field)
        if "properties" in field:
            columns += csv_columns(field, f"{prefix}{name}.")
        else:
            columns.append(prefix + name)
    return columns


def _resolved(field: dict) -> dict:
    if "$ref" in field:
        return SCHEMAS[field["$ref"].rsplit("/", 1)[-1]]
    objects = [_resolved(option) for option in field.get("anyOf", []) if "properties" in _resolved(option)]
    return objects[0] if objects else field


def _flatten(item: dict, prefix: str = "") -> dict:
    flat = {}
    for name, value in item.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{name}."))
        elif isinstance(value, list):
            flat[prefix + name] = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            flat[prefix + name] = "true" if value else "false"
        else:
            flat[prefix + name] = "" if value is None else value
    return flat


# ---- reading a page ---------------------------------------------------------------------------

def read_page(listing: Listing, user) -> dict:
    """One page: records the change log does not know yet (older than it, by id), then logged changes by
    sequence, live and deleted merged. Each part walks an index (the primary key; the log's (resource, deleted,
    seq)), so a page costs the same at the start of a 3-million-row list as at its end."""
    _refuse_unknown(listing.parameters())
    limit = _limit()
    after = decode_cursor(listing, request.args.get("cursor", ""))
    since = _moment_arg("updated_since")
    model, table = listing.model, listing.model.__tablename__
    filters = (listing.scope(user), *_filters(listing))
    entries = []
    if after[0] == 0 and since is None:  # unlogged records have no change time: not "changed since" anything
        logged = select(SyncChange.seq).where(SyncChange.resource == table, SyncChange.row_id == model.id)
        stmt, records = reading(listing)
        unlogged = stmt.where(~logged.exists(), model.id > after[1], *filters).order_by(model.id).limit(limit + 1)
        entries = [((0, record.id), record) for record, in records(unlogged)]
    if len(entries) <= limit:
        entries += _logged(listing, user, after[0], since, filters, limit + 1 - len(entries))
    page = entries[:limit]
    last = page[-1][0] if page else after
    return {
        "items": [listing.serialize(record) for _pos, record in page if not isinstance(record, SyncChange)],
        "deleted": [{"id": change.row_id, "deleted_at": change.changed_at.isoformat() + "Z"}
                    for _pos, change in page if isinstance(change, SyncChange)],
        "next_cursor": encode_cursor(listing, last),
        "has_more": len(entries) > limit,
    }


def _logged(listing: Listing, user, after_seq: int, since, filters, limit: int) -> list:
    """Logged changes after the sequence number, in its order: live records and tombstones."""
    model, table = listing.model, listing.model.__tablename__
    changes = [SyncChange.resource == table, SyncChange.seq > after_seq]
    if since is not None:
        changes.append(SyncChange.changed_at >= since)
    stmt, records = reading(listing, SyncChange.seq)
    live = (stmt.join(SyncChange, and_(SyncChange.resource == table, SyncChange.row_id == model.id))
            .where(*changes, SyncChange.deleted.is_(False), *filters).order_by(SyncChange.seq).limit(limit))
    dead = (select(SyncChange)
            .where(*changes, SyncChange.deleted.is_(True), campaign_condition(user, SyncChange.campaign_id),
                   *_drive(SyncChange.campaign_id))
            .order_by(SyncChange.seq).limit(limit))
    return sorted([((seq, record.id), record) for record, seq in records(live)]
                  + [((change.seq, change.row_id), change) for change in db.session.scalars(dead)],
                  key=lambda entry: entry[0])[:limit]


def reading(listing: Listing, *extra) -> tuple[Select, Callable[[Select], Iterable[tuple]]]:
    """The SELECT of the listing's records (plus extra columns), and a function running it (or a narrower
    form of it) that yields (record, *extra): ORM objects, or for a plain listing named tuples of its
    columns and its merchant, read by the Core without the ORM's per-row work."""
    if not listing.plain:
        return select(listing.model, *extra).options(*listing.options), db.session.execute
    record, columns = _plain_record(listing.model)
    count = len(columns)
    if "merchant" not in record._fields:
        stmt = select(*columns, *extra)
        return stmt, lambda query: ((record._make(row[:count]), *row[count:]) for row in _core(query))
    stmt = select(*columns, Merchant.id, Merchant.name, Merchant.credit_code, *extra).join(
        Merchant, Merchant.id == listing.model.merchant_id)
    return stmt, lambda query: ((record(*row[:count], MerchantRef._make(row[count:count + 3])), *row[count + 3:])
                                for row in _core(query))


def _core(stmt: Select) -> Iterable:
    """The statement's rows, fetched a batch at a time (row by row, the driver's per-call cost doubled
    that of the fetch); an export's statement streams them from a server-side cursor."""
    return chain.from_iterable(db.session.connection().execute(stmt).partitions(EXPORT_BATCH))


MerchantRef = namedtuple("MerchantRef", "id name credit_code")


@cache
def _plain_record(model) -> tuple[type, list]:
    """A named tuple type with the model's column attributes (and its merchant, if it has one): a row
    becomes a record in one call, where a namespace built from a dict took several times as long."""
    attributes = [attribute.key for attribute in model.__mapper__.column_attrs]
    merchant = ["merchant"] if hasattr(model, "merchant_id") else []
    return (namedtuple(f"Plain{model.__name__}", attributes + merchant),
            [getattr(model, key) for key in attributes])


def encode_cursor(listing: Listing, position: tuple[int, int]) -> str:
    raw = json.dumps([listing.resource, *position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(listing: Listing, value: str) -> tuple[int, int]:
    if not value:
        return 0, 0
    try:
        resource, seq, row_id = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        if resource != listing.resource or not all(isinstance(n, int) and 0 <= n < 2**63 for n in (seq, row_id)):
            raise ValueError(resource)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise _invalid("cursor", _("This cursor does not belong to this list.")) from exc
    return seq, row_id


# ---- filters ----------------------------------------------------------------------------------

def _filters(listing: Listing) -> list[ColumnElement]:
    conditions = _drive(listing.campaign)
    region_id = region_arg("region") if listing.region is not None else None
    if region_id is not None:
        conditions.append(listing.region(region_id))
    if listing.pair is not None and (pair := _id_arg("pair")) is not None:
        conditions.append(listing.pair == pair)
    if listing.status is not None and (status := request.args.get("status")):
        if status not in listing.status_values:
            raise _invalid("status", _("Unknown status."))
        conditions.append(listing.status == status)
    if listing.day is not None:
        conditions += _day_range(listing.day)
    return conditions


def _drive(column) -> list[ColumnElement]:
    drive = _id_arg("drive")
    return [] if drive is None else [column == drive]


def _day_range(column) -> list[ColumnElement]:
    first, last = _date_arg("from"), _date_arg("to")
    is_moment = isinstance(column.type, DateTime)
    conditions = []
    if first is not None:
        conditions.append(column >= (_local_midnight(first) if is_moment else first))
    if last is not None and last < date.max:  # the last day of the calendar ends nothing
        conditions.append(column < _local_midnight(last + timedelta(days=1)) if is_moment else column <= last)
    return conditions


def _local_midnight(day: date) -> datetime:
    return to_utc_naive(datetime.combine(max(day, date.min + timedelta(days=1)), time()))


def _id_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        raise _invalid(name, _("must be an id"))
    return int(value)


def _date_arg(name: str) -> date | None:
    value = request.args.get(name, "")
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise _invalid(name, _("must be a date (YYYY-MM-DD)")) from exc


def _moment_arg(name: str) -> datetime | None:
    value = request.args.get(name, "")
    try:
        return to_utc_naive(datetime.fromisoformat(value)) if value else None
    except (ValueError, OverflowError) as exc:  # not a moment, or one no clock reaches (year 1 in UTC+8)
        raise _invalid(name, _("must be a date and time (ISO 8601)")) from exc


def _refuse_unknown(parameters: list[dict]) -> None:
    """A parameter the list does not document is refused, not silently ignored (a misspelt filter would
    otherwise return every record)."""
    unknown = sorted(set(request.args) - {parameter["name"] for parameter in parameters})
    if unknown:
        raise _invalid(unknown[0], _("Unknown parameter."))


def _limit() -> int:
    value = request.args.get("limit", "")
    if not value:
        return DEFAULT_LIMIT
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_LIMIT:
        raise _invalid("limit", _("must be a whole number from 1 to %(max)d", max=MAX_LIMIT))
    return int(value)


def _invalid(name: str, message: str) -> ApiError:
    return ApiError(422, "invalid", _("Some fields are not valid."), {name: str(message)})
