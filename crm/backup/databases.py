"""The engine-specific half of a backup: a consistent snapshot of the database, and putting it back.

SQLite is copied through its online backup API (a reader in WAL mode, so the app keeps writing);
PostgreSQL through `pg_dump --format=custom`, whose transaction sees one instant. On PostgreSQL the
row counts and the migration revision are read in the very snapshot pg_dump dumps (an exported
snapshot), so the manifest describes exactly the dump.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Snapshot:
    path: str
    revision: str
    tables: dict[str, int]


def snapshot(engine: Engine, folder: str) -> Snapshot:
    """Write the database as of one instant into `folder`; its revision and rows per table."""
    path = os.path.join(folder, DUMP_NAMES[engine.dialect.name])
    if engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(engine.url.database)) as source, closing(sqlite3.connect(path)) as copy:
            source.backup(copy)  # all pages in one step: one read transaction, one instant
        with closing(sqlite3.connect(path)) as copy:
            return Snapshot(path, *_describe_sqlite(copy))
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        exported = conn.scalar(text("SELECT pg_export_snapshot()"))
        _pg_tool(engine, "pg_dump", "--format=custom", f"--snapshot={exported}", f"--file={path}",
                 f"--dbname={_conninfo(engine)}")
        revision, tables = _describe(conn)
    return Snapshot(path, revision, tables)


def _describe_sqlite(copy: sqlite3.Connection) -> tuple[str, dict[str, int]]:
    names = [row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    revision = _revision(names, lambda: copy.execute("SELECT version_num FROM alembic_version").fetchone())
    return revision, {name: copy.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _describe(conn: Connection) -> tuple[str, dict[str, int]]:
    names = sorted(inspect(conn).get_table_names())
    revision = _revision(names, lambda: conn.execute(text("SELECT version_num FROM alembic_version")).first())
    return revision, {name: conn.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in names}


def _revision(table_names: list[str], read) -> str:
    row = read() if "alembic_version" in table_names else None
    if row is None:
        raise BackupError("The database has no migration revision (alembic_version); "
                          "run `crm db upgrade` once, then back it up.")
    return row[0]


def rows_per_table(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.scalar(text(f'SELECT count(*) FROM "{name}"'))
                for name in sorted(inspect(conn).get_table_names())}


def check_dump(engine_name: str, path: str, tables: dict[str, int]) -> list[str]:
    """Problems found reading the dump through (empty when it reads whole and matches the manifest)."""
    if engine_name == "sqlite":
        try:
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
                integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
                found = _describe_sqlite(copy)[1]
        except (sqlite3.DatabaseError, BackupError) as err:
            return [f"the database file cannot be read: {err}"]
        if integrity != "ok":
            return [f"the database file is damaged: {integrity}"]
        return [] if found == tables else ["the database file's row counts differ from the manifest"]
    try:
        _pg_tool(None, "pg_restore", f"--file={os.devnull}", path)  # reads every table's data
    except BackupError as err:
        return [f"the PostgreSQL dump cannot be read: {err}"]
    return []


def restore(engine: Engine, path: str) -> None:
    """Replace everything in the database by the dump (the caller checked it may)."""
    engine.dispose()  # no pooled connection may keep the old file or tables alive
    if engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(engine.url.database)) as target:
            source.backup(target)
        return
    with engine.begin() as conn:
        names = inspect(conn).get_table_names()
        if names:
            conn.execute(text("DROP TABLE " + ", ".join(f'"{name}"' for name in names) + " CASCADE"))
    _pg_tool(engine, "pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
             f"--dbname={_conninfo(engine)}", path)


def _conninfo(engine: Engine) -> str:
    """The libpq address of the database, without the password (which goes through PGPASSWORD)."""
    return engine.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _pg_tool(engine: Engine | None, tool: str, *args: str) -> None:
    program = shutil.which(tool)
    if program is None:
        raise BackupError(f"{tool} is not installed: install the PostgreSQL client tools of the server's "
                          "version (Debian: apt-get install postgresql-client-15).")
    env = dict(os.environ)
    if engine is not None:
        _check_client_version(engine, program)
        if engine.url.password:
            env["PGPASSWORD"] = engine.url.password
    result = subprocess.run([program, *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip()}")


def _check_client_version(engine: Engine, program: str) -> None:
    """pg_dump refuses a newer server; say which client tools to install before it does."""
    with engine.connect() as conn:
        server = int(conn.scalar(text("SHOW server_version_num"))) // 10000
    output = subprocess.run([program, "--version"], capture_output=True, text=True, check=True).stdout
    client = int(re.search(r"\)\s+(\d+)", output).group(1))  # "pg_dump (PostgreSQL) 15.20 (Debian …)"
    if client < server:
        raise BackupError(f"{os.path.basename(program)} is version {client} but the server is {server}: "
                          f"install postgresql-client-{server} (pg_dump must be at least the server's version).")


def revision_of(engine: Engine) -> str:
    with engine.connect() as conn:
        return _revision(inspect(conn).get_table_names(),
                         lambda: conn.execute(text("SELECT version_num FROM alembic_version")).first())
