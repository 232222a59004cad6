"""`crm users create` and `crm tokens create`, run through Flask's CLI runner."""
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.models import ApiToken
from crm.auth.passwords import verify_password
from crm.people.models import User


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["crm", *args])


def test_users_create_makes_an_audited_user_with_roles(app, world, db):
    org = world.orgs["office_b1"]
    result = _run(app, "users", "create", "liaison_b2", "--name", "赵六", "--role", "liaison", "--role", "lead",
                  "--org", str(org.id), "--password", "Str0ng-pass")
    assert result.exit_code == 0, result.output
    assert "Created user liaison_b2" in result.output
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == "liaison_b2"))
    assert user.display_name == "赵六" and user.roles == ["lead", "liaison"] and user.organization_id == org.id
    assert verify_password(user.password_hash, "Str0ng-pass")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "create",
                                                       AuditEvent.object_id == str(user.id)))
    assert event.object_type == "users" and event.actor_id is None


def test_users_create_refuses_a_weak_password_a_taken_name_and_a_missing_organization(app, world, db):
    org = str(world.orgs["office_b1"].id)
    for args in (["weakling", "--role", "liaison", "--org", org, "--password", "password"],
                 ["am_a1", "--role", "liaison", "--org", org, "--password", "Str0ng-pass"],
                 ["nobody", "--role", "liaison", "--org", "99999", "--password", "Str0ng-pass"],
                 ["boss", "--role", "emperor", "--org", org, "--password", "Str0ng-pass"]):
        result = _run(app, "users", "create", *args)
        assert result.exit_code != 0, args
    db.session.expire_all()
    names = set(db.session.scalars(select(User.username)))
    assert not names & {"weakling", "nobody", "boss"} and len(names) == 10


def test_users_create_asks_for_the_password_when_not_given(app, world, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "users", "create", "prompted", "--role", "admin",
                                 "--org", str(world.orgs["bureau"].id)], input="Str0ng-pass\nStr0ng-pass\n")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.username == "prompted")).roles == ["admin"]


def test_tokens_create_prints_a_working_token_once(app, world, db):
    result = _run(app, "tokens", "create", "am_a1", "--name", "script")
    assert result.exit_code == 0, result.output
    plain = result.output.strip()
    token = db.session.scalar(select(ApiToken))
    assert token.name == "script" and token.token_hash != plain
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    assert client.get("/api/v1/me").get_json()["username"] == "am_a1"


def test_tokens_create_for_an_unknown_user_fails(app, world, db):
    result = _run(app, "tokens", "create", "ghost")
    assert result.exit_code != 0 and "ghost" in result.output
    assert db.session.scalar(select(ApiToken)) is None
