"""Every migration keeps the data: what was written before `flask db upgrade` is all there after it.

The demo code writes through the latest models, so it cannot run on an older schema. Instead the
demo drive is built once at the latest schema (small, fixed seed, clock frozen mid-year) as the
reference; then, for each revision R of the history but the newest — the first migration's schema
first — a fresh database is taken to R with `flask db upgrade R`, the demo's rows are written into
it with plain INSERTs on the columns R's schema has (read from that database, not from the
models), and `flask db upgrade` takes it to the newest revision. Every row must be there unchanged
and every figure of the drive (every period, every view) equal to the reference's.

A new migration gets this test by being in the history. One that only adds tables or columns
needs nothing more; one that renames, drops or transforms a column fails in `_write_rows`, naming
the column, until the rows the older schema held are written here for it.
"""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, select, text

from crm import create_app
from crm.campaigns.models import Campaign
from crm.cli import upgrade_database
from crm.demo.build import build_demo
from crm.extensions import db
from crm.reports.periods import period_choices
from crm.reports.rollup import BYS, compute_views
from crm.timeutil import freeze
from tests.conftest import _new_database

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MID_YEAR = datetime(2025, 7, 15, 4, 0)  # naive UTC: noon in Changzhi, well inside the demo drive
SCRIPTS = ScriptDirectory(os.path.join(ROOT, "migrations"))
OLDER_REVISIONS = [script.revision for script in reversed(list(SCRIPTS.walk_revisions()))][:-1]
# Columns a later migration dropped, with what the demo's rows held in them before it.
DROPPED = {
    "users": {"failed_logins": 0, "locked_until": None},  # 38368b790d45: sign-in limits moved to Flask-Limiter
    # 5e1f0c7a9d21: quotas as data; the demo's 双百 drive has a joint visit day a month per pair and a
    # matchmaking meeting a quarter per county (001), and no level visits (001 has none).
    "campaigns": {"joint_visit_days_per_month": 1, "matchmaking_per_county_per_quarter": 1,
                  "level_visits_per_year": 0},
}
# Tables a later migration dropped whose rows the newest schema derives afresh (5c0f3e9a1d27: the
# stored snapshots gave way to the figures' ledger, which the migration fills from the records).
DERIVED = {"rollup_snapshots", "rollup_facts"}


def _flask_db_upgrade(url: str, tmp_path, revision: str = "head") -> None:
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade", revision], cwd=ROOT,
                            env=env, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr


def _figures(app) -> dict:
    """Every figure the reports show: each drive, each period, each view, as the API gives them."""
    with app.app_context(), freeze(MID_YEAR):
        out = {}
        for campaign in db.session.scalars(select(Campaign).order_by(Campaign.id)):
            for period in period_choices(campaign):
                views = compute_views(campaign, period, BYS)
                out.update({(campaign.id, period, by): result.as_json() for by, result in views.items()})
        db.session.remove()
        return out


@pytest.fixture(scope="module")
def reference():
    """The demo drive at the newest schema, and its figures."""
    url, drop = _new_database()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), freeze(MID_YEAR):
        upgrade_database()
        build_demo(seed=5, merchants=150, password="Demo-pass-42")
        db.session.remove()
    engine = create_engine(url)
    figures = _figures(app)
    assert any(view["totals"]["visits"] for view in figures.values())  # the figures are of a drive at work
    yield engine, figures
    engine.dispose()
    with app.app_context():
        db.engine.dispose()
    drop()


@pytest.mark.parametrize("revision", OLDER_REVISIONS)
def test_upgrading_from_a_revision_with_the_demo_in_it_keeps_every_row_and_figure(
        revision, reference, new_database, tmp_path):
    source, figures = reference
    url = new_database()
    _flask_db_upgrade(url, tmp_path, revision)
    old = create_engine(url)
    try:
        tables = _write_rows(source, old)
        assert _read(old, "visits", tables["visits"])  # the older schema holds the demo's visits
        _flask_db_upgrade(url, tmp_path)
        for table, columns in tables.items():
            assert _read(old, table, columns) == _read(source, table, columns), f"{table} changed in the upgrade"
    finally:
        old.dispose()
    upgraded = create_app({"SQLALCHEMY_DATABASE_URI": url})
    assert _figures(upgraded) == figures
    with upgraded.app_context():
        db.engine.dispose()


def _write_rows(source, target) -> dict[str, list[str]]:
    """Copy the reference's rows into the older schema of `target`; {table: the columns it has there}."""
    old, new = MetaData(), MetaData()
    old.reflect(target)
    new.reflect(source)
    written = {}
    with source.connect() as reading, target.begin() as writing:
        for table in old.sorted_tables:
            if table.name == "alembic_version" or table.name in DERIVED:
                continue
            dropped = DROPPED.get(table.name, {})
            columns = [c.name for c in table.columns if c.name not in dropped]
            missing = set(columns) - set(new.tables[table.name].columns.keys())
            assert not missing, f"{table.name}.{missing} is gone from the newest schema: write its old rows here"
            rows = [{**dropped, **r._mapping} for r in reading.execute(_ordered(new.tables[table.name], columns))]
            if rows:
                writing.execute(table.insert(), rows)
            written[table.name] = columns
        if target.dialect.name == "postgresql":
            _advance_sequences(writing, old)
    return written


def _advance_sequences(conn, meta: MetaData) -> None:
    """As if the app had written the rows: each id sequence continues after the largest id."""
    for table in meta.sorted_tables:
        if "id" in table.columns and table.name != "alembic_version":
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                              f"coalesce(max(id), 0) + 1, false) FROM {table.name}"))


def _ordered(table, columns: list[str]):
    return select(*(table.c[name] for name in columns)).order_by(*table.primary_key.columns)


def _read(engine, table: str, columns: list[str]) -> list[tuple]:
    meta = MetaData()
    meta.reflect(engine, only=[table])
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(_ordered(meta.tables[table], columns))]
