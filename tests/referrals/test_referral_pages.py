"""Each role's view of the referral pages, the build-assign-work loop in the UI, and the export."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from crm.audit.models import AuditEvent
from crm.extensions import db
from crm.referrals import operations
from crm.referrals.models import ReferralList
from tests import factories
from tests.referrals.helpers import item, make_list


@pytest.fixture
def as_user(app):
    """as_user(user) → a fresh client signed in as that user, reading English pages."""

    def sign_in(user):
        client = app.test_client()
        response = client.post("/login", data={"username": user.username, "password": factories.PASSWORD})
        assert response.status_code == 302
        client.get("/lang/en")
        return client

    return sign_in


def test_liaison_builds_previews_creates_and_hands_over(world, as_user):
    client = as_user(world.users["admin"])
    form = {"campaign_id": world.campaign.id, "county_id": world.counties[0].id, "not_listed": "y",
            "name": "长子县第一批", "bank_org_id": world.orgs["branch_a"].id}
    page = client.post("/referrals/new", data={**form, "action": "preview"}).get_data(as_text=True)
    assert "2 merchants match" in page and "张三干洗店" in page
    response = client.post("/referrals/new", data={**form, "action": "create"})
    assert response.status_code == 302
    referral_list = ReferralList.query.one()
    assert referral_list.criteria["county_id"] == world.counties[0].id
    assert client.post(f"/referrals/{referral_list.id}/hand-over").status_code == 302
    assert db.session.get(ReferralList, referral_list.id).handed_over_at is not None


def test_build_from_pasted_codes_reports_rejections(world, as_user):
    client = as_user(world.users["liaison_a1"])
    codes = f"{world.merchants['m_a1'].credit_code}\n{world.merchants['m_b1'].credit_code}"
    page = client.post("/referrals/new", data={"campaign_id": world.campaign.id, "codes": codes,
                                               "action": "preview"}).get_data(as_text=True)
    assert "1 of the codes can go on the list" in page and "outside your area" in page and "张三干洗店" in page


def test_each_role_sees_what_it_should(world, as_user):
    referral_list = make_list(world, [world.merchants["m_a1"], world.merchants["m_a2"]], handed=False)
    url = f"/referrals/{referral_list.id}"
    assert as_user(world.users["liaison_a1"]).get(url).status_code == 200
    assert as_user(world.users["liaison_b1"]).get(url).status_code == 404
    assert as_user(world.users["head_a"]).get(url).status_code == 404  # not handed over yet
    operations.hand_over(referral_list, world.users["liaison_a1"])
    db.session.commit()
    head = as_user(world.users["head_a"])
    assert "By pair: the account manager paired with the town" in head.get(url).get_data(as_text=True)
    assert as_user(world.users["head_b"]).get(url).status_code == 404
    assert as_user(world.users["lead"]).get(url).status_code == 200
    assert as_user(world.users["am_a1"]).get(url).status_code == 404  # nothing assigned to them yet
    head.post(f"{url}/assign", data={"mode": "rule", "rule": "pair"})
    am_page = as_user(world.users["am_a1"]).get(url).get_data(as_text=True)
    assert "张三干洗店" in am_page and "李氏五金店" not in am_page  # only their own items
    lists_page = as_user(world.users["liaison_b1"]).get("/referrals/").get_data(as_text=True)
    assert referral_list.name not in lists_page


def test_phones_whole_only_for_the_pair_who_calls(world, as_user):
    referral_list = make_list(world, [world.merchants["m_a1"]])
    operations.auto_assign(referral_list, world.users["head_a"])
    db.session.commit()
    phone = world.merchants["m_a1"].operator_phone
    masked = phone[:3] + "****" + phone[-4:]
    url = f"/referrals/{referral_list.id}"
    for name, whole in (("liaison_a1", True), ("lead", False), ("head_a", False), ("am_a1", True), ("admin", False)):
        page = as_user(world.users[name]).get(url).get_data(as_text=True)
        assert (phone in page) is whole and (masked in page) is not whole, name


def test_account_manager_works_an_item_and_illegal_moves_are_refused(world, as_user):
    referral_list = make_list(world, [world.merchants["m_a1"]])
    operations.auto_assign(referral_list, world.users["head_a"])
    db.session.commit()
    referral = item(referral_list, world.merchants["m_a1"])
    client = as_user(world.users["am_a1"])
    client.post(f"/referrals/items/{referral.id}/status", data={"status": "visited"})
    db.session.refresh(referral)
    assert referral.status == "visited"
    page = client.post(f"/referrals/items/{referral.id}/status", data={"status": "contacted"},
                       follow_redirects=True).get_data(as_text=True)
    assert "forward only" in page
    db.session.refresh(referral)
    assert referral.status == "visited"
    assert as_user(world.users["am_a2"]).post(f"/referrals/items/{referral.id}/status",
                                              data={"status": "applied"}).status_code == 404


def test_branch_head_assigns_by_town_and_reassigns(world, as_user):
    referral_list = make_list(world, [world.merchants["m_a1"], world.merchants["m_a2"]])
    head = as_user(world.users["head_a"])
    head.post(f"/referrals/{referral_list.id}/assign",
              data={"town_id": world.towns[1].id, "assignee_id": world.users["am_a1"].id})
    first, second = item(referral_list, world.merchants["m_a1"]), item(referral_list, world.merchants["m_a2"])
    assert (first.status, second.assignee_id) == ("pending", world.users["am_a1"].id)
    head.post(f"/referrals/items/{second.id}/assign", data={"assignee_id": world.users["am_a2"].id})
    db.session.refresh(second)
    assert second.assignee_id == world.users["am_a2"].id
    # someone outside the branch cannot be given the item
    assert head.post(f"/referrals/items/{second.id}/assign",
                     data={"assignee_id": world.users["am_b1"].id}).status_code == 404


def _export_rows(client, list_id):
    response = client.post(f"/referrals/{list_id}/export", follow_redirects=True)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    return list(workbook.worksheets[1].iter_rows(values_only=True))


def test_export_masks_phones_neutralises_formulas_and_is_audited(world, as_user):
    world.merchants["m_a1"].name = "=HYPERLINK(\"http://x\")"
    world.merchants["m_a1"].operator_name = "+86 张"
    db.session.commit()
    referral_list = make_list(world, [world.merchants["m_a1"]])
    phone = world.merchants["m_a1"].operator_phone
    rows = _export_rows(as_user(world.users["head_a"]), referral_list.id)
    assert rows[1][1] == "'=HYPERLINK(\"http://x\")"
    assert rows[1][2] == "'+86 张"
    assert rows[1][3] == phone[:3] + "****" + phone[-4:]
    liaison_rows = _export_rows(as_user(world.users["liaison_a1"]), referral_list.id)
    assert liaison_rows[1][3] == phone
    exports = AuditEvent.query.filter_by(action="export", object_type="referral_lists").all()
    assert [(e.actor_name, e.changes["full_phones"]) for e in exports] == [("head_a", 0), ("liaison_a1", 1)]


def test_export_summary_sheet_has_the_funnel(world, as_user):
    referral_list = make_list(world, [world.merchants["m_a1"]])
    response = as_user(world.users["lead"]).post(f"/referrals/{referral_list.id}/export", follow_redirects=True)
    summary = dict(load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True))
    assert summary["Not yet assigned"] == 1 and summary["Overdue"] == 0


def _row(page: str, referral) -> str:
    """The HTML of one item's row on the list page."""
    start = page.index(f'<tr data-referral="{referral.id}">')
    return page[start:page.index("</tr>", start)]


def _controls(row: str) -> set[str]:
    return set(re.findall(r'data-action="(\w+)"', row))


def test_each_row_offers_only_what_the_viewer_can_do_to_it_now(world, as_user):
    referral_list = make_list(world, [world.merchants["m_a1"], world.merchants["m_a2"]])
    first, second = item(referral_list, world.merchants["m_a1"]), item(referral_list, world.merchants["m_a2"])
    url = f"/referrals/{referral_list.id}"
    head = as_user(world.users["head_a"])
    row = _row(head.get(url).get_data(as_text=True), first)
    # never assigned: one compact control to assign, no reassigning, no status to set
    assert _controls(row) == {"assign"} and ">Assign</button>" in row and "Reassign" not in row
    head.post(f"/referrals/items/{first.id}/assign", data={"assignee_id": world.users["am_a1"].id})
    page = head.get(url).get_data(as_text=True)
    assert ">Reassign</button>" in _row(page, first) and _controls(_row(page, first)) == {"assign"}
    assert "Reassign" not in _row(page, second)

    am_page = as_user(world.users["am_a1"]).get(url).get_data(as_text=True)
    row = _row(am_page, first)
    # the account manager moves the status onward; the reason and note only in the closing control
    assert _controls(row) == {"status", "close"} and 'name="assignee_id"' not in row
    status_form = row[row.index('data-action="status"'):row.index('data-action="close"')]
    assert "closed_reason" not in status_form and ">Assigned<" not in status_form and ">Contacted<" in status_form
    assert 'name="closed_reason"' in row and "required" in row

    for name in ("liaison_a1", "lead"):
        assert _controls(_row(as_user(world.users[name]).get(url).get_data(as_text=True), first)) == set(), name

    operations.change_status(db.session.get(type(first), first.id), "closed", world.users["am_a1"],
                             closed_reason="declined")
    db.session.commit()
    for name in ("head_a", "am_a1"):  # a closed item offers nothing to anyone
        assert _controls(_row(as_user(world.users[name]).get(url).get_data(as_text=True), first)) == set(), name
