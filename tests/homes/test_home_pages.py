"""Each role lands on its home, and the home shows what needs the user now."""
from __future__ import annotations

from datetime import timedelta

import pytest

from crm.extensions import db
from crm.referrals import operations
from crm.referrals.models import Referral
from crm.timeutil import local_today
from tests.factories import PASSWORD
from tests.referrals.helpers import make_list


def sign_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    client.get("/lang/en")
    return client, response.headers["Location"]


@pytest.mark.parametrize(("role", "home"), [("am_a1", "/visits/"), ("liaison_a1", "/home/liaison"),
                                             ("head_a", "/home/branch"), ("lead", "/reports/"), ("admin", "/admin/")])
def test_each_role_lands_on_its_home(app, world, role, home):
    client, location = sign_in(app, world.users[role])
    assert location.endswith(home)
    assert client.get(location).status_code == 200


def test_other_roles_cannot_open_a_home_that_is_not_theirs(app, world):
    client, _home = sign_in(app, world.users["am_a1"])
    assert client.get("/home/liaison").status_code == 404
    assert client.get("/home/branch").status_code == 404


def test_the_liaisons_home_shows_progress_and_overdue_names(app, world):
    referral_list = make_list(world, [world.merchants["m_a1"], world.merchants["m_a2"]])
    operations.auto_assign(referral_list, world.users["head_a"])
    late = Referral.query.filter_by(list_id=referral_list.id, merchant_id=world.merchants["m_a1"].id).one()
    late.deadline_on = local_today() - timedelta(days=3)
    db.session.commit()
    client, home = sign_in(app, world.users["liaison_a1"])
    page = client.get(home).get_data(as_text=True)
    assert referral_list.name in page
    overdue = page[page.index('data-home="overdue"'):page.index('data-home="month"')]
    assert "张三干洗店" in overdue and "李氏五金店" not in overdue  # a2's name is not late (nor a1's area)
    assert "Not planned yet" in page  # the pair's joint visit day this month


def test_the_branch_heads_home_assigns_a_list_by_rule_and_shows_loads(app, world):
    referral_list = make_list(world, [world.merchants["m_a1"], world.merchants["m_a2"]])
    client, home = sign_in(app, world.users["head_a"])
    page = client.get(home).get_data(as_text=True)
    assert f'data-list="{referral_list.id}"' in page and "2 names nobody has yet" in page
    assert referral_list.name in page[page.index('data-home="week"'):]  # handed over this week
    response = client.post(f"/referrals/{referral_list.id}/assign",
                           data={"mode": "rule", "rule": "load", "next": home})
    assert response.headers["Location"].endswith(home)
    page = client.get(home).get_data(as_text=True)
    assert "Every name handed to your branch has an account manager." in page
    loads = page[page.index('data-home="loads"'):page.index('data-home="week"')]
    for manager in ("am_a1", "am_a2"):
        row = loads[loads.index(f'data-manager="{world.users[manager].id}"'):]
        assert row.split("</tr>")[0].count('<td class="num">1</td>') == 1  # one open name each


def test_a_rule_that_does_not_exist_is_refused(app, world):
    referral_list = make_list(world, [world.merchants["m_a1"]])
    client, _home = sign_in(app, world.users["head_a"])
    assert client.post(f"/referrals/{referral_list.id}/assign", data={"mode": "rule", "rule": "x"}).status_code == 400
    assert Referral.query.filter_by(list_id=referral_list.id).one().status == "pending"
