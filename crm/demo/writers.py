"""The generator's two writers: one interface, write(table, columns, rows) → count.

- OrmWriter: through the app's session, in its transaction (the demo: thousands of rows, next to
  objects made with the ORM, committed together by build_demo).
- BulkWriter: straight to the driver on one connection — COPY … FROM STDIN on PostgreSQL, executemany
  in big batches on SQLite (benchmark scale: millions of rows).

Rows are tuples in the order of `columns`. Columns a model has but the generator does not fill get
their Python-side default, so a column added to a model later does not break the generator. Ids
are given by the generator; move_sequences() moves PostgreSQL's sequences past them afterwards.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import JSON, insert, text
from sqlalchemy.engine import Connection

from crm.extensions import db


def _defaults(table, columns: tuple[str, ...]) -> tuple[list, tuple]:
    """The table's other columns that have a scalar or callable Python default, and their values."""
    extra = [c for c in table.columns if c.name not in columns and not c.primary_key and c.default is not None
             and (c.default.is_scalar or c.default.is_callable)]
    values = tuple(c.default.arg(None) if c.default.is_callable else c.default.arg for c in extra)
    return extra, values


class OrmWriter:
    """Rows through the session (SQLAlchemy Core inserts in batches), in the session's transaction."""

    BATCH = 2000

    def __init__(self, session):
        self.session = session

    def write(self, table_name: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        table = db.metadata.tables[table_name]
        extra, extra_values = _defaults(table, columns)
        names = list(columns) + [c.name for c in extra]
        count, batch = 0, []
        for row in rows:
            batch.append(dict(zip(names, tuple(row) + extra_values)))
            if len(batch) >= self.BATCH:
                count += self._flush(table, batch)
                batch = []
        return count + (self._flush(table, batch) if batch else 0)

    def _flush(self, table, batch: list[dict]) -> int:
        self.session.execute(insert(table), batch)
        return len(batch)

    def move_sequences(self, table_names: Iterable[str]) -> None:
        move_sequences(self.session, table_names)


class BulkWriter:
    """Rows streamed on one connection: COPY on PostgreSQL, executemany in big batches on SQLite."""

    BATCH = 20_000

    def __init__(self, conn: Connection):
        self.conn = conn
        self.raw = conn.connection.driver_connection
        self.postgres = conn.dialect.name == "postgresql"

    def write(self, table_name: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        table = db.metadata.tables[table_name]
        extra, extra_values = _defaults(table, columns)
        all_columns = [table.c[name] for name in columns] + extra
        if self.postgres:
            return self._copy(table_name, all_columns, rows, extra_values)
        return self._insert(table_name, all_columns, rows, extra_values)

    def _copy(self, table_name, columns, rows, extra_values) -> int:
        converters = [json.dumps if isinstance(c.type, JSON) else None for c in columns]
        convert = any(converters)
        names_sql = ", ".join(c.name for c in columns)
        count = 0
        with self.raw.cursor() as cursor, cursor.copy(f"COPY {table_name} ({names_sql}) FROM STDIN") as copy:
            write_row = copy.write_row
            for row in rows:
                row = row + extra_values
                if convert:
                    row = tuple(f(v) if f and v is not None else v for f, v in zip(converters, row))
                write_row(row)
                count += 1
        return count

    def _insert(self, table_name, columns, rows, extra_values) -> int:
        dialect = self.conn.dialect
        processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        active = [(i, p) for i, p in enumerate(processors) if p is not None]
        sql = f"INSERT INTO {table_name} ({', '.join(c.name for c in columns)}) VALUES ({', '.join('?' * len(columns))})"
        cursor = self.raw.cursor()
        count, batch = 0, []
        for row in rows:
            row = list(row + extra_values)
            for i, process in active:
                row[i] = process(row[i])
            batch.append(row)
            if len(batch) >= self.BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
        cursor.close()
        return count

    def move_sequences(self, table_names: Iterable[str]) -> None:
        move_sequences(self.conn, table_names)


def move_sequences(executor, table_names: Iterable[str]) -> None:
    """On PostgreSQL, move each table's id sequence past the ids the generator gave (a session or a connection)."""
    bind = executor.get_bind() if hasattr(executor, "get_bind") else executor
    if bind.dialect.name != "postgresql":
        return
    for name in table_names:
        executor.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                              f"COALESCE((SELECT max(id) FROM {name}), 0) + 1, false)"))
