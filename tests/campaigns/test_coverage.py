"""The business-district rule (100 households or 20%) at its edges, the coverage page and the API."""
from __future__ import annotations

import itertools
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from crm.campaigns.coverage import district_meets_rule, district_rows, visits_needed, walk_list
from crm.timeutil import utcnow
from crm.visits.models import Visit
from tests import factories

_ids = itertools.count(1)


@pytest.mark.parametrize("visited, households, meets", [
    (99, 1_000_000, False), (100, 1_000_000, True),  # the threshold, whatever the households
    (199, 1000, True), (99, 1000, False),  # 19.9% of 1000 is past the threshold anyway
    (19, 99, False), (20, 99, True),  # ceil(0.2 × 99) = 20
    (0, None, False), (100, None, True),  # unknown households: only the threshold counts
])
def test_rule_at_its_edges(visited, households, meets):
    assert district_meets_rule(visited, households, 100, Decimal("0.2")) is meets


def test_twenty_percent_edge_below_the_threshold():
    # 400 households: 20% is 80 visits, nearer than the threshold of 100.
    assert not district_meets_rule(79, 400, 100, Decimal("0.2"))
    assert district_meets_rule(80, 400, 100, Decimal("0.2"))
    assert visits_needed(79, 400, 100, Decimal("0.2")) == 1
    # 19.9% vs 20% of 1000 households where only the ratio can be met: exact decimals, no float drift.
    assert not district_meets_rule(199, 1000, 10_000, Decimal("0.2"))
    assert district_meets_rule(200, 1000, 10_000, Decimal("0.2"))
    assert district_meets_rule(200, 1000, 10_000, 0.2)
    assert visits_needed(199, 1000, 10_000, Decimal("0.2")) == 1


def test_visits_needed_takes_the_nearer_target():
    assert visits_needed(99, 1_000_000, 100, Decimal("0.2")) == 1
    assert visits_needed(150, 1000, 100, Decimal("0.2")) == 0
    assert visits_needed(10, 1000, 100, Decimal("0.2")) == 90
    assert visits_needed(10, 60, 100, Decimal("0.2")) == 2
    assert visits_needed(10, None, 100, Decimal("0.2")) == 90
    assert visits_needed(150, 60, 100, "0.2") == 0


def visit(world, merchant, author, days_ago=1):
    moment = utcnow() - timedelta(days=days_ago)
    v = Visit(client_id=f"c{next(_ids)}", body_hash="x", campaign_id=world.campaign.id, merchant_id=merchant.id,
              author_id=author.id, kind="first", visited_at=moment, visited_on=moment.date())
    factories.db.session.add(v)
    return v


def test_rows_count_unique_merchants_and_scope(world, db):
    d_a1 = world.districts[0]
    d_a1.households = 10  # 20% is 2 merchants
    second = factories.merchant("二号店", d_a1, address="府前街2号")
    visit(world, world.merchants["m_a1"], world.users["am_a1"])
    visit(world, world.merchants["m_a1"], world.users["am_a1"], days_ago=2)  # same merchant twice counts once
    db.session.commit()
    rows = {r.id: r for r in district_rows(world.campaign, world.users["lead"])}
    assert len(rows) == 3
    assert rows[d_a1.id].merchants_visited == 1 and not rows[d_a1.id].meets_rule
    assert rows[d_a1.id].visits_needed == 1
    visit(world, second, world.users["am_a1"])
    db.session.commit()
    row = district_rows(world.campaign, world.users["lead"], district_id=d_a1.id)[0]
    assert row.meets_rule and row.visits_needed == 0 and row.coverage == Decimal("0.2")
    # An account manager sees only the districts of their own pair.
    assert [r.id for r in district_rows(world.campaign, world.users["am_b1"])] == [world.districts[2].id]


def test_walk_list_is_in_natural_address_order(world, db):
    d = world.districts[0]
    for address in ("府前街10号", "府前街2号", None, "府前街1号"):
        factories.merchant(f"店{address}", d, address=address)
    visit(world, world.merchants["m_a1"], world.users["am_a1"])  # 府前街12号, visited: not on the list
    db.session.commit()
    addresses = [m.address for m in walk_list(world.campaign, d, world.users["am_a1"])]
    assert addresses == ["府前街1号", "府前街2号", "府前街10号", None]


def test_pages_and_api(world, db, login, api):
    client = login(world.users["lead"])
    client.get("/lang/en")
    page = client.get(f"/districts/?campaign={world.campaign.id}")
    assert page.status_code == 200 and "丹朱商圈" in page.get_data(as_text=True)
    detail = client.get(f"/districts/{world.districts[0].id}?campaign={world.campaign.id}")
    assert "more merchants to visit" in detail.get_data(as_text=True)
    body = api(world.users["lead"]).get(
        f"/api/v1/campaigns/{world.campaign.id}/districts?county={world.counties[0].id}").get_json()
    assert {r["name"] for r in body["items"]} == {"丹朱商圈", "鲍店市场"}
    row = next(r for r in body["items"] if r["name"] == "丹朱商圈")
    assert row["households"] == 120 and row["merchants_visited"] == 0 and row["visits_needed"] == 24
    assert api(world.users["lead"]).get(f"/api/v1/campaigns/{world.campaign.id}/districts?county=x").status_code == 422
    assert api(world.users["lead"]).get("/api/v1/campaigns/999/districts").status_code == 404
    # A district outside the account manager's pair is a 404.
    other = login(world.users["am_b1"]).get(f"/districts/{world.districts[0].id}")
    assert other.status_code == 404


def test_many_districts_are_summarised_by_county(world, db, login, monkeypatch):
    from crm.districts import views

    monkeypatch.setattr(views, "MAX_ROWS", 2)
    client = login(world.users["lead"])
    client.get("/lang/en")
    page = client.get(f"/districts/?campaign={world.campaign.id}").get_data(as_text=True)
    assert "Choose a county" in page and "丹朱商圈" not in page
    county = client.get(f"/districts/?campaign={world.campaign.id}&county={world.counties[0].id}")
    assert "丹朱商圈" in county.get_data(as_text=True)


def test_the_coverage_table_counts_a_visit_at_once_for_leads_and_field_staff(world, db, login):
    def visited_shown(user):
        client = login(user)
        client.get("/lang/en")
        page = client.get(f"/districts/?campaign={world.campaign.id}").get_data(as_text=True)
        return int(re.search(r"<b>(\d+)</b><span>Merchants visited</span>", page).group(1))

    assert visited_shown(world.users["lead"]) == 0
    visit(world, world.merchants["m_a1"], world.users["am_a1"])
    db.session.commit()
    assert visited_shown(world.users["lead"]) == 1  # read from the figures' ledger, live
    assert visited_shown(world.users["am_a1"]) == 1
