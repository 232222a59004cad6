"""The administration screens through HTTP: lists, search, paging, forms, deletion and who may do what."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.auth.passwords import verify_password
from crm.campaigns.models import Campaign, LiaisonPair
from crm.people.models import User
from crm.regions.models import Region
from tests.factories import PASSWORD, region, today


@pytest.fixture
def admin_client(client, world, login):
    login(world.users["admin"])
    client.get("/lang/en")
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# ---- the index and who may open it --------------------------------------------------------------

def test_the_index_shows_the_five_sections_with_counts_to_an_admin(admin_client):
    page = _text(admin_client.get("/admin/"))
    for name in ("campaigns", "pairs", "users", "organizations", "regions", "audit"):
        assert f'data-section="{name}"' in page
    assert '<span class="admin-count">10</span>' in page  # users
    assert '<span class="admin-count">9</span>' in page   # regions


def test_a_lead_sees_only_drives_and_pairs(client, world, login):
    login(world.users["lead"])
    page = _text(client.get("/admin/"))
    assert 'data-section="campaigns"' in page and 'data-section="pairs"' in page
    for name in ("users", "organizations", "regions", "audit"):
        assert f'data-section="{name}"' not in page
    for url in ("/admin/users/", "/admin/regions/", "/admin/organizations/", "/admin/audit/",
                "/admin/campaigns/new", "/admin/pairs/new", f"/admin/pairs/{world.pairs[0].id}/edit"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ["am_a1", "liaison_a1", "head_a"])
def test_other_roles_get_404_everywhere_in_admin(client, world, login, role):
    login(world.users[role])
    for url in ("/admin/", "/admin/users/", "/admin/campaigns/", "/admin/pairs/",
                f"/admin/campaigns/{world.campaign.id}", f"/admin/pairs/{world.pairs[0].id}", "/admin/audit/"):
        assert client.get(url).status_code == 404, url


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/admin/users/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_screen_is_404(admin_client):
    assert admin_client.get("/admin/merchantz/").status_code == 404


# ---- lists: search and pages --------------------------------------------------------------------

def test_search_finds_by_name_and_code(admin_client, world):
    page = _text(admin_client.get("/admin/regions/?q=丹朱"))
    assert "丹朱镇" in page and "丹朱商圈" in page and "鲍店镇" not in page
    page = _text(admin_client.get("/admin/regions/?q=140430"))
    assert "沁县" in page and "长子县" not in page
    page = _text(admin_client.get("/admin/users/?q=LIAISON_A"))
    assert "liaison_a1" in page and "liaison_a2" in page and "am_a1" not in page
    assert "Nothing matches." in _text(admin_client.get("/admin/users/?q=nobody"))


def test_lists_are_paginated(admin_client, world, db):
    for n in range(30):
        region(f"村{n:02d}", "district", world.towns[2], district_kind="village", households=n)
    db.session.commit()
    first = _text(admin_client.get("/admin/regions/"))
    second = _text(admin_client.get("/admin/regions/?page=2"))
    assert "Page 1 of 2" in first and "39 in all" in first
    assert "Page 2 of 2" in second
    shown_first = {f"村{n:02d}" for n in range(30) if f"村{n:02d}<" in first}
    shown_second = {f"村{n:02d}" for n in range(30) if f"村{n:02d}<" in second}
    assert shown_first and shown_second and not shown_first & shown_second


# ---- users ------------------------------------------------------------------------------------

def _user_form(world, **kw):
    data = {"username": "liaison_b2", "display_name": "赵六", "organization_id": world.orgs["office_b1"].id,
            "roles": ["liaison"], "phone": "13900001111", "email": "zl@example.cn", "active": "y",
            "password": "Str0ng-pass"}
    data.update(kw)
    return data


def test_an_admin_creates_a_user_who_can_then_sign_in(admin_client, world, db, app):
    response = admin_client.post("/admin/users/new", data=_user_form(world))
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "liaison_b2"))
    assert user.roles == ["liaison"] and user.organization_id == world.orgs["office_b1"].id
    assert verify_password(user.password_hash, "Str0ng-pass")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "create",
                                                       AuditEvent.object_type == "users"))
    assert event.actor_name == "admin" and event.changes["roles"] == [None, ["liaison"]]
    other = app.test_client()
    assert other.post("/login", data={"username": "liaison_b2", "password": "Str0ng-pass"}).status_code == 302


@pytest.mark.parametrize("bad", [{"password": "weakpassword"}, {"password": "Password1"}, {"password": ""},
                                 {"username": "am_a1"}, {"username": "has space"}, {"email": "not-an-email"}])
def test_a_bad_user_form_changes_nothing(admin_client, world, db, bad):
    before = _count(db, User)
    response = admin_client.post("/admin/users/new", data=_user_form(world, **bad))
    assert response.status_code == 200
    assert 'class="flash flash-error"' in _text(response)
    assert _count(db, User) == before


def test_editing_roles_and_resetting_a_password(admin_client, world, db):
    user = world.users["am_a2"]
    data = _user_form(world, username="am_a2", display_name="am_a2", organization_id=world.orgs["branch_a"].id,
                      roles=["account_manager", "branch_head"], password="An0ther-pass", email="", phone="")
    assert admin_client.post(f"/admin/users/{user.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.roles == ["account_manager", "branch_head"] and verify_password(user.password_hash, "An0ther-pass")
    changes = [e.changes for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "update", AuditEvent.object_id == str(user.id), AuditEvent.object_type == "users"))]
    assert {"roles": [["account_manager"], ["account_manager", "branch_head"]]} in changes
    page = _text(admin_client.get(f"/admin/users/{user.id}"))
    assert "password reset" in page and "Branch head" in page


def test_an_edit_without_a_password_keeps_the_old_one(admin_client, world, db):
    user = world.users["am_a2"]
    data = _user_form(world, username="am_a2", display_name="王五", organization_id=world.orgs["branch_a"].id,
                      roles=["account_manager"], password="")
    assert admin_client.post(f"/admin/users/{user.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.display_name == "王五" and verify_password(user.password_hash, PASSWORD)


def test_deactivating_a_user_stops_their_sign_in(admin_client, world, db, app):
    user = world.users["am_b1"]
    response = admin_client.post(f"/admin/users/{user.id}/remove")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).active is False
    other = app.test_client()
    assert other.post("/login", data={"username": "am_b1", "password": PASSWORD}).status_code == 200
    # Already inactive: there is nothing more to do, and the button is gone.
    assert admin_client.post(f"/admin/users/{user.id}/remove").status_code == 404


def test_an_admin_cannot_deactivate_themselves(admin_client, world, db):
    me = world.users["admin"]
    response = admin_client.post(f"/admin/users/{me.id}/remove", follow_redirects=True)
    assert "You cannot deactivate your own account." in _text(response)
    db.session.expire_all()
    assert db.session.get(User, me.id).active is True


# ---- regions and organizations -----------------------------------------------------------------

def test_a_region_with_children_cannot_be_deleted_and_the_message_says_why(admin_client, world, db):
    county = world.counties[0]
    response = admin_client.post(f"/admin/regions/{county.id}/remove", follow_redirects=True)
    page = _text(response)
    assert "cannot be deleted while other records refer to it" in page and "Regions (2)" in page
    assert db.session.get(Region, county.id) is not None


def test_an_unused_region_is_created_then_deleted(admin_client, world, db):
    data = {"name": "西火镇", "level": "town", "parent_id": world.counties[0].id, "code": "", "district_kind": "",
            "households": "", "address": ""}
    assert admin_client.post("/admin/regions/new", data=data).status_code == 302
    town = db.session.scalar(select(Region).where(Region.name == "西火镇"))
    assert town.parent_id == world.counties[0].id
    assert admin_client.post(f"/admin/regions/{town.id}/remove").status_code == 302
    assert db.session.scalar(select(Region).where(Region.name == "西火镇")) is None
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "regions")))
    assert actions.count("create") == 1 and actions.count("delete") == 1


def test_a_region_in_the_wrong_place_is_refused_with_the_rule(admin_client, world, db):
    data = {"name": "错镇", "level": "town", "parent_id": world.city.id, "households": "", "district_kind": ""}
    page = _text(admin_client.post("/admin/regions/new", data=data))
    assert "must be placed under a region of level" in page
    assert db.session.scalar(select(Region).where(Region.name == "错镇")) is None


def test_an_organization_with_users_cannot_be_deleted(admin_client, world, db):
    office = world.orgs["office_a1"]
    page = _text(admin_client.post(f"/admin/organizations/{office.id}/remove", follow_redirects=True))
    assert "Users (1)" in page


# ---- pairs ------------------------------------------------------------------------------------

def test_an_admin_creates_a_pair_with_a_poster_token_and_deactivates_it(admin_client, world, db):
    data = {"campaign_id": world.campaign.id, "region_id": world.towns[1].id,
            "liaison_id": world.users["liaison_a2"].id, "account_manager_id": world.users["am_a1"].id,
            "name": "", "active": "y"}
    assert admin_client.post("/admin/pairs/new", data=data).status_code == 302
    pair = db.session.scalar(select(LiaisonPair).order_by(LiaisonPair.id.desc()))
    assert pair.account_manager_id == world.users["am_a1"].id and pair.county_id == world.counties[0].id
    assert pair.intake_token and pair.intake_token not in {p.intake_token for p in world.pairs}
    assert admin_client.post(f"/admin/pairs/{pair.id}/remove").status_code == 302
    db.session.expire_all()
    assert db.session.get(LiaisonPair, pair.id).active is False


def test_a_pair_form_offers_only_liaisons_and_account_managers(admin_client, world):
    page = _text(admin_client.get("/admin/pairs/new"))
    liaison_select = page.split('name="liaison_id"')[1].split("</select>")[0]
    manager_select = page.split('name="account_manager_id"')[1].split("</select>")[0]
    assert "liaison_b1" in liaison_select and "am_a1" not in liaison_select
    assert "am_b1" in manager_select and "liaison_a1" not in manager_select


def test_a_lead_views_the_pairs_of_the_drive_but_cannot_change_them(client, world, login):
    login(world.users["lead"])
    page = _text(client.get("/admin/pairs/"))
    assert all(p.name in page for p in world.pairs)
    detail = client.get(f"/admin/pairs/{world.pairs[0].id}")
    assert detail.status_code == 200 and "/remove" not in _text(detail) and "/edit" not in _text(detail)
    assert client.post(f"/admin/pairs/{world.pairs[0].id}/remove").status_code == 404


# ---- drives -----------------------------------------------------------------------------------

def _drive_form(world, **kw):
    data = {"name": "第二期双百工程", "template": "", "bureau_org_id": world.orgs["bureau"].id,
            "bank_org_id": world.orgs["bank"].id, "territory_id": world.city.id,
            "starts_on": today().isoformat(), "ends_on": (today() + timedelta(days=180)).isoformat(),
            "district_household_threshold": "100", "coverage_percent": "20",
            "quota_rows-0-event": "joint_visit_day", "quota_rows-0-count": "1", "quota_rows-0-cadence": "month",
            "quota_rows-0-scope": "pair", "quota_rows-0-weekday": "", "quota_rows-1-event": "",
            "quota_rows-1-count": "", "quota_rows-1-cadence": "week", "quota_rows-1-scope": "pair",
            "quota_rows-1-weekday": "", "referral_contact_days": "7", "follow_up_interval_days": "30",
            "need_due_days": "15", "visit_distance_m": "500", "focus_trades": ["wholesale_retail", "lodging_catering"],
            "caps-0-tier": "survival", "caps-0-amount": "100000", "caps-1-tier": "distinguished",
            "caps-1-amount": "1000000", "caps-2-tier": "", "caps-2-amount": "", "lead_ids": [world.users["lead"].id]}
    data.update(kw)
    return data


def test_an_admin_creates_a_drive_with_its_rules_and_leads(admin_client, world, db):
    assert admin_client.post("/admin/campaigns/new", data=_drive_form(world)).status_code == 302
    drive = db.session.scalar(select(Campaign).where(Campaign.name == "第二期双百工程"))
    assert drive.tier_caps == {"survival": 100000, "distinguished": 1000000}
    assert drive.focus_trades == ["wholesale_retail", "lodging_catering"]
    assert float(drive.district_coverage_ratio) == 0.2 and drive.lead_ids == [world.users["lead"].id]
    assert drive.quotas == [{"event": "joint_visit_day", "count": 1, "cadence": "month", "scope": "pair"}]
    # What the admin set is a local setting of theirs; the periods left at their defaults stay defaults.
    assert drive.rule_sources["quotas.joint_visit_day.pair.month"]["by"] == world.users["admin"].display_name
    assert "referral_contact_days" not in drive.rule_sources
    page = _text(admin_client.get(f"/admin/campaigns/{drive.id}"))
    assert "100 households or 20% of them" in page


@pytest.mark.parametrize("bad", [
    {"ends_on": (today() - timedelta(days=1)).isoformat()},
    {"coverage_percent": "120"},
    {"need_due_days": "0"},
    {"caps-0-tier": "growth", "caps-1-tier": "growth"},
    {"caps-0-amount": ""},
    {"name": ""},
    {"quota_rows-0-count": ""},
    {"quota_rows-0-count": "0"},
    {"quota_rows-1-event": "joint_visit_day", "quota_rows-1-count": "2", "quota_rows-1-cadence": "month"},
])
def test_a_bad_drive_form_creates_nothing(admin_client, world, db, bad):
    response = admin_client.post("/admin/campaigns/new", data=_drive_form(world, **bad))
    assert response.status_code == 200 and "flash-error" in _text(response)
    assert _count(db, Campaign) == 1


def test_a_lead_edits_the_rules_of_their_drive_only(client, world, login, db):
    login(world.users["lead"])
    drive = world.campaign
    page = _text(client.get(f"/admin/campaigns/{drive.id}/edit"))
    assert 'name="need_due_days"' in page and 'name="bureau_org_id"' not in page
    data = _drive_form(world, district_household_threshold="80", coverage_percent="25", need_due_days="10",
                       visit_distance_m="800", bureau_org_id=world.orgs["bureau_a"].id, name="改名")
    assert client.post(f"/admin/campaigns/{drive.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    drive = db.session.get(Campaign, drive.id)
    assert drive.district_household_threshold == 80 and float(drive.district_coverage_ratio) == 0.25
    assert drive.need_due_days == 10 and drive.visit_distance_m == 800
    # What a lead's form does not hold is not theirs to change, whatever the request says.
    assert drive.bureau_org_id == world.orgs["bureau"].id and drive.name == "双百工程"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update",
                                                       AuditEvent.object_type == "campaigns"))
    assert event.actor_name == "lead" and event.changes["district_household_threshold"] == [100, 80]
    assert client.post(f"/admin/campaigns/{drive.id}/remove").status_code == 404


def test_a_lead_of_another_drive_cannot_open_this_one(app, world, db):
    from crm.campaigns.models import CampaignLead
    from tests.factories import user

    other = user("lead_other", ["lead"], world.orgs["bureau_b"])
    db.session.flush()
    db.session.add(CampaignLead(campaign_id=_second_drive(world, db).id, user_id=other.id))
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"username": "lead_other", "password": PASSWORD})
    assert world.campaign.name not in _text(client.get("/admin/campaigns/"))
    for url in (f"/admin/campaigns/{world.campaign.id}", f"/admin/campaigns/{world.campaign.id}/edit"):
        assert client.get(url).status_code == 404
    assert client.post(f"/admin/campaigns/{world.campaign.id}/edit", data=_drive_form(world)).status_code == 404


def _second_drive(world, db) -> Campaign:
    drive = Campaign(name="沁县专项", bureau_org=world.orgs["bureau_b"], bank_org=world.orgs["branch_b"],
                     territory=world.counties[1], starts_on=today(), ends_on=today() + timedelta(days=60))
    db.session.add(drive)
    db.session.flush()
    return drive


def test_every_change_is_in_the_objects_history(admin_client, world):
    user = world.users["am_a1"]
    data = _user_form(world, username="am_a1", display_name="张经理", organization_id=world.orgs["branch_a"].id,
                      roles=["account_manager"], password="")
    admin_client.post(f"/admin/users/{user.id}/edit", data=data)
    page = _text(admin_client.get(f"/admin/users/{user.id}"))
    assert "History" in page and "张经理" in page and "Name" in page and "display_name" not in page
