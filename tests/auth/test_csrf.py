"""CSRF: with protection on (as in production), a form posted without its token is refused and changes nothing."""
import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.auth.models import ApiToken
from crm.people.models import User
from tests.factories import PASSWORD


@pytest.fixture
def csrf_on(app):
    previous = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = previous


def _token_from(page: str) -> str:
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_sign_in_without_the_token_is_refused(client, world, db, csrf_on):
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    response = client.post("/login", data={"username": "lead", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/account").status_code == 302  # not signed in
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert db.session.get(User, world.users["lead"].id).last_login_at is None


def test_sign_in_with_the_token_works(client, world, csrf_on):
    token = _token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "lead", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def _signed_in(client) -> None:
    token = _token_from(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}
                       ).status_code == 302


@pytest.mark.parametrize("url, data", [
    ("/account/tokens", {"name": "stolen"}),
    ("/admin/users/new", {"username": "intruder", "display_name": "x", "roles": ["admin"], "password": "Str0ng-pass"}),
    ("/logout", {}),
])
def test_forms_of_a_signed_in_user_need_the_token(client, world, db, csrf_on, url, data):
    _signed_in(client)
    if url == "/admin/users/new":
        data = {**data, "organization_id": world.orgs["bureau"].id}
    assert client.post(url, data=data).status_code == 400
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0
    assert db.session.scalar(select(User).where(User.username == "intruder")) is None
    assert client.get("/account").status_code == 200  # the sign-out was refused too


def test_a_deactivation_without_the_token_is_refused(client, world, db, csrf_on):
    _signed_in(client)
    target = world.users["am_b1"]
    assert client.post(f"/admin/users/{target.id}/remove").status_code == 400
    db.session.expire_all()
    assert db.session.get(User, target.id).active is True
