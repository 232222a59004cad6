"""Builders shared by the visit tests: a valid visit payload for a world merchant."""
from __future__ import annotations

import uuid

import pytest

from crm.timeutil import local_now


def payload_for(world, merchant_key: str = "m_a1", **overrides) -> dict:
    body = {
        "client_id": str(uuid.uuid4()),
        "campaign_id": world.campaign.id,
        "merchant": {"credit_code": world.merchants[merchant_key].credit_code},
        "kind": "first",
        "visited_at": local_now().replace(microsecond=0).isoformat(),
        "location": {"lat": 36.19, "lng": 113.11, "accuracy_m": 12},
        "financing_need": {"has_need": True, "amount": 200000, "purpose": "进货周转"},
        "needs": [{"text": "想了解线上缴税"}],
        "notes": "老板在店",
    }
    body.update(overrides)
    return body


@pytest.fixture
def make_payload(world):
    return lambda merchant_key="m_a1", **overrides: payload_for(world, merchant_key, **overrides)


_TYPES = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float), "boolean": bool,
          "null": type(None)}
