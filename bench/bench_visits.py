"""Field visits at province scale, and the weight of the visit form on a phone.

    python bench/bench_visits.py                      # server time on the province dataset + page weight
    python bench/bench_visits.py --scale city -n 300  # a quicker look
    python bench/bench_visits.py --skip-weight        # server time only

1. Server time through the real app (Flask test client, in process), as the busiest account
   manager: the Today page (GET /visits/), GET /api/v1/me/agenda, and POST /api/v1/visits with a
   fresh client_id each time (a merchant of the AM's town that is on no referral list, so the
   referral engine has nothing to advance), plus the replay of a stored client_id. Target
   (issue #4): p95 ≤ 50 ms for the Today page and POST /api/v1/visits. Every visit, need,
   follow-up and audit row the run added is deleted at the end: the shared dataset stays as it was.
2. Page weight in headless Chromium on a phone viewport: the visit form's first load (empty
   cache, after sign-in) and a repeat load (service worker and HTTP cache warm). Counted twice:
   by the browser (CDP Network.loadingFinished encodedDataLength of the page's requests) and by
   the server (every byte it sent, headers included, service-worker fetches included).
   Targets: ≤ 100 KB compressed first load, ≤ 10 KB repeat load.
"""
from __future__ import annotations

import argparse
import threading
import uuid

import common
from sqlalchemy import delete, func, select

from crm.audit.models import AuditEvent
from crm.auth.models import ApiToken
from crm.campaigns.models import LiaisonPair
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.people.models import User
from crm.referrals.models import Referral
from crm.reports import ledger
from crm.timeutil import local_now
from crm.visits.models import FollowUp, Need, Visit

PREFIX = "bench-visits-"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _unlisted_codes(user: User, campaign_id: int, n: int) -> list[str]:
    """Merchants of the AM's pair towns that no referral names (so the visit changes no referral)."""
    towns = select(LiaisonPair.region_id).where(LiaisonPair.account_manager_id == user.id)
    listed = select(Referral.merchant_id).where(Referral.campaign_id == campaign_id)
    return list(db.session.scalars(select(Merchant.credit_code).where(
        Merchant.town_id.in_(towns), Merchant.id.not_in(listed)).order_by(Merchant.id).limit(n)))


def _visit_body(campaign_id: int, code: str) -> dict:
    return {
        "client_id": PREFIX + uuid.uuid4().hex, "campaign_id": campaign_id, "merchant": {"credit_code": code},
        "kind": "first", "visited_at": local_now().replace(microsecond=0).isoformat(),
        "location": {"lat": 36.19, "lng": 113.11, "accuracy_m": 14},
        "financing_need": {"has_need": True, "amount": 200000, "purpose": "进货"},
        "needs": [{"text": "想办电子税务"}], "satisfaction": None, "notes": "bench",
    }


def server_times(info: dict, n: int) -> list[dict]:
    app = common.app_for(info["url"])
    username = info["users"]["busiest_am"]
    token = common.token_for(app, username)
    auth = {"Authorization": f"Bearer {token}"}
    client, api = app.test_client(), app.test_client()  # a browser session; a token (no session cookie)
    assert client.post("/login", data={"username": username, "password": info["password"]}).status_code == 302
    rows = []
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        token_id = db.session.scalar(select(func.max(ApiToken.id)).where(ApiToken.user_id == user.id))
        codes = _unlisted_codes(user, info["campaign_id"], max(n, 50))
        db.session.remove()
    try:
        page = client.get("/visits/")
        assert page.status_code == 200, page.status_code
        rows.append({"what": "GET /visits/ (Today page)", **common.timings(lambda: client.get("/visits/"), n)})
        rows.append({"what": "GET /api/v1/me/agenda",
                     **common.timings(lambda: api.get("/api/v1/me/agenda", headers=auth), n)})
        sent = iter(range(10 ** 9))

        def post_visit():
            body = _visit_body(info["campaign_id"], codes[next(sent) % len(codes)])
            response = api.post("/api/v1/visits", json=body, headers=auth)
            assert response.status_code == 201, response.get_data(as_text=True)

        rows.append({"what": "POST /api/v1/visits (new)", **common.timings(post_visit, n)})
        replay = _visit_body(info["campaign_id"], codes[0])
        assert api.post("/api/v1/visits", json=replay, headers=auth).status_code == 201
        rows.append({"what": "POST /api/v1/visits (replay)",
                     **common.timings(lambda: api.post("/api/v1/visits", json=replay, headers=auth), n)})
        rows.append({"what": "GET /visits/new (form)", **common.timings(lambda: client.get("/visits/new"), n)})
    finally:
        with app.app_context():
            removed = _clean_up(token_id)
        print(f"cleaned up: {removed} visits (and their needs, follow-ups and audit rows)")
    return rows


def _clean_up(token_id: int) -> int:
    visit_ids = list(db.session.scalars(select(Visit.id).where(Visit.client_id.startswith(PREFIX))))
    need_ids = list(db.session.scalars(select(Need.id).where(Need.visit_id.in_(visit_ids))))
    follow_up_ids = list(db.session.scalars(select(FollowUp.id).where(FollowUp.source_visit_id.in_(visit_ids))))
    for table, ids in (("needs", need_ids), ("follow_ups", follow_up_ids), ("visits", visit_ids)):
        db.session.execute(delete(AuditEvent).where(AuditEvent.object_type == table,
                                                    AuditEvent.object_id.in_([str(i) for i in ids])))
    merchant_ids = set(db.session.scalars(select(Visit.merchant_id).where(Visit.id.in_(visit_ids))))
    with ledger.merchants_changed(db.session.connection(), merchant_ids):  # the figures lose them too
        db.session.execute(delete(Need).where(Need.id.in_(need_ids)))
        db.session.execute(delete(FollowUp).where(FollowUp.id.in_(follow_up_ids)))
        db.session.execute(delete(Visit).where(Visit.id.in_(visit_ids)))
    db.session.execute(delete(ApiToken).where(ApiToken.id == token_id))
    db.session.commit()
    return len(visit_ids)


class ByteCounter:
    """WSGI middleware: every byte the server sends (status line, headers, body)."""

    def __init__(self, app):
        self.app, self.total, self.lock = app, 0, threading.Lock()

    def __call__(self, environ, start_response):
        def counting_start(status, headers, exc_info=None):
            self._add(len(status) + 11 + sum(len(k) + len(v) + 4 for k, v in headers) + 2)
            return start_response(status, headers, exc_info)

        for chunk in self.app(environ, counting_start):
            self._add(len(chunk))
            yield chunk

    def _add(self, n: int) -> None:
        with self.lock:
            self.total += n


def page_weight(info: dict) -> list[dict]:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    app = common.app_for(info["url"])
    counter = ByteCounter(app.wsgi_app)
    app.wsgi_app = counter
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                          timezone_id="Asia/Shanghai")
            context.request.post(f"{base}/login", form={"username": info["users"]["busiest_am"],
                                                        "password": info["password"]})
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            seen: dict[str, float] = {}
            cdp.on("Network.loadingFinished", lambda e: seen.__setitem__(e["requestId"], e["encodedDataLength"]))
            for label in ("first load (empty cache)", "repeat load (warm)"):
                seen.clear()
                before = counter.total
                page.goto(f"{base}/visits/new", wait_until="networkidle")
                if label.startswith("first"):
                    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
                    page.wait_for_timeout(1500)  # let the worker finish caching the shell
                rows.append({"what": f"visit form, {label}", "requests": len(seen),
                             "browser_kb": round(sum(seen.values()) / 1024, 1),
                             "server_sent_kb": round((counter.total - before) / 1024, 1)})
            browser.close()
    finally:
        httpd.shutdown()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="province")
    parser.add_argument("-n", type=int, default=1000, help="requests per measurement (≥ 1,000 for the figures)")
    parser.add_argument("--skip-weight", action="store_true")
    parser.add_argument("--skip-times", action="store_true")
    args = parser.parse_args()
    info = common.ensure_database(args.scale)
    if not args.skip_times:
        print(f"server time, {args.scale} scale, as {info['users']['busiest_am']} (busiest account manager), "
              f"n={args.n}")
        common.print_table(server_times(info, args.n))
    if not args.skip_weight:
        print("\npage weight (KB; compressed, as transferred)")
        common.print_table(page_weight(info))


if __name__ == "__main__":
    main()
