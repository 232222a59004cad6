"""Coverage, joint visit days, quotas and product matching on a big dataset: how long each page's
rule takes, and the pages and API calls themselves.

    python bench/bench_coverage.py [--scale province|city] [-n 20]

Read-only: nothing is written to the shared dataset except one API token.
"""
from __future__ import annotations

import argparse

import common
from sqlalchemy import func, select

from crm.campaigns import coverage
from crm.campaigns.models import Campaign, LiaisonPair
from crm.campaigns.rules import event_quota
from crm.events import operations as events
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.people.models import User
from crm.products.operations import match
from crm.regions.models import Region
from crm.timeutil import local_today


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="province")
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    info = common.ensure_database(args.scale)
    app = common.app_for(info["url"])
    users = info["users"]
    lead_token = common.token_for(app, users["lead"])
    am_token = common.token_for(app, users["busiest_am"])
    rows = []
    with app.app_context(), app.test_request_context("/?lang=en"):
        campaign = db.session.get(Campaign, info["campaign_id"])
        lead = db.session.scalar(select(User).where(User.username == users["lead"]))
        am = db.session.scalar(select(User).where(User.username == users["busiest_am"]))
        county_id = db.session.scalar(select(Region.id).where(Region.level == "county").order_by(Region.id))
        biggest = db.session.scalar(select(Region).join(Merchant, Merchant.district_id == Region.id)
                                    .group_by(Region.id).order_by(func.count(Merchant.id).desc()).limit(1))
        pair_ids = list(db.session.scalars(select(LiaisonPair.id).where(LiaisonPair.campaign_id == campaign.id)))
        merchant = db.session.scalar(select(Merchant).where(Merchant.credit_code == info["sample_credit_code"]))
        all_rows = coverage.district_rows(campaign, lead)
        print(f"{len(all_rows)} districts, {sum(r.meets_rule for r in all_rows)} meet the rule; "
              f"{len(pair_ids)} pairs; walk list of {biggest.name}: "
              f"{len(coverage.walk_list(campaign, biggest, lead))} merchants")
        cases = [
            ("district_rows, lead, every district", lambda: coverage.district_rows(campaign, lead)),
            ("district_rows, lead, one county", lambda: coverage.district_rows(campaign, lead, county_id=county_id)),
            ("district_rows, busiest AM (scoped)", lambda: coverage.district_rows(campaign, am)),
            ("walk_list, biggest district", lambda: coverage.walk_list(campaign, biggest, lead)),
            ("month_cells, every pair", lambda: events.month_cells(campaign, pair_ids)),
            ("matchmaking_quota", lambda: events.quota_table(campaign, event_quota(campaign, "matchmaking", "county"))),
            ("match, one merchant", lambda: match(merchant, campaign, local_today())),
        ]
        for what, fn in cases:
            rows.append({"what": what, **common.timings(fn, args.n, warmup=1)})
            db.session.rollback()
    client = app.test_client()
    calls = [
        ("GET /api/v1/campaigns/1/districts (lead)", lead_token, f"/api/v1/campaigns/{info['campaign_id']}/districts"),
        ("GET /api/v1/campaigns/1/districts (AM)", am_token, f"/api/v1/campaigns/{info['campaign_id']}/districts"),
        ("GET /api/v1/merchants/{code}/products (AM)", am_token,
         f"/api/v1/merchants/{info['sample_credit_code']}/products?campaign_id={info['campaign_id']}"),
        ("GET /api/v1/campaigns/1/events (lead)", lead_token, f"/api/v1/campaigns/{info['campaign_id']}/events"),
    ]
    for what, token, url in calls:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get(url, headers=headers).status_code == 200, url
        rows.append({"what": what, **common.timings(lambda u=url, h=headers: client.get(u, headers=h), args.n,
                                                    warmup=1)})
    rows += pages(app, users["lead"], info["password"], info["campaign_id"], args.n)
    common.print_table(rows)


def pages(app, lead: str, password: str, campaign_id: int, n: int) -> list[dict]:
    """The lead's province pages as a browser gets them (issue 16: p95 ≤ 500 ms, lists ≤ 300 ms)."""
    browser = app.test_client()
    assert browser.post("/login", data={"username": lead, "password": password}).status_code == 302
    rows = []
    for what, url in (("page: district coverage (lead)", f"/districts/?campaign={campaign_id}"),
                      ("page: joint-visit-day grid (lead)", f"/events/joint-days?campaign={campaign_id}"),
                      ("page: referral lists (lead)", "/referrals/")):
        response = browser.get(url)
        assert response.status_code == 200, url
        rows.append({"what": what, "kb": round(len(response.data) / 1024),
                     **common.timings(lambda u=url: browser.get(u), n, warmup=1)})
    return rows


if __name__ == "__main__":
    main()
