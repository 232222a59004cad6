"""Paging through a whole list at province scale: the API's list-and-sync, and its CSV / .xlsx exports.

    python bench/bench_sync.py                          # GET /api/v1/visits, 5,000 a page, to the end (3M visits)
    python bench/bench_sync.py --max-rows 200000        # a quicker look
    python bench/bench_sync.py --export csv             # GET /api/v1/visits.csv, streamed
    python bench/bench_sync.py --export xlsx --max-rows 0 --resource needs
    python bench/bench_sync.py --as-logged              # as if every visit had been written through the app
    python bench/bench_sync.py --as-logged --since-hours 24   # a daily sync: what changed in the last day

Through the real app (Flask test client, in process) as the admin, with a bearer token made for the run
and deleted after it (with its audit rows): the dataset is otherwise only read. Prints rows/s, the
resident memory (RSS) as the run goes (constant memory: the same after 10 % as at the end) and the peak,
the load average (the machine is shared) and the CPU time used by this process (client and app) and by
the PostgreSQL backend serving it: on a loaded machine the rows per CPU-second say what free cores would
do. The generated records are older than the change log (read by id); --as-logged reads them as a database
used through the app would (by change sequence), from a temporary change log that only the run's
connection sees, one change a second in id order up to now (3M visits: 35 days of changes); --since-hours
then pulls what changed in those last hours, as a client syncing daily by updated_since does, and reports
its first page's time apart. Target (issue #20): ≥ 20,000 rows/s wall, constant memory.
"""
from __future__ import annotations

import argparse
import os
import resource
import time
from datetime import UTC, datetime, timedelta

import common
import orjson
from sqlalchemy import and_, delete, func, or_, select, text

from crm.api.sync import LISTINGS
from crm.audit.models import AuditEvent
from crm.auth.models import ApiToken
from crm.auth.operations import create_token
from crm.changes import SyncChange
from crm.extensions import db
from crm.people.models import User

TOKEN_NAME = "bench-sync"


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def backend_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) a PostgreSQL backend on this machine has used; 0 for SQLite."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def shadow_change_log(resource: str) -> None:
    """A temporary sync_changes (PostgreSQL looks in pg_temp first) logging every record of the list, with
    the indexes the models declare, for this connection only: the shared change log stays as it is."""
    listing = LISTINGS[resource]
    table, drive = listing.model.__tablename__, listing.campaign.name
    started, connection = time.perf_counter(), db.session.connection()
    connection.execute(text("CREATE TEMP TABLE sync_changes (LIKE public.sync_changes INCLUDING DEFAULTS)"))
    connection.execute(text(
        "INSERT INTO sync_changes (seq, resource, row_id, campaign_id, deleted, changed_at) "
        f"SELECT id, '{table}', id, {drive}, false, (now() AT TIME ZONE 'UTC') - "
        f"(max(id) OVER () - id) * interval '1 second' FROM {table}"))
    connection.execute(text("ALTER TABLE sync_changes ADD PRIMARY KEY (seq)"))
    for index in SyncChange.__table__.indexes:
        index.create(connection)
    connection.execute(text("ANALYZE sync_changes"))
    db.session.commit()
    print(f"temporary change log of every {table} row made in {time.perf_counter() - started:.0f} s")


def load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def page_through(client, headers, path: str, limit: int, max_rows: int,
                 params: dict) -> tuple[int, list[tuple[int, float]]]:
    rows, cursor, marks = 0, "", []
    while True:
        started = time.perf_counter()
        response = client.get(path, query_string={**params, "cursor": cursor, "limit": limit}, headers=headers)
        if not cursor:
            print(f"first page: {(time.perf_counter() - started) * 1000:.0f} ms")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        body = orjson.loads(response.get_data())  # as a bulk client would: the standard library takes 3 times as long
        rows += len(body["items"]) + len(body["deleted"])
        cursor = body["next_cursor"]
        if not marks or rows - marks[-1][0] >= 250_000:
            marks.append((rows, rss_mb()))
        if not body["has_more"] or (max_rows and rows >= max_rows):
            return rows, marks


def export(client, headers, path: str) -> tuple[int, list[tuple[int, float]]]:
    response = client.get(path, headers=headers, buffered=False)
    assert response.status_code == 200
    size, marks = 0, []
    for chunk in response.response:
        size += len(chunk)
        if not marks or size - marks[-1][0] >= 50 * 2**20:
            marks.append((size, rss_mb()))
    response.close()
    return size, marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="province")
    parser.add_argument("--resource", default="visits")
    parser.add_argument("--limit", type=int, default=5000, help="records per page (at most 5,000)")
    parser.add_argument("--max-rows", type=int, default=0, help="stop paging after this many (0: to the end)")
    parser.add_argument("--export", choices=("csv", "xlsx"), help="stream the export instead of paging")
    parser.add_argument("--as-logged", action="store_true", help="read every record as logged (PostgreSQL only)")
    parser.add_argument("--since-hours", type=float, help="with --as-logged: only what changed in the last H hours")
    args = parser.parse_args()

    info = common.ensure_database(args.scale)
    app = common.app_for(info["url"])
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        token, plain = create_token(admin, TOKEN_NAME)
        db.session.commit()
        token_id, admin_id = token.id, admin.id
        # The pool keeps this one connection and every request of the run reuses it: its backend's CPU.
        backend = db.session.scalar(text("SELECT pg_backend_pid()")) if info["url"].startswith("postgresql") else None
        if args.as_logged:
            shadow_change_log(args.resource)
    headers = {"Authorization": f"Bearer {plain}"}
    print(f"load average before: {load()}")
    try:
        client = app.test_client()
        started, cpu_started, db_started = time.perf_counter(), time.process_time(), backend_cpu(backend)
        if args.export:
            path = f"/api/v1/{args.resource}.{args.export}"
            size, marks = export(client, headers, path)
            what, count = "bytes", size
        else:
            path = f"/api/v1/{args.resource}"
            params = {}
            if args.since_hours is not None:
                since = datetime.now(UTC) - timedelta(hours=args.since_hours)
                params["updated_since"] = since.isoformat()
            count, marks = page_through(client, headers, path, args.limit, args.max_rows, params)
            what = "rows"
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        db_cpu = backend_cpu(backend) - db_started
    finally:
        with app.app_context():
            if backend is not None and db.session.scalar(text("SELECT pg_backend_pid()")) != backend:
                print("  (the pool opened another connection: the backend's CPU below is only part of it)")
            ours = or_(and_(AuditEvent.object_type == "api_tokens", AuditEvent.object_id == str(token_id)),
                       AuditEvent.action == "export")  # the token's creation, the export's record
            db.session.execute(delete(AuditEvent).where(AuditEvent.id > before, AuditEvent.actor_id == admin_id, ours))
            db.session.execute(delete(ApiToken).where(ApiToken.id == token_id))
            db.session.commit()
    print(f"GET {path} ({args.scale}): {count:,} {what} in {seconds:.1f} s = {count / seconds:,.0f} {what}/s")
    print(f"  this process (client and app) used {cpu:.1f} s of CPU: {count / cpu:,.0f} {what} per CPU-second")
    if backend is not None:
        print(f"  its PostgreSQL backend used {db_cpu:.1f} s: {count / (cpu + db_cpu):,.0f} {what} per CPU-second "
              "of both (the rate on free cores)")
    print("RSS as it went: " + ", ".join(f"{n:,} {what} → {mb:.0f} MB" for n, mb in marks)
          + f"; at the end {rss_mb():.0f} MB, peak {peak_rss_mb():.0f} MB")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
