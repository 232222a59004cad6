"""The API answers in JSON, errors included: {"error": {"code", "message", "fields"}}."""


def _is_error(response, status, code):
    body = response.get_json()
    assert response.status_code == status and response.is_json
    assert set(body["error"]) == {"code", "message", "fields"} and body["error"]["code"] == code
    assert body["error"]["message"]


def test_an_unknown_api_path_is_a_json_404(client, world, api):
    _is_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    _is_error(api(world.users["lead"]).get("/api/v1/no-such-thing"), 404, "not_found")


def test_no_token_is_a_json_401(client, world):
    _is_error(client.get("/api/v1/me"), 401, "unauthorized")
    _is_error(client.get("/api/v1/campaigns"), 401, "unauthorized")


def test_a_wrong_method_is_a_json_405(world, api):
    _is_error(api(world.users["lead"]).post("/api/v1/me"), 405, "method_not_allowed")


def test_a_browser_session_also_works_on_the_api(client, world, login):
    login(world.users["lead"])
    assert client.get("/api/v1/me").get_json()["username"] == "lead"
