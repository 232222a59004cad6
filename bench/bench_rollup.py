"""Progress rollups at scale: the quarterly rollup by county, the dashboard page, and the plainest
correct SQL for the same figures run directly.

    python bench/bench_rollup.py                         # province on PostgreSQL (the shared dataset)
    python bench/bench_rollup.py --scale city            # city on SQLite
    python bench/bench_rollup.py --period 2026Q3 -n 5

Targets (issue #8): province — quarterly rollup by county ≤ 500 ms warm, dashboard page ≤ 800 ms;
city — rollup ≤ 500 ms. Printed per step:
- "snapshot computed": crm.reports.snapshots.refresh() of the quarter — the work the scheduler does
  in the background every REPORTS_REFRESH_MINUTES for the current periods (and daily for the rest);
  and the scheduler's whole first pass over every period of the drive;
- "rollup (county)": crm.reports.rollup.compute(), what every report does: read the quarter's
  snapshot, add the live events and pairs, build the rows;
- "API rollup" and "dashboard page": the endpoints as a lead uses them, over the test client;
- "plain SQL": straightforward GROUP BY queries (one per table, each joined to merchants, with
  COUNT(DISTINCT)) giving the same county figures, run directly on the records;
and the ratios to the plain SQL. It also checks that the plain SQL and the rollup agree.
The shared datasets' records are not changed: only the derived snapshots (and an API token) are written.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta

import common
from sqlalchemy import select, text

from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.reports import snapshots
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


def current_quarter(today: str) -> str:
    day = date.fromisoformat(today)
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="province", choices=("province", "city"))
    parser.add_argument("--period", default=None, help="default: the quarter of the dataset's 'today'")
    parser.add_argument("-n", type=int, default=3, help="runs of the snapshot computation and the plain SQL")
    parser.add_argument("--warm-n", type=int, default=20, help="runs of the rollup, the API and the dashboard")
    args = parser.parse_args()

    info = common.ensure_database(args.scale)
    code = args.period or current_quarter(info["today"])
    app = common.app_for(info["url"])
    campaign_id = info["campaign_id"]
    lead = info["users"]["lead"]
    token = common.token_for(app, lead)
    results = []
    with app.app_context(), app.test_request_context("/?lang=en"):
        campaign = db.session.scalar(select(Campaign).where(Campaign.id == campaign_id))
        period = parse_period(code, campaign)
        print(f"{args.scale}: {info['url'].rsplit('/', 1)[-1]}, drive {campaign_id}, period {code} "
              f"({period.start} – {period.end}), n={args.n}", flush=True)
        started = time.perf_counter()
        every = snapshots.refresh_due(timedelta(0))  # the scheduler's first pass: every period of the drive
        first_pass = {"what": f"scheduler's first pass ({len(every)} periods)", "n": 1,
                      "mean_ms": round((time.perf_counter() - started) * 1000, 2)}
        refresh_stats = common.timings(lambda: snapshots.refresh(campaign, code), args.n, warmup=0)
        results.append({"what": f"snapshot computed ({code})", **refresh_stats})
        results.append({"what": "rollup (county), from the snapshot",
                        **common.timings(lambda: compute(campaign, period, "county"), args.warm_n, warmup=1)})
        plain_stats = common.timings(lambda: plain_totals(campaign, period), args.n, warmup=1)
        results.append({"what": "plain SQL, same figures", **plain_stats})
        totals = compute(campaign, period, "county").totals
        plain = plain_totals(campaign, period)
        disagree = {k: (totals[k], v) for k, v in plain.items() if totals[k] != v}

    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    api_url = f"/api/v1/campaigns/{campaign_id}/rollup?period={code}&by=county"
    results.append({"what": "API rollup", **common.timings(lambda: client.get(api_url, headers=auth),
                                                                   args.warm_n, warmup=1)})
    browser = app.test_client()
    signed = browser.post("/login", data={"username": lead, "password": info["password"]})
    assert signed.status_code == 302, "the lead could not sign in"
    page_url = f"/reports/?campaign={campaign_id}&period={code}"
    assert browser.get(page_url).status_code == 200
    results.append({"what": "dashboard page", **common.timings(lambda: browser.get(page_url), args.warm_n,
                                                                       warmup=1)})
    common.print_table([*results, first_pass])
    plain_ms = plain_stats["p50_ms"]
    for row in results:
        if row["what"] != "plain SQL, same figures":
            print(f"ratio {row['what']} / plain SQL (p50): {row['p50_ms'] / plain_ms:.3f}")
    print("plain SQL and rollup agree" if not disagree else f"DISAGREE: {disagree}")
    sys.exit(1 if disagree else 0)


if __name__ == "__main__":
    main()
