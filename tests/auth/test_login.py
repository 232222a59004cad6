import re
import time
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


def test_five_failures_lock_the_account_from_that_address_only(client, app, world, db):
    for _ in range(5):
        assert _post_login(client, "am_a1", "wrong-password").status_code == 200
    # The right password is refused while the lock holds, with the same answer an unknown name gets.
    locked = _post_login(client, "am_a1", PASSWORD)
    assert locked.status_code == 429 and client.get("/account").status_code == 302
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == world.users["am_a1"].id)))
    assert actions.count("login_failed") == 5
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "lockout")).summary == "am_a1"
    # Someone who mistyped five times cannot lock the owner out from another address.
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "10.20.30.40"
    assert owner.post("/login", data={"username": "am_a1", "password": PASSWORD}).status_code == 302


def test_an_unknown_user_is_answered_exactly_like_a_known_one(client, world):
    def answers(username):
        pages = [_post_login(client, username, "wrong-password") for _ in range(6)]
        return [(page.status_code, _flashes(page)) for page in pages]

    assert answers("am_a1") == answers("ghost")
    assert answers("ghost")[-1][0] == 429


def test_many_accounts_from_one_address_are_slowed_too(client, app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_LIMIT", "8 per 15 minutes")  # 20 by default
    for number in range(8):
        assert _post_login(client, f"guess{number}", "wrong-password").status_code == 200
    assert _post_login(client, "am_a2", PASSWORD).status_code == 429
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.20.30.41"
    assert elsewhere.post("/login", data={"username": "am_a2", "password": PASSWORD}).status_code == 302


def test_the_lock_ends_when_its_window_has_passed(client, app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT", "2 per 10 seconds")
    for _ in range(2):
        _post_login(client, "am_a1", "wrong-password")
    counted = time.monotonic()  # both failures are counted by now
    assert _post_login(client, "am_a1", PASSWORD).status_code == 429
    time.sleep(max(0.0, counted + 10.2 - time.monotonic()))  # the limiter keeps its own (real) clock
    assert _post_login(client, "am_a1", PASSWORD).status_code == 302


def _flashes(response) -> list[str]:
    return re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', response.get_data(as_text=True))


def test_idle_session_is_signed_out(client, world, login):
    start = utcnow()
    with freeze(start):
        login(world.users["lead"])
        assert client.get("/account").status_code == 200
    with freeze(start + timedelta(minutes=31)):
        response = client.get("/account")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_successful_sign_ins_are_not_counted_as_failures(client, world, db):
    for _ in range(4):
        _post_login(client, "am_a2", "wrong-password")
    assert _post_login(client, "am_a2", PASSWORD).status_code == 302  # successes are not counted
    client.post("/logout")
    assert _post_login(client, "am_a2", "wrong-password").status_code == 200
    assert _post_login(client, "am_a2", PASSWORD).status_code == 429  # the fifth failure locked it


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
