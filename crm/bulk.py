"""Many new rows at once, as plain tuples: COPY on PostgreSQL, one DB-API executemany on SQLite.

No ORM objects and no SQLAlchemy parameter handling per row: for the tens of thousands of rows a
list build writes, those cost more than the database's own work.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table
from sqlalchemy.engine import Connection


def insert_rows(connection: Connection, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert rows (tuples of Python values, in the order of columns) into table, in this transaction."""
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(
                f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # The column types' own conversions (a datetime as SQLAlchemy's text on SQLite), as the ORM would store them.
    processors = [table.c[name].type.bind_processor(connection.dialect) for name in columns]
    if any(processors):
        rows = [tuple(p(value) if p else value for p, value in zip(processors, row, strict=True)) for row in rows]
    marks = ", ".join("?" * len(columns))
    connection.connection.driver_connection.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
