from datetime import timedelta

from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.timeutil import freeze, utcnow
from tests.factories import PASSWORD


def _post_login(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


def test_sign_in_lands_on_the_home_page_and_is_audited(client, world, db):
    response = _post_login(client, "lead", PASSWORD)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == world.users["lead"].id))
    assert "login" in list(actions)


def test_wrong_password_is_refused_with_a_message(client, world):
    response = _post_login(client, "lead", "nope")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True) or "Wrong username" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_five_failures_lock_the_account_for_fifteen_minutes(client, world, db):
    start = utcnow()
    with freeze(start):
        for _ in range(5):
            _post_login(client, "am_a1", "wrong-password")
        # The right password is refused while the lock holds.
        assert _post_login(client, "am_a1", PASSWORD).status_code == 200
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == world.users["am_a1"].id)))
    assert actions.count("login_failed") == 6 and actions.count("lockout") == 1
    with freeze(start + timedelta(minutes=14)):
        assert _post_login(client, "am_a1", PASSWORD).status_code == 200
    with freeze(start + timedelta(minutes=16)):
        assert _post_login(client, "am_a1", PASSWORD).status_code == 302


def test_idle_session_is_signed_out(client, world, login):
    start = utcnow()
    with freeze(start):
        login(world.users["lead"])
        assert client.get("/account").status_code == 200
    with freeze(start + timedelta(minutes=31)):
        response = client.get("/account")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_successful_sign_in_resets_the_failure_count(client, world, db):
    for _ in range(4):
        _post_login(client, "am_a2", "wrong-password")
    assert _post_login(client, "am_a2", PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(4):
        _post_login(client, "am_a2", "wrong-password")
    assert _post_login(client, "am_a2", PASSWORD).status_code == 302  # four more failures: still not locked


def test_an_inactive_user_cannot_sign_in_even_with_the_right_password(client, world, db):
    world.users["am_b1"].active = False
    db.session.commit()
    assert _post_login(client, "am_b1", PASSWORD).status_code == 200
    assert client.get("/account").status_code == 302


def test_unknown_users_fail_like_wrong_passwords_and_are_audited(client, world, db):
    response = _post_login(client, "ghost", "whatever")
    assert response.status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login_failed"))
    assert event.actor_id is None and "ghost" in event.summary
