"""/admin/audit: the read-only log, filtered by action, object type and user, for administrators only."""
import pytest

from crm import audit
from crm.extensions import db as _db
from tests.factories import PASSWORD


@pytest.fixture
def logged(world):
    """A few events: two sign-ins, a failed one, and a change to a merchant."""
    for who in ("lead", "am_a1"):
        audit.record("login", world.users[who], actor=world.users[who])
    audit.record("login_failed", world.users["am_b1"], summary="failure 1", actor=world.users["am_b1"])
    audit.record("update", world.merchants["m_a1"], summary="张三干洗店", actor=world.users["liaison_a1"],
                  changes={"tier": ["growth", "development"]})
    _db.session.commit()
    return world


@pytest.fixture
def admin_client(client, logged, login):
    login(logged.users["admin"])  # adds one more "login" event
    client.get("/lang/en")
    return client


def _rows(page: str) -> int:
    return page.split("<tbody>")[1].split("</tbody>")[0].count("<tr>")


def test_the_log_lists_every_event_newest_first(admin_client):
    page = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert _rows(page) == 5
    assert page.index("admin-action-update") < page.index("admin-action-login_failed")
    assert "<del>Growth</del> → <ins>Development</ins>" in page  # the field's label and display values
    assert "growth" not in page


def test_history_lines_name_fields_and_people_not_codes_and_ids(client, world, login):
    """Read in Chinese: "assignee_id — → 73" reads "客户经理 — → (name)", a period reads as people say it."""
    manager = world.users["am_a1"]
    manager.display_name = "张晓明"
    audit.record("assign", world.merchants["m_a1"], actor=world.users["head_a"],
                 changes={"status": ["pending", "assigned"], "assignee_id": [None, manager.id],
                          "period": [None, "2026Q4"], "region": [None, world.towns[0].id]},
                 object_type="referrals", object_id=1)
    _db.session.commit()
    login(world.users["admin"])
    page = client.get("/admin/audit/?action=assign").get_data(as_text=True)
    for shown in ("<del>待分配</del> → <ins>已分配</ins>", "客户经理", "<ins>张晓明</ins>", "<ins>2026年第4季度</ins>",
                  f"<ins>{world.towns[0].name}</ins>"):
        assert shown in page
    for code in ("assignee_id", "pending", "2026Q4", f"<ins>{manager.id}</ins>"):
        assert code not in page


def test_summaries_recorded_in_english_read_in_chinese(client, world, login):
    """The log keeps fixed English phrases around a value; the page shows them in the reader's language."""
    for summary in ("unknown user ghost", "API token 数据仓库", "张晓明: password reset", "retry webhook delivery",
                    "retry 3 failed deliveries", "wrong password"):
        audit.record("update", object_type="users", summary=summary, actor=world.users["admin"])
    _db.session.commit()
    login(world.users["admin"])
    page = client.get("/admin/audit/").get_data(as_text=True)
    for shown in ("未知用户 ghost", "API 令牌 数据仓库", "张晓明：密码已重置", "重发Webhook 机器人消息", "重发 3 条失败消息"):
        assert shown in page
    for english in ("unknown user", "API token", "password reset", "retry", "wrong password"):
        assert english not in page


@pytest.mark.parametrize("query, rows", [("action=login", 3), ("action=login_failed", 1), ("object_type=merchants", 1),
                                          ("actor=am_a1", 1), ("actor=lead&action=login", 1), ("actor=nobody", 0)])
def test_filters(admin_client, query, rows):
    page = admin_client.get(f"/admin/audit/?{query}").get_data(as_text=True)
    assert _rows(page) == (rows or 1)  # an empty log shows one "no events" row
    assert ("No events match." in page) == (rows == 0)


def test_the_log_pages(admin_client, world, app):
    for n in range(30):
        audit.record("export", summary=f"export {n}", actor=world.users["lead"])
    _db.session.commit()
    first = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert _rows(first) == app.config["PAGE_SIZE"] and "Page 1 of 2" in first


def test_the_log_is_read_only_and_for_admins_only(admin_client, app, logged):
    assert admin_client.post("/admin/audit/").status_code == 405
    lead = app.test_client()
    lead.post("/login", data={"username": "lead", "password": PASSWORD})
    assert lead.get("/admin/audit/").status_code == 404
