"""Issue 21: each role's home at province scale (≤ 300 ms): the account manager's Today, the liaison's
and the branch head's homes, the lead's dashboard and the admin hub; and the liaison's two forms with place
pickers (the list builder, the merchant form: the places of the liaison's area only), with their size. Read-only: the users are signed
in by writing the session cookie, not through the form (which records a sign-in)."""
from __future__ import annotations

import argparse
import os
import time

import common
from sqlalchemy import event, select

from crm.extensions import db
from crm.people.models import User

WARMUP = 5


def client_for(app, username: str):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise LookupError(username)
        session_id = f"{user.id}:{user.session_version}"
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def queries_per_request(app, client, path: str) -> int:
    """How many statements one request sends the database (each is a round trip on a busy machine)."""
    with app.app_context():
        engine = db.engine
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def _dataset(scale: str) -> dict:
    """The dataset's summary as generated (bench/out), else through common.ensure_database."""
    import json

    from datagen import info_path

    url = common.DEFAULT_URLS.get(scale) or f"{common.POSTGRES_SERVER}/crm_bench_{scale}"
    path = info_path(url)
    if path.exists():
        return {**json.loads(path.read_text(encoding="utf-8")), "url": url}
    return common.ensure_database(scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="province")
    parser.add_argument("-n", type=int, default=30)
    args = parser.parse_args()
    info = _dataset(args.scale)
    app = common.app_for(info["url"])
    users = info["users"]
    homes = [("account manager (busiest)", users["busiest_am"], "/visits/"),
             ("liaison (busiest AM's pair)", users["liaison"], "/home/liaison"),
             ("branch head (busiest AM's county)", users["branch_head"], "/home/branch"),
             ("admin", "admin", "/admin/"), ("lead", "lead", "/reports/"),
             ("liaison", users["liaison"], "/referrals/new"), ("liaison", users["liaison"], "/merchants/new")]
    rows = []
    for role, username, path in homes:
        client = client_for(app, username)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        cpu = time.process_time()
        stats = common.timings(lambda c=client, p=path: c.get(p), args.n, warmup=WARMUP)
        rows.append({"what": f"GET {path} as {role}", "kb": len(response.data) // 1024, **stats,
                     "cpu_ms_per_request": round((time.process_time() - cpu) * 1000 / (args.n + WARMUP), 1),
                     "queries": queries_per_request(app, client, path), "load": os.getloadavg()[0]})
    common.print_table(rows)


if __name__ == "__main__":
    main()
