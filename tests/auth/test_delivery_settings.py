from sqlalchemy import select

from crm.audit.models import AuditEvent


def test_a_user_sets_where_their_reminders_go(app, world, login, db, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", ["*.example.cn"])
    client = login(world.users["am_a1"])
    response = client.post("/account/delivery", data={"email": "am@example.cn",
                                                      "webhook_url": "https://robot.example.cn/send?key=1"})
    assert response.status_code == 302
    user = world.users["am_a1"]
    assert (user.email, user.webhook_url) == ("am@example.cn", "https://robot.example.cn/send?key=1")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.summary == "reminder delivery"))
    assert event.changes["email"] == [None, "am@example.cn"]


def test_a_bad_address_is_refused_and_changes_nothing(world, login):
    client = login(world.users["am_a1"])
    client.get("/lang/en")
    response = client.post("/account/delivery", data={"email": "not-an-address", "webhook_url": ""},
                           follow_redirects=True)
    assert "Enter an e-mail address." in response.get_data(as_text=True)
    assert world.users["am_a1"].email is None
