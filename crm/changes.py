"""The change log: the latest change of each tracked record, numbered in commit order, deletions kept.

What the API's list-and-sync reads (crm/api/sync.py). Every flush that inserts, changes or deletes
a tracked record replaces that record's row here with a new, higher sequence number in the same
transaction; a deleted record keeps its row as a tombstone. Writes that bypass the ORM (INSERT …
SELECT) call mark_rows() with the same effect.

The numbers must follow commit order, or a client could pass a number whose transaction commits
later. SQLite has one writer at a time; on PostgreSQL a transaction that writes tracked records takes
a transaction-level advisory lock before numbering them and keeps it until it commits.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Index,
    Integer,
    Select,
    String,
    delete,
    event,
    insert,
    literal,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.extensions import db
from crm.timeutil import utcnow

ADVISORY_LOCK = 0x73796E63  # "sync": one lock for every writer of tracked records
BATCH = 500  # ids per statement, well under SQLite's limit on parameters
TRACKED: set[str] = set()  # table names


class SyncChange(db.Model):
    """The latest change of one tracked record: its place in the change sequence."""

    __tablename__ = "sync_changes"
    __table_args__ = (
        Index("uq_sync_changes_record", "resource", "row_id", unique=True),
        # A page reads live records and tombstones apart, each in sequence order: with `deleted` in the
        # index each is one range scan; on (resource, seq) alone the tombstones' query read every later
        # live change of the list, on every page (half a second a page with three million logged visits).
        Index("ix_sync_changes_resource_deleted_seq", "resource", "deleted", "seq"),
        # Without AUTOINCREMENT SQLite reuses the highest number once its row is deleted.
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    resource: Mapped[str] = mapped_column(String(32))  # the record's table
    row_id: Mapped[int] = mapped_column(BigInteger)
    campaign_id: Mapped[int | None] = mapped_column()
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


def track(model) -> None:
    TRACKED.add(model.__tablename__)


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, _context) -> None:
    changed = [record for record in session.dirty if session.is_modified(record, include_collections=False)]
    changes: dict[tuple[str, int], tuple[int | None, bool]] = {}
    for deleted, records in ((False, session.new), (False, changed), (True, session.deleted)):
        for record in records:
            table = getattr(record, "__tablename__", None)
            if table in TRACKED:
                changes[(table, record.id)] = (getattr(record, "campaign_id", None), deleted)
    if not changes:
        return
    connection = _locked(session)
    for table in {table for table, _row in changes}:
        ids = [row_id for name, row_id in changes if name == table]
        for start in range(0, len(ids), BATCH):
            connection.execute(delete(SyncChange).where(SyncChange.resource == table,
                                                        SyncChange.row_id.in_(ids[start:start + BATCH])))
    now = utcnow()
    connection.execute(insert(SyncChange), [
        {"resource": table, "row_id": row_id, "campaign_id": campaign_id, "deleted": deleted, "changed_at": now}
        for (table, row_id), (campaign_id, deleted) in changes.items()])


def mark_rows(model, ids: Select, campaign_id: int | None) -> None:
    """Log as changed the rows a set-based statement wrote (ids: a SELECT of their ids)."""
    connection = _locked(db.session)
    table = model.__tablename__
    connection.execute(delete(SyncChange).where(SyncChange.resource == table, SyncChange.row_id.in_(ids)))
    rows = ids.with_only_columns(literal(table), *ids.selected_columns, literal(campaign_id, Integer),
                                 literal(False), literal(utcnow()))
    connection.execute(insert(SyncChange).from_select(
        ["resource", "row_id", "campaign_id", "deleted", "changed_at"], rows))


def _locked(session: Session):
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
    return connection
