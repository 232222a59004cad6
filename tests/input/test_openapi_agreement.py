"""The OpenAPI document says what the server accepts (issue 14 #15): what the schema allows the server
takes, what the server refuses the schema forbids, and a body that is not JSON is a documented 400."""
from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from crm.api.core import openapi_document


def _validator(name: str) -> Draft202012Validator:
    document = openapi_document()
    return Draft202012Validator({**document["components"]["schemas"][name],
                                 "components": document["components"]},
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def _parameter(path: str, method: str, name: str) -> dict:
    operation = openapi_document()["paths"][path][method]
    return next(p for p in operation["parameters"] if p["name"] == name)


@pytest.mark.parametrize("client_id", ["", "   "])
def test_an_empty_client_id_is_refused_by_the_schema_and_by_the_server(world, api, client_id):
    from tests.visits.conftest import payload_for

    body = payload_for(world, client_id=client_id)
    assert not _validator("VisitInput").is_valid(body)
    response = api(world.users["am_a1"]).post("/api/v1/visits", json=body)
    assert response.status_code == 422 and "client_id" in response.get_json()["error"]["fields"]


def test_a_negative_or_huge_county_is_refused_by_the_server(world, api):
    # A county is named by its id, its administrative code or its exact name (issue 20): text, not a number.
    assert _parameter("/api/v1/merchants", "get", "county")["schema"]["type"] == "string"
    client = api(world.users["admin"])
    for value in ("-1", str(2**31)):
        assert client.get("/api/v1/merchants", query_string={"county": value}).status_code == 422
    for value in ("0", str(2**63)):  # no region has these ids
        assert client.get("/api/v1/merchants", query_string={"county": value}).status_code == 422
    assert client.get("/api/v1/merchants", query_string={"county": str(world.counties[0].id)}).status_code == 200


def test_every_id_in_a_path_is_bounded_like_the_server(app):
    for path, operations in openapi_document()["paths"].items():
        for operation in operations.values():
            for parameter in operation["parameters"]:
                if parameter["in"] == "path" and parameter["schema"]["type"] == "integer":
                    assert parameter["schema"]["maximum"] == 2**31 - 1, path
                    assert "404" in operation["responses"], path


def test_a_body_that_is_not_json_is_a_documented_400_in_the_users_language(world, api):
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                assert "400" in operation["responses"], f"{method} {path}"
    client = api(world.users["am_a1"])
    for body, kind in ((b"client_id=1", "application/x-www-form-urlencoded"), (b"{not json", "application/json"),
                       (b"[1, 2]", "application/json")):
        response = client.post("/api/v1/visits", data=body, content_type=kind)
        assert response.status_code == 400
        assert response.get_json()["error"]["message"] == "请求内容必须是 JSON 对象。"
