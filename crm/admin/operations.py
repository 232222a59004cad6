"""Deleting reference data safely: a row others still point at is refused with a message naming them."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import audit
from crm.extensions import db
from crm.labels import label

# Rows joined to an object this way go (or are detached) with it; they do not keep it alive.
_FOLLOWS_ITS_OWNER = ("CASCADE", "SET NULL")


def blocking_references(obj) -> dict[str, int]:
    """{table: rows} of every row that refers to obj through a foreign key that would refuse its deletion."""
    table = obj.__table__
    found: dict[str, int] = {}
    for other in db.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is not table or (fk.ondelete or "").upper() in _FOLLOWS_ITS_OWNER:
                continue
            count = db.session.scalar(
                select(func.count()).select_from(other).where(fk.parent == getattr(obj, fk.column.key))
            )
            if count:
                found[other.name] = found.get(other.name, 0) + count
    return found


def delete_record(obj, fields, *, name: str, actor=None) -> None:
    """Delete obj with an audit record of what it held, unless other rows still refer to it."""
    references = blocking_references(obj)
    if references:
        listed = ", ".join(f"{label('object_type', table)} ({count})" for table, count in sorted(references.items()))
        raise ValueError(_("%(name)s cannot be deleted while other records refer to it: %(refs)s.",
                           name=name, refs=listed))
    audit.record("delete", obj, summary=name, actor=actor,
                 changes={k: [v, None] for k, v in audit.snapshot(obj, fields).items() if v is not None})
    db.session.delete(obj)
