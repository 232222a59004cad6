"""Progress rollups at scale, read from the figures' ledger: every period kind, cold and warm, by every
view, next to the plainest correct SQL for the same figures run directly on the records.

    python bench/bench_rollup.py                         # province on PostgreSQL (the shared dataset)
    python bench/bench_rollup.py --scale city            # city on SQLite

Targets (issue #17): any period by any view <= 500 ms on the first request, the dashboard <= 800 ms.
Printed per period (the current month, quarter and drive to date, and a past month and quarter):
- "cold": the first compute() of the period by county in this process (nothing of it was ever read);
- "warm": p50 of the next runs; then each other view (town, district of a county, pair, trade, tier,
  product) once cold;
- "plain SQL": straightforward GROUP BY queries (one per table, each joined to merchants, with
  COUNT(DISTINCT)) giving the same county figures, and the ratio;
then the API rollup and the dashboard page warm, and the coverage table's count. It checks that the
plain SQL and the ledger agree on every period. The records are not changed; the ledger must have
been filled (`flask crm reports rebuild`, or bench/datagen.py does it).
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from functools import partial

import common
from sqlalchemy import select, text

from crm.campaigns.models import Campaign
from crm.dates import add_months, month_code, quarter_code
from crm.extensions import db
from crm.regions.models import Region
from crm.reports import facts
from crm.reports.operations import product_rows
from crm.reports.periods import parse_period
from crm.reports.rollup import compute

PLAIN_SQL = {
    "visits": """
        SELECT m.county_id, COUNT(*), COUNT(DISTINCT v.merchant_id)
        FROM visits v JOIN merchants m ON m.id = v.merchant_id
        WHERE v.campaign_id = :campaign AND v.visited_on BETWEEN :start AND :end
        GROUP BY m.county_id""",
    "applications": """
        SELECT m.county_id,
          SUM(CASE WHEN a.applied_on BETWEEN :start AND :end THEN 1 ELSE 0 END),
          SUM(CASE WHEN a.applied_on BETWEEN :start AND :end THEN a.applied_amount ELSE 0 END),
          SUM(CASE WHEN a.granted_on BETWEEN :start AND :end THEN a.granted_amount ELSE 0 END),
          SUM(CASE WHEN a.drawn_on BETWEEN :start AND :end THEN a.drawn_amount ELSE 0 END)
        FROM applications a JOIN merchants m ON m.id = a.merchant_id
        WHERE a.campaign_id = :campaign
        GROUP BY m.county_id""",
    "referrals": """
        SELECT m.county_id,
          SUM(CASE WHEN r.created_at >= :start_utc AND r.created_at < :end_utc THEN 1 ELSE 0 END),
          SUM(CASE WHEN r.created_at < :end_utc AND r.deadline_on < :end
                    AND (r.status NOT IN ('drawn', 'closed') OR r.status_changed_at >= :end_utc) THEN 1 ELSE 0 END)
        FROM referrals r JOIN merchants m ON m.id = r.merchant_id
        WHERE r.campaign_id = :campaign
        GROUP BY m.county_id""",
    "needs": """
        SELECT m.county_id,
          SUM(CASE WHEN n.opened_on <= :end AND (n.closed_on > :end OR (n.closed_on IS NULL AND n.status = 'open'))
                   THEN 1 ELSE 0 END),
          SUM(CASE WHEN n.closed_on BETWEEN :start AND :end THEN 1 ELSE 0 END)
        FROM needs n JOIN merchants m ON m.id = n.merchant_id
        WHERE n.campaign_id = :campaign
        GROUP BY m.county_id""",
    "districts": """
        SELECT t.parent_id, COUNT(*),
          SUM(CASE WHEN COALESCE(x.visited, 0) >= :threshold
                     OR (d.households > 0 AND COALESCE(x.visited, 0) * 10000 >= :ratio_bp * d.households)
                   THEN 1 ELSE 0 END)
        FROM regions d JOIN regions t ON t.id = d.parent_id
        LEFT JOIN (SELECT m.district_id, COUNT(DISTINCT v.merchant_id) AS visited
                   FROM visits v JOIN merchants m ON m.id = v.merchant_id
                   WHERE v.campaign_id = :campaign AND v.visited_on BETWEEN :drive_start AND :end
                   GROUP BY m.district_id) x ON x.district_id = d.id
        WHERE d.level = 'district'
        GROUP BY t.parent_id""",
    "events": """
        SELECT COALESCE(e.county_id, p.county_id), e.kind, COUNT(*)
        FROM events e LEFT JOIN liaison_pairs p ON p.id = e.pair_id
        WHERE e.campaign_id = :campaign AND e.status = 'held'
          AND COALESCE(e.held_on, e.planned_on) BETWEEN :start AND :end
        GROUP BY COALESCE(e.county_id, p.county_id), e.kind""",
}


def plain_totals(campaign: Campaign, period) -> dict:
    """Run the plain SQL and add its county rows up into the totals the rollup reports."""
    params = {"campaign": campaign.id, "start": period.start, "end": period.end, "start_utc": period.start_utc,
              "end_utc": period.end_utc, "drive_start": campaign.starts_on,
              "threshold": campaign.district_household_threshold,
              "ratio_bp": int(campaign.district_coverage_ratio * 10000)}
    rows = {name: db.session.execute(text(sql), params).all() for name, sql in PLAIN_SQL.items()}
    return {
        "visits": sum(r[1] for r in rows["visits"]),
        "merchants_visited": sum(r[2] for r in rows["visits"]),
        "applications": sum(r[1] or 0 for r in rows["applications"]),
        "applied_amount": round(float(sum(r[2] or 0 for r in rows["applications"])), 2),
        "granted_amount": round(float(sum(r[3] or 0 for r in rows["applications"])), 2),
        "drawn_amount": round(float(sum(r[4] or 0 for r in rows["applications"])), 2),
        "referrals": sum(r[1] or 0 for r in rows["referrals"]),
        "referrals_overdue": sum(r[2] or 0 for r in rows["referrals"]),
        "needs_open": sum(r[1] or 0 for r in rows["needs"]),
        "needs_closed": sum(r[2] or 0 for r in rows["needs"]),
        "districts": sum(r[1] for r in rows["districts"]),
        "districts_meeting_rule": sum(r[2] or 0 for r in rows["districts"]),
        "joint_visit_days_held": sum(r[2] for r in rows["events"] if r[1] == "joint_visit_day"),
        "matchmaking_meetings": sum(r[2] for r in rows["events"] if r[1] == "matchmaking"),
    }


def period_codes(today: str) -> list[str]:
    """The current month, quarter and drive to date, and the month and quarter before them."""
    day = date.fromisoformat(today)
    return [month_code(day), quarter_code(day), "all", month_code(add_months(day, -1)),
            quarter_code(add_months(day, -3))]


def _ms(call) -> float:
    started = time.perf_counter()
    call()
    return round((time.perf_counter() - started) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="province", choices=("province", "city"))
    parser.add_argument("-n", type=int, default=3, help="runs of the plain SQL")
    parser.add_argument("--warm-n", type=int, default=10, help="warm runs of the rollup, the API and the dashboard")
    args = parser.parse_args()

    info = common.ensure_database(args.scale)
    app = common.app_for(info["url"])
    campaign_id = info["campaign_id"]
    lead = info["users"]["lead"]
    token = common.token_for(app, lead)
    disagree, rows = {}, []
    with app.app_context(), app.test_request_context("/?lang=en"):
        campaign = db.session.scalar(select(Campaign).where(Campaign.id == campaign_id))
        county = db.session.scalar(select(Region).where(Region.parent_id == campaign.territory_id).order_by(Region.id))
        print(f"{args.scale}: {info['url'].rsplit('/', 1)[-1]}, drive {campaign_id}", flush=True)
        for code in period_codes(info["today"]):
            period = parse_period(code, campaign)
            by_county = partial(compute, campaign, period, "county")
            cold = _ms(by_county)
            warm = common.timings(by_county, args.warm_n, warmup=0)["p50_ms"]
            views = {by: _ms(partial(compute, campaign, period, by, county if by == "district" else None))
                     for by in ("town", "district", "pair", "trade", "tier")}
            views["product"] = _ms(partial(product_rows, campaign, period, campaign.territory))
            plain = common.timings(partial(plain_totals, campaign, period), args.n, warmup=0)["p50_ms"]
            rows.append({"what": f"{code} by county", "cold_ms": cold, "warm_ms": warm, "plain_sql_ms": plain,
                         "ratio_cold": round(cold / plain, 3), **{f"{by}_ms": ms for by, ms in views.items()}})
            print(rows[-1], flush=True)
            totals = compute(campaign, period, "county").totals
            disagree.update({(code, k): (totals[k], v) for k, v in plain_totals(campaign, period).items()
                             if totals[k] != v})
        coverage = common.timings(lambda: facts.visited_by_district(campaign), args.warm_n, warmup=0)
        code = quarter_code(date.fromisoformat(info["today"]))

    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    api_url = f"/api/v1/campaigns/{campaign_id}/rollup?period={code}&by=county"
    results = [{"what": "coverage table's counts (every district)", **coverage},
               {"what": "API rollup", **common.timings(lambda: client.get(api_url, headers=auth), args.warm_n,
                                                         warmup=1)}]
    browser = app.test_client()
    signed = browser.post("/login", data={"username": lead, "password": info["password"]})
    assert signed.status_code == 302, "the lead could not sign in"
    page_url = f"/reports/?campaign={campaign_id}&period={code}"
    results.append({"what": "dashboard page (first)", "n": 1, "mean_ms": _ms(lambda: browser.get(page_url))})
    results.append({"what": "dashboard page", **common.timings(lambda: browser.get(page_url), args.warm_n,
                                                                       warmup=0)})
    common.print_table(results)
    print("plain SQL and the ledger agree on every period" if not disagree else f"DISAGREE: {disagree}")
    sys.exit(1 if disagree else 0)


if __name__ == "__main__":
    main()
