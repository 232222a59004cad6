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


def _matches(value, spec: dict, schemas: dict, where: str) -> None:
    if "$ref" in spec:
        return _matches(value, schemas[spec["$ref"].rsplit("/", 1)[-1]], schemas, where)
    if "anyOf" in spec:
        problems = []
        for option in spec["anyOf"]:
            try:
                return _matches(value, option, schemas, where)
            except AssertionError as err:
                problems.append(str(err))
        raise AssertionError(f"{where}: {problems}")
    kinds = spec.get("type")
    if kinds:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        ok = any(isinstance(value, _TYPES[k]) and not (k in ("integer", "number") and isinstance(value, bool))
                 for k in kinds)
        assert ok, f"{where}: {value!r} is not {kinds}"
    if isinstance(value, dict):
        for key in spec.get("required", []):
            assert key in value, f"{where}: missing {key}"
        for key, sub in spec.get("properties", {}).items():
            if key in value:
                _matches(value[key], sub, schemas, f"{where}.{key}")
    if isinstance(value, list) and "items" in spec:
        for index, item in enumerate(value):
            _matches(item, spec["items"], schemas, f"{where}[{index}]")


def assert_documented(response, path: str, method: str) -> None:
    """The response's status and body are what /api/v1/openapi.json promises."""
    from crm.api.core import openapi_document

    doc = openapi_document()
    operation = doc["paths"][path][method]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method.upper()} {path} does not document {response.status_code}"
    _matches(response.get_json(), documented["content"]["application/json"]["schema"],
             doc["components"]["schemas"], f"{response.status_code}")
