"""What every bench script shares: the benchmark databases, an app on them, tokens, timing and tables.

    import common                      # from a script in bench/ (run as `python bench/<script>.py`)
    info = common.ensure_database("province")
    app = common.app_for(info["url"])
    token = common.token_for(app, info["users"]["busiest_am"])
    print_table([{"what": "GET /today", **common.timings(lambda: client.get("/"), 1000)}])
"""
from __future__ import annotations

import fcntl
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:  # imported from a test or another directory
    sys.path.insert(0, str(BENCH))

import datagen
from flask import Flask
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from crm import create_app, settle_collector
from crm.extensions import db
from crm.people.models import User

POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
# Where the shared datasets live: province on PostgreSQL, city in a SQLite file (both left in place).
DEFAULT_URLS = {
    "province": f"{POSTGRES_SERVER}/crm_bench_province",
    "city": "sqlite:////tmp/crm_bench_city.sqlite3",
}


def _create_postgres_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def _has_merchants(url: str) -> bool:
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table("merchants"):
            return False
        with engine.connect() as conn:
            return conn.scalar(text("SELECT 1 FROM merchants LIMIT 1")) is not None
    finally:
        engine.dispose()


def ensure_database(scale: str, url: str | None = None) -> dict:
    """The dataset of that scale, generated once and reused: the datagen summary plus its "url".

    A PostgreSQL database is created if missing. Generating the province takes minutes, so check
    that no other heavy benchmark is running first (`ps aux | grep bench/`).
    """
    url = url or DEFAULT_URLS.get(scale) or f"{POSTGRES_SERVER}/crm_bench_{scale}"
    path = datagen.info_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Two scripts started at once must not both generate: the second waits, then reuses.
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if url.startswith("postgresql"):
            _create_postgres_database(url)
        if not _has_merchants(url):
            info = datagen.run(url, scale)
        else:
            _add_new_tables(url)
        if path.exists():
            info = json.loads(path.read_text(encoding="utf-8"))
        else:  # generated elsewhere: read the summary back from the data
            app = datagen.schema_app(url)
            with app.app_context(), db.engine.connect() as conn:
                info = datagen.summary(conn)
            datagen.write_info(url, info)
    return {**info, "url": url}


def _add_new_tables(url: str) -> None:
    """Tables the models gained since the data was generated (the figures' ledger, say) are created empty."""
    app = datagen.schema_app(url)
    with app.app_context():
        db.create_all()
        db.engine.dispose()


def app_for(url: str, **overrides) -> Flask:
    """The real app on that database (CSRF off, so scripts can post forms), the garbage collector set
    as wsgi.py sets it."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, **overrides})
    settle_collector()
    return app


def token_for(app: Flask, username: str) -> str:
    """A fresh API bearer token for the user (the plain value, to send as `Authorization: Bearer …`)."""
    from crm.auth.operations import create_token

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise LookupError(f"no user {username!r} in this database")
        _token, plain = create_token(user, "bench")
        db.session.commit()
        return plain


def percentile(sorted_ms: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, min(len(sorted_ms), math.ceil(share * len(sorted_ms))))
    return sorted_ms[rank - 1]


def timings(fn: Callable[[], object], n: int, warmup: int = 5) -> dict:
    """Call fn n times (after a few warm-up calls) and return n, mean, p50, p95, p99 and max in ms."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "n": n,
        "mean_ms": round(statistics.fmean(samples), 2),
        "p50_ms": round(percentile(samples, 0.50), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
        "p99_ms": round(percentile(samples, 0.99), 2),
        "max_ms": round(samples[-1], 2),
    }


def print_table(rows: list[dict]) -> None:
    """Print dicts as an aligned text table, columns in the order they first appear (in any row)."""
    if not rows:
        print("(no rows)")
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row.get(c), (int, float)) or row.get(c) is None for row in rows) for c in columns]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric))

    print(line(columns))
    print("  ".join("-" * w for w in widths))
    for values in cells:
        print(line(values))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
