"""Referral lists at scale: building and handing over a 20,000-name list, and reading its progress.

    python bench/bench_referrals.py                    # city (SQLite copy) and province (PostgreSQL)
    python bench/bench_referrals.py --scale city

Measured through the real pages and API as the admin (a liaison's office sees one town, far
fewer names): the build form's "create" with filters, the same with 20,000 pasted codes, the
hand-over, POST /api/v1/referral-lists with 20,000 codes, then the list's progress page and
GET /api/v1/referral-lists/{id}. Target (issue #5): building and handing over a 20,000-name
list ≤ 5 s (issue #16: ≤ 2.5 s). The builds run as background jobs; here each job runs inside its
request (CRM_JOBS_URL=immediate), so the figure is the job's own work, without a worker's pick-up
delay. The shared datasets are left as they were: the city file is copied first; on PostgreSQL
everything the run added is deleted at the end.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import tempfile
import time

import common
from sqlalchemy import delete, exists, func, select

from crm.audit.models import AuditEvent
from crm.auth.models import ApiToken
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.referrals.models import Referral, ReferralList
from crm.reports import ledger

NAMES = 20_000


def _copy_sqlite(url: str) -> tuple[str, str]:
    """A private copy of the shared SQLite dataset (the backup API copies a consistent state)."""
    folder = tempfile.mkdtemp(prefix="bench-referrals-")
    target = os.path.join(folder, "city.sqlite3")
    source = sqlite3.connect(url.removeprefix("sqlite:///"))
    copy = sqlite3.connect(target)
    source.backup(copy)
    source.close()
    copy.close()
    return f"sqlite:///{target}", folder


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, round(time.perf_counter() - started, 3)


def _listed(campaign_id: int):
    return exists().where(Referral.merchant_id == Merchant.id, Referral.campaign_id == campaign_id)


def _codes(n: int, campaign_id: int, other_than: str) -> list[str]:
    """n merchants not yet on a list of the drive, trading, outside the trade the filtered list takes."""
    return list(db.session.scalars(select(Merchant.credit_code).where(
        ~_listed(campaign_id), Merchant.registry_status == "operating", Merchant.dishonest.is_(False),
        Merchant.trade != other_than).order_by(Merchant.id).limit(n)))


def _filter_near(campaign_id: int, n: int) -> tuple[str, str]:
    """The (trade, tier) whose unlisted, trading merchants come closest to n: a realistic 20,000-name filter
    (a trade alone is 26,000 names or more at province scale)."""
    counts = db.session.execute(select(Merchant.trade, Merchant.tier, func.count()).where(
        ~_listed(campaign_id), Merchant.registry_status == "operating", Merchant.dishonest.is_(False))
        .group_by(Merchant.trade, Merchant.tier)).all()
    return min(counts, key=lambda row: abs(row[2] - n))[:2]


def run(scale: str) -> list[dict]:
    info = common.ensure_database(scale)
    url, folder = (info["url"], None)
    if url.startswith("sqlite"):
        url, folder = _copy_sqlite(url)
    app = common.app_for(url, JOBS_URL="immediate")  # the build job runs inside the request: its work, timed
    rows = []
    with app.app_context():
        campaign_id = info["campaign_id"]
        bank_id = db.session.scalar(select(ReferralList.bank_org_id).limit(1))
        first_event = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        first_token = db.session.scalar(select(func.max(ApiToken.id))) or 0
        lists_before = set(db.session.scalars(select(ReferralList.id)))
        trade, tier = _filter_near(campaign_id, NAMES)
        codes = _codes(2 * NAMES, campaign_id, trade)
    client = app.test_client()
    client.post("/login", data={"username": info["users"]["admin"], "password": info["password"]})
    token = common.token_for(app, info["users"]["admin"])
    api = app.test_client()  # no session cookie: a bearer token alone
    try:
        base = {"campaign_id": campaign_id, "bank_org_id": bank_id, "not_listed": "y"}
        cpu = time.process_time()
        response, seconds = _timed(lambda: client.post("/referrals/new", data={
            **base, "name": "bench filter", "trade": trade, "tier": tier, "action": "create"}))
        list_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
        _, hand = _timed(lambda: client.post(f"/referrals/{list_id}/hand-over"))
        with app.app_context():
            size = db.session.scalar(select(func.count()).where(Referral.list_id == list_id))
        rows.append({"scale": scale, "what": f"build by filter ({trade}, {tier}) + hand over", "names": size,
                     "seconds": round(seconds + hand, 3), "cpu": round(time.process_time() - cpu, 3)})
        cpu = time.process_time()
        response, seconds = _timed(lambda: client.post("/referrals/new", data={
            **base, "name": "bench codes", "codes": "\n".join(codes[:NAMES]), "action": "create"}))
        pasted_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
        _, hand = _timed(lambda: client.post(f"/referrals/{pasted_id}/hand-over"))
        rows.append({"scale": scale, "what": "build from 20,000 pasted codes + hand over", "names": NAMES,
                     "seconds": round(seconds + hand, 3), "cpu": round(time.process_time() - cpu, 3)})
        cpu = time.process_time()
        response, seconds = _timed(lambda: api.post(
            "/api/v1/referral-lists", headers={"Authorization": f"Bearer {token}"},
            json={"campaign_id": campaign_id, "name": "bench api", "bank_org_id": bank_id,
                  "credit_codes": codes[NAMES:]}))
        assert response.status_code == 201, response.get_data(as_text=True)[:300]
        rows.append({"scale": scale, "what": "POST /api/v1/referral-lists (created and handed over)",
                     "names": response.json["created"], "seconds": seconds, "cpu": round(time.process_time() - cpu, 3)})
        _, seconds = _timed(lambda: client.get(f"/referrals/{list_id}"))
        rows.append({"scale": scale, "what": "list progress page", "names": size, "seconds": seconds})
        _, seconds = _timed(lambda: api.get(f"/api/v1/referral-lists/{list_id}",
                                               headers={"Authorization": f"Bearer {token}"}))
        rows.append({"scale": scale, "what": "GET /api/v1/referral-lists/{id}", "names": size, "seconds": seconds})
    finally:
        with app.app_context():
            _clean(lists_before, first_event, first_token)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
    return rows


def pages(scale: str, n: int) -> list[dict]:
    """The lead's province pages over HTTP (issue #16: joint-visit-day grid p95 ≤ 500 ms, one line per
    county; referral lists page p95 ≤ 300 ms), with the CPU this process spent per request and the load."""
    info = common.ensure_database(scale)
    app = common.app_for(info["url"])
    browser = app.test_client()
    assert browser.post("/login", data={"username": info["users"]["lead"], "password": info["password"]}
                        ).status_code == 302
    rows = []
    for what, url in (("page: joint-visit-day grid (lead)", f"/events/joint-days?campaign={info['campaign_id']}"),
                      ("page: referral lists (lead)", "/referrals/")):
        response = browser.get(url)
        assert response.status_code == 200, url
        cpu = time.process_time()
        stats = common.timings(lambda u=url: browser.get(u), n, warmup=1)
        rows.append({"scale": scale, "what": what, "kb": round(len(response.data) / 1024), **stats,
                     "cpu_ms_per_request": round((time.process_time() - cpu) * 1000 / (n + 1), 1),
                     "load": os.getloadavg()[0]})
    return rows


def _clean(lists_before: set[int], first_event: int, first_token: int) -> None:
    """Leave the dataset as it was: the run's lists, items, audit rows and token."""
    new_lists = [i for i in db.session.scalars(select(ReferralList.id)) if i not in lists_before]
    merchant_ids = set(db.session.scalars(select(Referral.merchant_id).where(Referral.list_id.in_(new_lists))))
    with ledger.merchants_changed(db.session.connection(), merchant_ids, ["referrals"]):  # the figures lose them too
        db.session.execute(delete(Referral).where(Referral.list_id.in_(new_lists)))
    db.session.execute(delete(ReferralList).where(ReferralList.id.in_(new_lists)))
    db.session.execute(delete(AuditEvent).where(AuditEvent.id > first_event,
                                                AuditEvent.object_type.in_(("referral_lists", "referrals"))))
    db.session.execute(delete(ApiToken).where(ApiToken.id > first_token, ApiToken.name == "bench"))
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("city", "province"))
    parser.add_argument("-n", type=int, default=20, help="Requests per page timed.")
    parser.add_argument("--pages-only", action="store_true", help="Only the grid and lists pages (read-only).")
    args = parser.parse_args()
    rows = []
    for scale in [s for s in ("city", "province") if args.scale in (None, s)]:
        rows += pages(scale, args.n)
        if not args.pages_only:
            rows += [{**row, "load": os.getloadavg()[0]} for row in run(scale)]
    common.print_table(rows)


if __name__ == "__main__":
    main()
