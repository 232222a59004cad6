"""No number in a URL makes a 500: ids beyond any database integer are a 404 on every route (issue 14 #12).

The routes are read from the app's url_map, so a route added later is covered without editing this file.
"""
from __future__ import annotations

import re

import pytest

HUGE = (2**31, 2**63)  # beyond PostgreSQL integer, beyond SQLite's 64 bits
# Every whole-number query argument a page or the API reads.
INT_ARGS = ("campaign", "county", "region", "pair", "merchant", "page", "per_page", "campaign_id", "unread")
UNSAFE = {"HEAD", "OPTIONS"}


def _rules(app, with_int: bool):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        has_int = any(type(c).__name__ == "IdConverter" for c in rule._converters.values())
        if has_int == with_int:
            yield rule


def _path(rule, int_value, world) -> str:
    """The rule's URL with every id set to int_value (the drive's own id for campaign_id when given None)."""
    def fill(match):
        converter, name = match.group(1), match.group(2)
        if converter == "int":
            return str(int_value if int_value is not None else (world.campaign.id if "campaign" in name else 1))
        return "x"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


def test_every_route_with_an_id_answers_404_to_an_id_beyond_any_row(app, world, login):
    client = login(world.users["admin"])
    rules = list(_rules(app, with_int=True))
    assert len(rules) > 40  # the whole app, HTML and API
    failures = []
    for rule in rules:
        for method in sorted(rule.methods - UNSAFE):
            for value in HUGE:
                path = _path(rule, value, world)
                status = client.open(path, method=method).status_code
                if status != 404:
                    failures.append(f"{method} {path} -> {status}")
    assert not failures, "\n".join(failures)


def test_a_huge_number_in_any_query_argument_is_refused_not_a_server_error(app, world, login):
    client = login(world.users["admin"])
    huge = {name: str(2**63) for name in INT_ARGS}
    # Twice per route: every number huge, then the drive real so that pages reach their other arguments.
    drive = {"campaign": world.campaign.id, "campaign_id": world.campaign.id}
    failures = []
    for rule in [*_rules(app, with_int=False), *_rules(app, with_int=True)]:
        if "GET" not in rule.methods or rule.endpoint in ("auth.logout",):
            continue
        path = _path(rule, None, world)
        for args in (huge, {**huge, **drive}):
            response = client.get(path, query_string=args)
            if response.status_code >= 500:
                failures.append(f"GET {path}?{args} -> {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", ["/merchants/?county={n}", "/events/?campaign={n}", "/merchants/?page={n}"])
def test_a_page_asked_for_a_drive_place_or_page_beyond_any_id_answers_not_found_in_chinese(world, login, path):
    response = login(world.users["admin"]).get(path.format(n=2**63))
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/api/v1/merchants?county={n}", "/api/v1/merchants?page={n}", "/api/v1/campaigns/{c}/events?pair={n}",
    "/api/v1/campaigns/{c}/districts?county={n}", "/api/v1/merchants/x/products?campaign_id={n}",
])
def test_the_api_refuses_a_query_number_beyond_any_id_with_a_field_error(world, api, path):
    response = api(world.users["admin"]).get(path.format(n=2**63, c=world.campaign.id))
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert body["code"] == "invalid" and body["fields"]
