"""The generator's bulk side on a database: an empty schema, the load tuned for speed, the summary.

    app = schema_app(url)
    with app.app_context():
        prepare_schema(force_reset=False)
        timings = generate("city", seed=1)
        with db.engine.connect() as conn:
            figures = summary(conn)

On PostgreSQL the big tables' secondary indexes are dropped during the load and rebuilt after it,
foreign-key triggers are skipped (`session_replication_role = replica`; the generator keeps every
reference right, and the SQLite run, which checks foreign keys, proves it), then VACUUM ANALYZE.
On SQLite: one transaction with `PRAGMA synchronous=OFF`, then ANALYZE.
"""
from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, inspect, literal, select, text
from sqlalchemy.engine import Connection, Engine

import crm.models  # noqa: F401  (every table)
from crm.campaigns.models import Campaign, LiaisonPair
from crm.demo.scale import CAMPAIGN_DAYS_BEFORE, PASSWORD, SCALES, ScaleGenerator
from crm.demo.writers import BulkWriter
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.people.models import User, UserRole
from crm.referrals.models import OPEN_STATUSES, Referral
from crm.visits.models import FollowUp, Visit

# Tables whose secondary indexes are dropped during the load on PostgreSQL and built once afterwards.
BIG_TABLES = ("merchants", "visits", "follow_ups", "referrals", "applications", "needs")


def schema_app(url: str) -> Flask:
    """A bare app on the database: the models and nothing else.

    The full app factory would also import every area's views, and on a tree several people edit at
    once one unfinished view must not stop the data everyone benchmarks on.
    """
    app = Flask("crm_bench")
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})
    db.init_app(app)
    return app


def prepare_schema(force_reset: bool) -> None:
    """Create the schema in an empty database; refuse one that holds rows (merchants or any) unless told to."""
    if force_reset:
        _drop_every_table()
    else:
        filled = _filled_table()
        if filled:
            raise SystemExit(f"this database already holds data (table {filled}); "
                             "use --force-reset to drop every table first")
    db.create_all()


def _filled_table() -> str | None:
    """The first of the app's tables that exists and has a row, merchants first."""
    existing = set(inspect(db.engine).get_table_names())
    tables = sorted(db.metadata.sorted_tables, key=lambda t: t.name != "merchants")
    with db.engine.connect() as conn:
        for table in tables:
            if table.name in existing and conn.scalar(select(literal(1)).select_from(table).limit(1)):
                return table.name
    return None


def _drop_every_table() -> None:
    """Every table there is, not just today's models: a schema left by any version of them goes."""
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # the rows a dropped table takes with it must not trip foreign keys on the way out
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for name in inspect(conn).get_table_names():
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"' + ("" if sqlite else " CASCADE"))
        conn.commit()
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def _secondary_indexes(conn: Connection) -> list[tuple[str, str]]:
    """(name, definition) of the big tables' indexes that no constraint owns."""
    rows = conn.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
        "AND i.tablename = ANY(:tables) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)"),
        {"tables": list(BIG_TABLES)})
    return [(name, definition) for name, definition in rows]


def _tune_postgres(conn: Connection) -> list[tuple[str, str]]:
    """Skip foreign-key triggers (the generator keeps references right) and build indexes after the load."""
    conn.execute(text("SET LOCAL synchronous_commit = off"))
    conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    if conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
        conn.execute(text("SET LOCAL session_replication_role = replica"))
    indexes = _secondary_indexes(conn)
    for name, _definition in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    return indexes


def _rebuild_indexes(conn: Connection, indexes: list[tuple[str, str]], log) -> None:
    started = time.perf_counter()
    for _name, definition in indexes:
        conn.execute(text(definition))
    log(f"  {'(indexes)':<18} {len(indexes):>10,} built {time.perf_counter() - started:6.1f} s")


def generate(scale_name: str, seed: int = 1, log=print) -> dict:
    """Fill the current app's (empty, schema-created) database; returns the timings per table."""
    engine: Engine = db.engine
    started = time.perf_counter()
    with engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            indexes = _tune_postgres(conn)
        else:
            conn.exec_driver_sql("PRAGMA synchronous=OFF")  # one commit at the end; a crash means regenerate
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
        writer = BulkWriter(conn)
        generator = ScaleGenerator(SCALES[scale_name], seed, writer, log)
        generator.run()
        if postgres:
            _rebuild_indexes(conn, indexes, log)
        writer.move_sequences(t.name for t in db.metadata.sorted_tables if "id" in t.c and t.c.id.primary_key)
    analyse_started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if postgres else "ANALYZE")
    log(f"  {'(vacuum/analyze)':<18} {'':>10} {time.perf_counter() - analyse_started:13.1f} s")
    seconds = dict(generator.seconds, total=round(time.perf_counter() - started, 1))
    return {"seconds": seconds, "scale": scale_name, "seed": seed}


def summary(conn: Connection) -> dict:
    """Counts per table and the ids worth benchmarking with, read back from the database."""
    counts = {t.name: conn.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
    per_author = conn.execute(select(Visit.author_id, func.count()).group_by(Visit.author_id)
                              .order_by(func.count().desc(), Visit.author_id)).all()
    busiest_id, median_id = per_author[0][0], per_author[len(per_author) // 2][0]
    pair = conn.execute(select(LiaisonPair.liaison_id, LiaisonPair.region_id)
                        .where(LiaisonPair.account_manager_id == busiest_id)).first()
    username = {uid: name for uid, name in conn.execute(select(User.id, User.username))}
    head = conn.scalar(select(User.username).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == "branch_head",
        User.organization_id == select(User.organization_id).where(User.id == busiest_id).scalar_subquery()))
    campaign_id, starts_on = conn.execute(select(Campaign.id, Campaign.starts_on).order_by(Campaign.id)).first()
    return {
        "campaign_id": campaign_id,
        # The generation day, as the drive's dates were laid out from it.
        "today": (starts_on + timedelta(days=CAMPAIGN_DAYS_BEFORE)).isoformat(),
        "password": PASSWORD,
        "users": {"admin": "admin", "lead": "lead", "busiest_am": username[busiest_id],
                  "median_am": username[median_id], "liaison": username[pair.liaison_id], "branch_head": head},
        "busiest_am_visits": per_author[0][1],
        "busiest_am_town_id": pair.region_id,
        "sample_credit_code": conn.scalar(select(Merchant.credit_code).where(Merchant.town_id == pair.region_id)
                                          .order_by(Merchant.id).limit(1)),
        "open_follow_ups": conn.scalar(select(func.count()).where(FollowUp.status == "planned")),
        "open_referrals": conn.scalar(select(func.count()).where(Referral.status.in_(OPEN_STATUSES))),
        "counts": counts,
    }
