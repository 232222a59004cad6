"""Merchant search: a phone number finds a merchant only for those who see that number whole, so trying
prefixes cannot read a masked number digit by digit."""
from __future__ import annotations

import pytest


def _found(api, user, q: str) -> list[str]:
    response = api(user).get("/api/v1/merchants", query_string={"q": q})
    assert response.status_code == 200
    return [item["name"] for item in response.get_json()["items"]]


@pytest.mark.parametrize("role, calls", [("am_a1", True), ("liaison_a1", True), ("head_a", False), ("lead", False)])
def test_a_phone_prefix_finds_only_merchants_the_user_calls(world, api, role, calls):
    user, phone = world.users[role], world.merchants["m_a1"].operator_phone
    assert _found(api, user, "张三干洗店") == ["张三干洗店"]  # every one of them sees the merchant
    assert _found(api, user, phone[:7]) == (["张三干洗店"] if calls else [])
