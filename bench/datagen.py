"""Benchmark data for a whole drive, written fast: the command line of the world generator's bulk side.

    python bench/datagen.py --url postgresql+psycopg://postgres@127.0.0.1:5432/crm_bench_province --scale province
    python bench/datagen.py --url sqlite:////tmp/crm_bench_city.sqlite3 --scale city

The generator is crm/demo (the demo and the benchmarks share its rules and writers): crm/demo/scale.py
makes the rows, crm/demo/bulk.py loads them (COPY on PostgreSQL, executemany on SQLite) and reads the
summary back. The last line printed is the JSON summary (also written to bench/out/<database>.json):
counts, the campaign id and usernames worth benchmarking as.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/datagen.py` from a checkout
    sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import Connection, make_url

from crm.demo.bulk import generate, prepare_schema, schema_app, summary
from crm.demo.scale import SCALES
from crm.extensions import db
from crm.reports import ledger

__all__ = ["SCALES", "after_generation", "database_name", "info_path", "main", "run", "schema_app", "summary",
           "write_info"]

OUT_DIR = ROOT / "bench" / "out"


def after_generation(conn: Connection, log=print) -> None:
    """What is derived from the generated records before the data is used: the figures' ledger."""
    started = time.perf_counter()
    rows = ledger.rebuild(conn)
    log(f"  {'(figures ledger)':<18} {rows:>10,} rows {time.perf_counter() - started:6.1f} s")


def database_name(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database or "memory").stem
    return parsed.database or "postgres"


def info_path(url: str) -> Path:
    return OUT_DIR / f"{database_name(url)}.json"


def write_info(url: str, info: dict) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = info_path(url)
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def run(url: str, scale: str, seed: int = 1, force_reset: bool = False, log=print) -> dict:
    """Create the schema, fill it, and return (and save) the summary."""
    app = schema_app(url)
    with app.app_context():
        prepare_schema(force_reset)
        log(f"generating {scale} data into {make_url(url).render_as_string(hide_password=True)}")
        info = generate(scale, seed, log)
        with db.engine.begin() as conn:
            after_generation(conn, log)
        with db.engine.connect() as conn:
            info.update(summary(conn))
        info["database"] = database_name(url)
        db.engine.dispose()
    write_info(url, info)
    return info


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("CRM_BENCH_URL"), required="CRM_BENCH_URL" not in os.environ,
                        help="SQLAlchemy URL of an empty database")
    parser.add_argument("--scale", choices=sorted(SCALES), default="city")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--force-reset", action="store_true", help="drop every table first")
    args = parser.parse_args(argv)
    info = run(args.url, args.scale, args.seed, args.force_reset)
    print("row counts:")
    for table, count in sorted(info["counts"].items()):
        print(f"  {table:<20} {count:>12,}")
    users = info["users"]
    print(f"campaign {info['campaign_id']}; busiest AM {users['busiest_am']} ({info['busiest_am_visits']:,} visits; "
          f"liaison {users['liaison']}, branch head {users['branch_head']}); median AM {users['median_am']}; "
          f"password {info['password']}; generated in {info['seconds']['total']} s")
    print(f"written to {info_path(args.url)}")
    print(json.dumps(info, ensure_ascii=False, default=str))
    return info


if __name__ == "__main__":
    main()
