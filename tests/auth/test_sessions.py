"""Ending sessions: signing out, a new password, a lost role or deactivation end every session of the user
at once, a copied cookie included; a deactivated user's API tokens stop working."""
import pytest

from tests.factories import PASSWORD


def _copy_session(app, client):
    """A second browser holding a copy of the client's session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_signing_out_ends_a_copied_session_too(app, client, world, login):
    login(world.users["am_a1"])
    thief = _copy_session(app, client)
    assert _signed_in(thief)
    client.post("/logout")
    assert not _signed_in(thief)
    assert not _signed_in(client)


def test_signing_out_ends_the_users_sessions_in_other_browsers(app, world, login):
    phone, laptop = app.test_client(), app.test_client()
    for browser in (phone, laptop):
        assert browser.post("/login", data={"username": "am_a1", "password": PASSWORD}).status_code == 302
    laptop.post("/logout")
    assert not _signed_in(phone)
    assert phone.post("/login", data={"username": "am_a1", "password": PASSWORD}).status_code == 302
    assert _signed_in(phone)


def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(app, client, world, login):
    login(world.users["am_a1"])
    thief = _copy_session(app, client)
    other = app.test_client()
    other.post("/login", data={"username": "am_a1", "password": PASSWORD})
    new = "Lantern-Tiger-93"
    assert client.post("/account/password", data={"current": PASSWORD, "new": new, "repeat": new}).status_code == 302
    assert _signed_in(client)
    assert not _signed_in(thief) and not _signed_in(other)


@pytest.mark.parametrize("change", [
    {"roles": ["branch_head"]},  # account_manager lost
    {"active": ""},  # deactivated (an unticked box)
    {"password": "Lantern-Tiger-93"},  # reset by the admin
])
def test_an_admin_taking_access_away_ends_the_users_sessions(app, world, login, change):
    user_browser = app.test_client()
    user_browser.post("/login", data={"username": "am_a2", "password": PASSWORD})
    assert _signed_in(user_browser)
    admin = login(world.users["admin"])
    user = world.users["am_a2"]
    form = {"username": "am_a2", "display_name": user.display_name, "organization_id": user.organization_id,
            "roles": ["account_manager"], "phone": "", "email": "", "active": "y", "password": "", **change}
    assert admin.post(f"/admin/users/{user.id}/edit", data=form).status_code == 302
    assert not _signed_in(user_browser)


def test_an_admin_editing_a_name_ends_no_session(app, world, login):
    user_browser = app.test_client()
    user_browser.post("/login", data={"username": "am_a2", "password": PASSWORD})
    admin = login(world.users["admin"])
    user = world.users["am_a2"]
    form = {"username": "am_a2", "display_name": "王五", "organization_id": user.organization_id,
            "roles": ["account_manager"], "phone": "", "email": "", "active": "y", "password": ""}
    assert admin.post(f"/admin/users/{user.id}/edit", data=form).status_code == 302
    assert _signed_in(user_browser)


def test_a_deactivated_users_api_token_stops_working(world, api, login):
    token_client = api(world.users["am_a2"])
    assert token_client.get("/api/v1/me").status_code == 200
    admin = login(world.users["admin"])
    assert admin.post(f"/admin/users/{world.users['am_a2'].id}/remove").status_code == 302
    assert token_client.get("/api/v1/me").status_code == 401
