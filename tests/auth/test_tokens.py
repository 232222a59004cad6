"""API tokens: made on the account page, shown once, stored only as a hash, revocable by their owner only."""
import re

from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.models import ApiToken


def _create(client, name="bank core") -> str:
    page = client.post("/account/tokens", data={"name": name}).get_data(as_text=True)
    match = re.search(r"<code data-new-token>([^<]+)</code>", page)
    assert match, page[:2000]
    return match.group(1)


def _bearer(app, plain):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    return client


def test_a_token_is_shown_once_and_only_its_hash_is_stored(client, world, login, db, app):
    login(world.users["am_a1"])
    plain = _create(client)
    assert plain not in client.get("/account").get_data(as_text=True)
    token = db.session.scalar(select(ApiToken))
    assert token.user_id == world.users["am_a1"].id and token.name == "bank core"
    assert token.token_hash != plain and len(token.token_hash) == 64 and plain.startswith(token.prefix)
    stored = [repr([getattr(row, c.key) for c in row.__table__.columns])
              for row in [*db.session.scalars(select(ApiToken)), *db.session.scalars(select(AuditEvent))]]
    assert not any(plain in text for text in stored)
    me = _bearer(app, plain).get("/api/v1/me")
    assert me.status_code == 200 and me.get_json()["username"] == "am_a1"


def test_a_revoked_token_gets_401(client, world, login, db, app):
    login(world.users["am_a1"])
    plain = _create(client)
    token = db.session.scalar(select(ApiToken))
    assert _bearer(app, plain).get("/api/v1/me").status_code == 200
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    response = _bearer(app, plain).get("/api/v1/me")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "revoke")) is not None


def test_another_users_token_cannot_be_revoked(client, world, login, db, app, api):
    victim = api(world.users["am_b1"])  # a token of am_b1's, made through the fixture
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.users["am_b1"].id))
    login(world.users["am_a1"])
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert victim.get("/api/v1/me").status_code == 200


def test_a_token_of_a_deactivated_user_is_refused(world, db, api):
    client = api(world.users["am_b1"])
    world.users["am_b1"].active = False
    db.session.commit()
    assert client.get("/api/v1/me").status_code == 401


def test_a_made_up_token_is_refused(app, world):
    assert _bearer(app, "crm_not-a-real-token").get("/api/v1/me").status_code == 401
