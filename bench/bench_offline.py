"""A field day offline on a phone: what the account manager's phone downloads and how fast it searches.

    python bench/bench_offline.py               # own SQLite file, 2,000 merchants in the AM's area
    python bench/bench_offline.py --merchants 5000

On its own database (the `tiny` dataset in /tmp/crm_bench_offline.sqlite3, topped up with merchants
in the busiest account manager's town until the area holds --merchants), served over real HTTP to
Debian Chromium on a phone viewport:

1. Page weight, counted by the browser (CDP Network.loadingFinished encodedDataLength): Today's first
   load with an empty cache (after sign-in; the service worker caching the shell included), and a
   repeat load. Targets: ≤ 100 KB compressed first load, ≤ 10 KB repeat load.
2. The offline copy (GET /api/v1/me/offline): the first, full download and the refresh when nothing
   changed. Targets: ≤ 300 KB compressed for 2,000 merchants, ≤ 20 KB for the refresh.
3. Offline search on the phone's copy, with the CPU slowed ×4 (CDP Emulation.setCPUThrottlingRate),
   by name, pinyin initials, credit code and phone: the time of each search in the page.
   Target: ≤ 50 ms.
"""
from __future__ import annotations

import argparse
import random
import statistics
import threading
from datetime import timedelta

import common
from bench_visits import ByteCounter
from sqlalchemy import func, select, update

from crm.extensions import db
from crm.merchants import credit_code
from crm.merchants.models import Merchant
from crm.merchants.operations import initials
from crm.regions.models import Region
from crm.timeutil import utcnow

URL = "sqlite:////tmp/crm_bench_offline.sqlite3"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
SHOPS = ("干洗店", "超市", "面馆", "五金店", "粮油店", "果蔬店", "烟酒店", "理发店", "修车铺", "药店", "餐馆", "服装店")
FILLERS = "旺福顺鑫隆兴盛源丰泰和祥瑞德"


def row(what: str, requests: int, browser_kb=None, server_sent_kb=None, median_ms=None, max_ms=None) -> dict:
    return {"what": what, "requests": requests, "browser_kb": browser_kb, "server_sent_kb": server_sent_kb,
            "median_ms": median_ms, "max_ms": max_ms}


def top_up(app, town_id: int, wanted: int) -> int:
    """Add merchants to the town until it holds `wanted`; returns how many it holds."""
    rng = random.Random(2000)
    with app.app_context():
        town = db.session.get(Region, town_id)
        have = db.session.scalar(select(func.count()).select_from(Merchant).where(Merchant.town_id == town_id))
        for n in range(have, wanted):
            name = rng.choice(SURNAMES) + rng.choice(FILLERS) + rng.choice(FILLERS) + rng.choice(SHOPS)
            db.session.add(Merchant(
                credit_code=credit_code.make("140400", rng), name=name, name_initials=initials(name),
                operator_name=rng.choice(SURNAMES) + "某", operator_phone=f"13{rng.randrange(10**9):09d}",
                county_id=town.parent_id, town_id=town.id, kind="individual", trade="wholesale_retail"))
            if n % 500 == 0:
                db.session.flush()
        # Registered yesterday, not a minute ago: a refresh then finds nothing changed.
        db.session.execute(update(Merchant).values(updated_at=utcnow() - timedelta(days=1)))
        db.session.commit()
        return max(have, wanted)


def measure(info: dict, base: str, counter: ByteCounter) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True,
                                      timezone_id="Asia/Shanghai", locale="zh-CN")
        context.request.post(f"{base}/login", form={"username": info["users"]["busiest_am"],
                                                    "password": info["password"]})
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        seen: dict[str, float] = {}
        urls: dict[str, str] = {}
        cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.loadingFinished", lambda e: seen.__setitem__(e["requestId"], e["encodedDataLength"]))

        def weighed(label: str, first: bool) -> None:
            seen.clear()
            urls.clear()
            before = counter.total
            page.goto(f"{base}/visits/", wait_until="networkidle")
            page.wait_for_function("document.querySelector('[data-synced]').textContent.length > 0")
            if first:
                page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            page.wait_for_timeout(1500)  # the worker caches the shell; the copy is stored
            data = sum(size for rid, size in seen.items() if "/api/v1/me/offline" in urls.get(rid, ""))
            rows.append(row(f"Today, {label}, without the offline copy", len(seen), (sum(seen.values()) - data) / 1024,
                            (counter.total - before - data) / 1024))
            rows.append(row(f"offline copy, {'full' if first else 'refresh, nothing changed'}", 1, data / 1024))

        weighed("first load (empty cache)", True)
        weighed("repeat load (warm)", False)
        count = page.evaluate("crmFieldbook.load().then(c => c.merchants.length)")
        sample = page.evaluate("crmFieldbook.load().then(c => c.merchants.slice(0, 400).filter((m, i) => i % 40 == 7))")
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        for what, terms in (("name", [m["name"][1:3] for m in sample]), ("pinyin initials", [m["initials"][:3] for m in sample]),
                            ("credit code", [m["code"][:12] for m in sample]), ("phone", [m["phone"][-6:] for m in sample])):
            times = page.evaluate("""terms => terms.map(t => {
                const start = performance.now(); crmFieldbook.search(t, 8); return performance.now() - start; })""",
                                  terms)
            rows.append(row(f"offline search by {what}, CPU ×4, {count} merchants", len(times),
                            median_ms=statistics.median(times), max_ms=max(times)))
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--merchants", type=int, default=2000, help="merchants in the account manager's area")
    args = parser.parse_args()
    info = common.ensure_database("tiny", URL)
    app = common.app_for(info["url"])
    held = top_up(app, info["busiest_am_town_id"], args.merchants)
    from werkzeug.serving import make_server

    counter = ByteCounter(app.wsgi_app)
    app.wsgi_app = counter
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        print(f"offline field day, {info['users']['busiest_am']} with {held} merchants in the area")
        common.print_table(measure(info, f"http://127.0.0.1:{httpd.server_port}", counter))
    finally:
        httpd.shutdown()


if __name__ == "__main__":
    main()
