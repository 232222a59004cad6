"""The rules behind the administration screens, called without HTTP."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.admin.operations import blocking_references, delete_record
from crm.audit.models import AuditEvent
from crm.auth.passwords import verify_password
from crm.campaigns import operations as campaigns
from crm.campaigns.models import Campaign, CampaignLead
from crm.people import operations as people
from crm.people.models import User
from crm.regions import operations as regions
from crm.regions.models import Region
from tests.factories import PASSWORD, today


def _events(db, obj, action):
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == obj.__tablename__, AuditEvent.object_id == str(obj.id),
        AuditEvent.action == action)))


# ---- regions ----------------------------------------------------------------------------------

def test_a_town_goes_under_a_county_and_the_creation_is_audited(world, db):
    town = regions.create_region({"name": "石哲镇", "level": "town", "parent_id": world.counties[0].id},
                                 actor=world.users["admin"])
    db.session.commit()
    [event] = _events(db, town, "create")
    assert event.actor_id == world.users["admin"].id
    assert event.changes["name"] == [None, "石哲镇"] and event.changes["parent_id"] == [None, world.counties[0].id]


@pytest.mark.parametrize("level, parent", [("town", "city"), ("county", None), ("district", "county"),
                                           ("city", "city")])
def test_a_region_must_sit_under_the_level_above(world, level, parent):
    parent_id = {"city": world.city.id, "county": world.counties[0].id, None: None}[parent]
    values = {"name": "x", "level": level, "parent_id": parent_id, "district_kind": "market", "households": 5}
    with pytest.raises(ValueError):
        regions.create_region(values)


def test_a_district_needs_its_households_and_kind(world):
    base = {"name": "新商圈", "level": "district", "parent_id": world.towns[0].id}
    with pytest.raises(ValueError):
        regions.create_region({**base, "district_kind": "market", "households": None})
    with pytest.raises(ValueError):
        regions.create_region({**base, "district_kind": None, "households": 30})
    district = regions.create_region({**base, "district_kind": "market", "households": 30})
    assert district.households == 30


def test_region_codes_are_unique_and_a_region_with_children_keeps_its_level(world):
    with pytest.raises(ValueError):
        regions.create_region({"name": "重复", "level": "county", "parent_id": world.city.id, "code": "140428"})
    with pytest.raises(ValueError):
        regions.update_region(world.towns[0], {"level": "district", "parent_id": world.towns[1].id,
                                               "district_kind": "market", "households": 3})


def test_an_update_records_only_what_changed(world, db):
    district = world.districts[0]
    changes = regions.update_region(district, {"households": 150, "name": district.name})
    db.session.commit()
    assert changes == {"households": [120, 150]}
    [event] = _events(db, district, "update")
    assert event.changes == {"households": [120, 150]}
    assert regions.update_region(district, {"households": 150}) == {}


# ---- deleting ---------------------------------------------------------------------------------

def test_a_region_with_children_or_merchants_cannot_be_deleted(world, db):
    county = world.counties[0]
    refs = blocking_references(county)
    assert refs["regions"] == 2 and refs["merchants"] == 2
    with pytest.raises(ValueError, match=r"\(2\)"):
        delete_record(county, regions.AUDITED_FIELDS, name=county.name)
    assert db.session.get(Region, county.id) is not None


def test_an_unused_region_is_deleted_with_an_audit_record(world, db):
    spare = regions.create_region({"name": "空镇", "level": "town", "parent_id": world.counties[1].id})
    db.session.commit()
    spare_id = spare.id
    assert blocking_references(spare) == {}
    delete_record(spare, regions.AUDITED_FIELDS, name=spare.name, actor=world.users["admin"])
    db.session.commit()
    assert db.session.get(Region, spare_id) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delete",
                                                       AuditEvent.object_id == str(spare_id)))
    assert event.object_type == "regions" and event.changes["name"] == ["空镇", None]


def test_an_organization_with_users_cannot_be_deleted(world, db):
    office = world.orgs["office_a1"]
    with pytest.raises(ValueError):
        delete_record(office, people.ORG_FIELDS, name=office.name)
    assert blocking_references(office) == {"users": 1}


def test_a_drive_with_leads_only_can_be_deleted_and_its_leads_go_with_it(world, db):
    drive = campaigns.create_campaign({
        "name": "试点", "bureau_org_id": world.orgs["bureau"].id, "bank_org_id": world.orgs["bank"].id,
        "territory_id": world.counties[1].id, "starts_on": today(), "ends_on": today() + timedelta(days=30),
        "lead_ids": [world.users["lead"].id]})
    db.session.commit()
    drive_id = drive.id
    delete_record(drive, campaigns.CAMPAIGN_FIELDS, name=drive.name)
    db.session.commit()
    assert db.session.get(Campaign, drive_id) is None
    assert db.session.scalar(select(CampaignLead).where(CampaignLead.campaign_id == drive_id)) is None
    with pytest.raises(ValueError):  # the world's drive has pairs
        delete_record(world.campaign, campaigns.CAMPAIGN_FIELDS, name=world.campaign.name)


# ---- organizations and users -----------------------------------------------------------------

def test_an_organization_stays_on_its_side_and_out_of_its_own_subtree(world):
    with pytest.raises(ValueError):
        people.create_organization({"name": "错位支行", "kind": "bank", "parent_id": world.orgs["bureau"].id})
    with pytest.raises(ValueError):
        people.update_organization(world.orgs["bank"], {"parent_id": world.orgs["branch_a"].id})
    with pytest.raises(ValueError):
        people.update_organization(world.orgs["bank"], {"parent_id": world.orgs["bank"].id})


def test_a_user_is_created_with_a_policy_checked_hashed_password(world, db):
    office = world.orgs["office_b1"]
    with pytest.raises(ValueError):
        people.create_user(username="weak", display_name="弱", roles=["liaison"], organization_id=office.id,
                           password="password")
    with pytest.raises(ValueError):
        people.create_user(username="am_a1", display_name="重名", roles=["liaison"], organization_id=office.id,
                           password=PASSWORD)
    with pytest.raises(ValueError):
        people.create_user(username="x", display_name="x", roles=["boss"], organization_id=office.id,
                           password=PASSWORD)
    user = people.create_user(username="liaison_b2", display_name="赵六", roles=["liaison"],
                              organization_id=office.id, password="Str0ng-pass")
    db.session.commit()
    assert user.password_hash != "Str0ng-pass" and verify_password(user.password_hash, "Str0ng-pass")
    [event] = _events(db, user, "create")
    assert event.changes["roles"] == [None, ["liaison"]]
    assert "Str0ng-pass" not in str(event.changes) and "password" not in str(event.changes)


def test_changing_roles_is_audited_and_a_reset_password_must_pass_the_policy(world, db):
    user = world.users["am_a2"]
    with pytest.raises(ValueError):
        people.update_user(user, {"password": "short1A"})
    changes = people.update_user(user, {"roles": ["account_manager", "branch_head"], "password": "N3w-Lantern-42"},
                                 actor=world.users["admin"])
    db.session.commit()
    assert changes == {"roles": [["account_manager"], ["account_manager", "branch_head"]]}
    assert verify_password(user.password_hash, "N3w-Lantern-42")
    summaries = [e.summary for e in _events(db, user, "update")]
    assert any("password reset" in s for s in summaries)


def test_users_are_deactivated_not_deleted_and_not_by_themselves(world, db):
    admin = world.users["admin"]
    with pytest.raises(ValueError):
        people.deactivate_user(admin, actor=admin)
    people.deactivate_user(world.users["am_b1"], actor=admin)
    db.session.commit()
    user = db.session.get(User, world.users["am_b1"].id)
    assert user is not None and user.active is False
    assert _events(db, user, "update")[0].changes == {"active": [True, False]}


# ---- drives and pairs -------------------------------------------------------------------------

def _drive_values(world, **kw):
    return {"name": "第二期", "bureau_org_id": world.orgs["bureau"].id, "bank_org_id": world.orgs["bank"].id,
            "territory_id": world.city.id, "starts_on": today(), "ends_on": today() + timedelta(days=90), **kw}


def test_a_new_drive_starts_with_the_default_rules(world, db):
    drive = campaigns.create_campaign(_drive_values(world), actor=world.users["admin"])
    db.session.commit()
    # The coverage rule is 双百工程's (001 四、（一）): a drive set up by hand has none until its lead sets one.
    assert drive.district_household_threshold is None and drive.district_coverage_ratio is None
    assert drive.quotas == [] and drive.rule_sources == {}  # nothing set yet: every rule a default
    assert _events(db, drive, "create")[0].changes["name"] == [None, "第二期"]


@pytest.mark.parametrize("bad", [
    {"ends_on": today() - timedelta(days=1)},
    {"bureau_org_id": "bank"},
    {"territory_id": "town"},
    {"district_household_threshold": 100, "district_coverage_ratio": Decimal("1.5")},
    {"district_household_threshold": 100},  # a coverage rule needs both numbers, or neither
    {"need_due_days": 0},
    {"quotas": [{"event": "joint_visit_day", "count": 0, "cadence": "month", "scope": "pair"}]},
    {"quotas": [{"event": "joint_visit_day", "count": 1, "cadence": "fortnight", "scope": "pair"}]},
    {"quotas": [{"event": "picnic", "count": 1, "cadence": "month", "scope": "pair"}]},
    {"focus_trades": ["gambling"]},
    {"tier_caps": {"gold": 5}},
    {"tier_caps": {"growth": -1}},
    {"lead_ids": "am"},
])
def test_a_drive_with_a_broken_rule_is_refused(world, db, bad):
    replace = {"bank": world.orgs["bank"].id, "town": world.towns[0].id, "am": [world.users["am_a1"].id]}
    values = _drive_values(world, **{k: replace.get(v, v) if isinstance(v, str) else v for k, v in bad.items()})
    with pytest.raises(ValueError):
        campaigns.create_campaign(values)
    db.session.rollback()
    assert db.session.scalar(select(Campaign).where(Campaign.name == "第二期")) is None


def test_a_lead_changes_rules_and_the_audit_says_old_and_new(world, db):
    drive = world.campaign
    changes = campaigns.update_campaign(drive, {"district_household_threshold": 80, "need_due_days": 10,
                                                "tier_caps": {"growth": 250000}}, actor=world.users["lead"])
    db.session.commit()
    assert changes["district_household_threshold"] == [100, 80] and changes["need_due_days"] == [15, 10]
    assert changes["tier_caps"] == [{"survival": 100000, "growth": 200000, "development": 300000},
                                    {"growth": 250000}]
    event = _events(db, drive, "update")[0]
    assert event.actor_id == world.users["lead"].id and event.changes["need_due_days"] == [15, 10]


def test_only_leads_can_lead_a_drive(world):
    with pytest.raises(ValueError):
        campaigns.update_campaign(world.campaign, {"lead_ids": [world.users["admin"].id]})


def test_a_pair_gets_its_county_and_an_unguessable_poster_token(world, db):
    town = world.towns[1]
    pair = campaigns.create_pair({"campaign_id": world.campaign.id, "region_id": town.id,
                                  "liaison_id": world.users["liaison_a2"].id,
                                  "account_manager_id": world.users["am_a1"].id, "name": ""},
                                 actor=world.users["admin"])
    db.session.commit()
    assert pair.county_id == world.counties[0].id and pair.name == "长子县·鲍店镇"
    assert len(pair.intake_token) >= 22 and pair.active
    assert _events(db, pair, "create")[0].changes["account_manager_id"] == [None, world.users["am_a1"].id]


@pytest.mark.parametrize("field, who", [("liaison_id", "am_a1"), ("account_manager_id", "liaison_a1"),
                                        ("region_id", "district"), ("region_id", "outside")])
def test_a_pair_needs_a_liaison_an_account_manager_and_a_town_of_the_drive(world, db, field, who):
    values = {"campaign_id": world.campaign.id, "region_id": world.towns[0].id,
              "liaison_id": world.users["liaison_a1"].id, "account_manager_id": world.users["am_a1"].id}
    if who == "district":
        values[field] = world.districts[0].id
    elif who == "outside":
        other_city = Region(name="晋城市", level="city")
        other_county = Region(name="阳城县", level="county", parent=other_city)
        db.session.add_all([other_city, other_county])
        db.session.flush()
        values[field] = other_county.id
    else:
        values[field] = world.users[who].id
    with pytest.raises(ValueError):
        campaigns.create_pair(values)


def test_a_pair_is_deactivated_not_deleted(world, db):
    pair = world.pairs[2]
    campaigns.deactivate_pair(pair, actor=world.users["admin"])
    db.session.commit()
    assert pair.active is False
    assert _events(db, pair, "update")[0].changes == {"active": [True, False]}


def test_an_organization_path_names_the_tree(world):
    from crm.people.queries import organization_choices

    names = {choice.value: choice.label for choice in organization_choices("bank")}
    assert names[world.orgs["branch_a"].id] == "邮储银行长治市分行 / 邮储银行长子县支行"
    assert world.orgs["bureau"].id not in names
