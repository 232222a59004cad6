"""The OpenAPI document stays true: every /api/v1 route is documented, and responses match their schemas."""
import re

import pytest
from jsonschema import Draft202012Validator

from crm.api.core import openapi_document
from tests.api.openapi_check import assert_matches

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _documented_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _api_rules(app):
    return [r for r in app.url_map.iter_rules()
            if r.rule.startswith("/api/v1") and r.rule != "/api/v1/openapi.json"]


def test_every_api_route_is_documented_for_each_method(app):
    paths = openapi_document()["paths"]
    missing = [f"{method} {rule.rule}" for rule in _api_rules(app) for method in sorted(rule.methods - IGNORED_METHODS)
               if method.lower() not in paths.get(_documented_path(rule.rule), {})]
    assert not missing, "routes without an OpenAPI operation (register them with @route): " + ", ".join(missing)


def test_every_documented_operation_is_a_route(app):
    routes = {(_documented_path(r.rule), m.lower()) for r in _api_rules(app) for m in r.methods - IGNORED_METHODS}
    documented = {(path, method) for path, ops in openapi_document()["paths"].items() for method in ops}
    assert documented <= routes, documented - routes


def test_the_document_is_served_and_well_formed(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200  # public: a client reads it before it has a token
    document = response.get_json()
    assert document["openapi"].startswith("3.1") and document["paths"]
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"], f"{method} {path} documents no response"
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert "{" + parameter["name"] + "}" in path


def test_operation_ids_are_unique(client):
    document = client.get("/api/v1/openapi.json").get_json()
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


# ---- the foundation's endpoints against their documented shapes --------------------------------

def test_me(world, api):
    response = api(world.users["am_a1"]).get("/api/v1/me")
    assert response.status_code == 200
    assert_matches(response, "GET", "/api/v1/me")
    body = response.get_json()
    assert body["roles"] == ["account_manager"] and body["organization"]["name"] == "邮储银行长子县支行"
    assert [p["region"]["name"] for p in body["pairs"]] == ["丹朱镇"]


def test_me_without_a_token(client, world):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert_matches(response, "GET", "/api/v1/me")


def test_campaigns(world, api):
    response = api(world.users["lead"]).get("/api/v1/campaigns")
    assert response.status_code == 200
    assert_matches(response, "GET", "/api/v1/campaigns")
    [drive] = response.get_json()["items"]
    assert drive["rules"]["district_household_threshold"] == 100
    assert drive["rules"]["district_coverage_ratio"] == 0.2
    assert drive["rules"]["tier_caps"]["growth"] == 200000


def test_merchants_list_and_filters(world, api):
    client = api(world.users["lead"])
    response = client.get(f"/api/v1/merchants?county={world.counties[0].id}&per_page=1")
    assert response.status_code == 200
    assert_matches(response, "GET", "/api/v1/merchants")
    body = response.get_json()
    assert body["total"] == 2 and len(body["items"]) == 1 and body["per_page"] == 1
    assert client.get("/api/v1/merchants?q=zsgx").get_json()["items"][0]["name"] == "张三干洗店"


@pytest.mark.parametrize("query", ["county=abc", "page=x", "per_page=many"])
def test_merchants_list_refuses_bad_parameters_with_422(world, api, query):
    response = api(world.users["lead"]).get(f"/api/v1/merchants?{query}")
    assert response.status_code == 422
    assert_matches(response, "GET", "/api/v1/merchants")
    assert response.get_json()["error"]["fields"]


def test_merchant_detail_200_and_404(world, api):
    client = api(world.users["am_a1"])
    mine, not_mine = world.merchants["m_a1"], world.merchants["m_b1"]
    found = client.get(f"/api/v1/merchants/{mine.credit_code.lower()}")
    assert found.status_code == 200 and found.get_json()["credit_code"] == mine.credit_code
    assert_matches(found, "GET", "/api/v1/merchants/{credit_code}")
    hidden = client.get(f"/api/v1/merchants/{not_mine.credit_code}")
    assert hidden.status_code == 404
    assert_matches(hidden, "GET", "/api/v1/merchants/{credit_code}")


def test_merchant_detail_without_a_token(client, world):
    response = client.get(f"/api/v1/merchants/{world.merchants['m_a1'].credit_code}")
    assert response.status_code == 401
    assert_matches(response, "GET", "/api/v1/merchants/{credit_code}")


# ---- the checker itself must be able to fail ------------------------------------------------------

class _Fake:
    def __init__(self, status, body):
        self.status_code, self._body = status, body

    def get_json(self, silent=False):
        return self._body

    def get_data(self):
        return b"{}" if self._body is not None else b""


def test_the_checker_fails_on_an_undocumented_status():
    with pytest.raises(AssertionError, match="not documented"):
        assert_matches(_Fake(418, {}), "GET", "/api/v1/me")


def test_the_checker_fails_on_an_undocumented_path():
    with pytest.raises(AssertionError, match="not in the OpenAPI document"):
        assert_matches(_Fake(200, {}), "GET", "/api/v1/nowhere")


def test_the_checker_fails_on_a_wrong_shape_inside_a_referenced_schema():
    me = {"id": 1, "username": "u", "display_name": "U", "roles": ["lead"],
          "organization": {"id": 1, "name": "o", "kind": "bank", "parent_id": None},
          "pairs": [{"id": 1, "name": "p", "campaign_id": "not a number", "region": {"id": 1, "name": "r"},
                     "liaison": {"id": 1, "name": "l"}, "account_manager": {"id": 2, "name": "a"}}]}
    with pytest.raises(AssertionError, match="campaign_id"):
        assert_matches(_Fake(200, me), "GET", "/api/v1/me")
    del me["pairs"][0]["campaign_id"]
    with pytest.raises(AssertionError, match="campaign_id"):
        assert_matches(_Fake(200, me), "GET", "/api/v1/me")
