"""Object-level rules through HTTP: events in one's own county or pair, no existence oracle on the visit
API, one phone-masking policy for pages, exports and the API, and an audit row for every look at
personal data. The world is tests/factories.py: county A (pairs a1, a2), county B (pair b1)."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.events.models import Event
from crm.extensions import db
from crm.merchants import credit_code
from crm.merchants.models import Merchant
from crm.referrals import operations as referral_ops
from crm.timeutil import freeze, local_now
from crm.visits.models import Visit
from tests import factories
from tests.visits.conftest import payload_for

JULY_15 = datetime(2025, 7, 15, 4, 0)


@pytest.fixture
def drive(world):
    world.campaign.starts_on, world.campaign.ends_on = date(2025, 6, 1), date(2025, 12, 31)
    db.session.commit()
    return world


@pytest.fixture
def browser_as(app):
    """browser_as(user) → a test client signed in through the real form, in English."""

    def sign_in(user):
        client = app.test_client()
        assert client.post("/login", data={"username": user.username, "password": factories.PASSWORD}).status_code == 302
        client.get("/lang/en")
        return client

    return sign_in


def events() -> int:
    return db.session.scalar(select(func.count(Event.id)))


# ---- events: own county / pair; leads anywhere in their drive -----------------------------------

HELD_MEETING = {"kind": "matchmaking", "planned_on": "2025-07-03", "held_on": "2025-07-03", "attendance": 40,
                "signed_amount": 99999999}


@pytest.mark.parametrize("role, own_county", [("am_a1", 0), ("liaison_a1", 0), ("head_a", 0), ("am_b1", 1),
                                              ("head_b", 1)])
def test_field_staff_plan_meetings_in_their_own_county_only(drive, api, role, own_county):
    client = api(drive.users[role])
    url = f"/api/v1/campaigns/{drive.campaign.id}/events"
    other_county = drive.counties[1 - own_county]
    with freeze(JULY_15):
        refused = client.post(url, json={**HELD_MEETING, "county_id": other_county.id})
        assert refused.status_code == 422 and set(refused.get_json()["error"]["fields"]) == {"county_id"}
        assert events() == 0
        # Nothing reached the other county's figures.
        rollup = api(drive.users["lead"]).get(f"/api/v1/campaigns/{drive.campaign.id}/rollup?by=county")
        row = next(r for r in rollup.get_json()["rows"] if r["name"] == other_county.name)
        assert not row.get("matchmaking_meetings")
        allowed = client.post(url, json={**HELD_MEETING, "county_id": drive.counties[own_county].id})
        assert allowed.status_code == 201, allowed.get_json()
        rollup = api(drive.users["lead"]).get(f"/api/v1/campaigns/{drive.campaign.id}/rollup?by=county")
    own = next(r for r in rollup.get_json()["rows"] if r["name"] == drive.counties[own_county].name)
    assert own["matchmaking_meetings"] == 1  # so the "nothing reached" check above can see a meeting


def test_a_meeting_in_ones_own_county_is_not_placed_in_a_town_of_another(drive, api):
    """The town of a meeting counts it in that town's figures: one of another county is refused, whoever asks."""
    url = f"/api/v1/campaigns/{drive.campaign.id}/events"
    town_a1, town_b1 = drive.towns[0], next(t for t in drive.towns if t.parent_id == drive.counties[1].id)
    meeting = {**HELD_MEETING, "county_id": drive.counties[0].id}
    with freeze(JULY_15):
        for role in ("am_a1", "admin"):
            refused = api(drive.users[role]).post(url, json={**meeting, "region_id": town_b1.id})
            assert refused.status_code == 422 and set(refused.get_json()["error"]["fields"]) == {"region_id"}
        assert events() == 0
        assert api(drive.users["am_a1"]).post(url, json={**meeting, "region_id": town_a1.id}).status_code == 201
        city_visit = {"kind": "level_visit", "level": "city", "planned_on": "2025-07-20", "region_id": drive.city.id}
        assert api(drive.users["lead"]).post(url, json=city_visit).status_code == 201  # no county: the territory
    assert set(db.session.scalars(select(Event.region_id))) == {town_a1.id, drive.city.id}


def test_the_html_form_refuses_another_county_and_moving_an_event_there(drive, browser_as):
    am = browser_as(drive.users["am_a1"])
    form = {"kind": "matchmaking", "planned_on": "2025-07-20", "county_id": str(drive.counties[1].id)}
    with freeze(JULY_15):
        page = am.get(f"/events/new?campaign={drive.campaign.id}").get_data(as_text=True)
        counties = page.split('id="county_id"', 1)[1].split("</select>", 1)[0]
        assert drive.counties[0].name in counties and drive.counties[1].name not in counties  # only where they plan
        refused = am.post(f"/events/new?campaign={drive.campaign.id}", data=form)
        assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
        assert events() == 0
        created = am.post(f"/events/new?campaign={drive.campaign.id}",
                          data={**form, "county_id": str(drive.counties[0].id)})
        assert created.status_code == 302
        event = db.session.scalar(select(Event))
        moved = am.post(f"/events/{event.id}/edit", data={**form, "county_id": str(drive.counties[1].id)})
        assert moved.status_code == 200 and "Not a valid choice" in moved.get_data(as_text=True)
        assert db.session.get(Event, event.id).county_id == drive.counties[0].id
        # County B's people cannot edit, hold or cancel county A's meeting; the drive's lead can.
        other = browser_as(drive.users["am_b1"])
        for path in (f"/events/{event.id}/edit", f"/events/{event.id}/held"):
            assert other.get(path).status_code == 404
        assert other.post(f"/events/{event.id}/cancel").status_code == 404
        lead = browser_as(drive.users["lead"])
        assert lead.post(f"/events/{event.id}/edit", data=form).status_code == 302
    assert db.session.get(Event, event.id).county_id == drive.counties[1].id


def test_a_pair_member_plans_only_their_own_pairs_day(drive, api):
    url = f"/api/v1/campaigns/{drive.campaign.id}/events"
    day = {"kind": "joint_visit_day", "planned_on": "2025-07-10", "pair_id": drive.pairs[1].id,
           "region_id": drive.towns[1].id}
    with freeze(JULY_15):
        # am_a1 sees pair a2 (same county, not theirs) in no list of their own: refused.
        assert api(drive.users["am_a1"]).post(url, json=day).status_code == 422
        assert api(drive.users["am_a2"]).post(url, json=day).status_code == 201
    assert events() == 1


def test_the_event_form_offers_only_the_pairs_whose_days_the_user_plans(drive, browser_as):
    """liaison_a1 sees an office colleague's pair, but plans only their own pair's day: the form offers it not."""
    drive.users["liaison_a2"].organization = drive.users["liaison_a1"].organization
    db.session.commit()
    liaison = browser_as(drive.users["liaison_a1"])
    own, colleagues = drive.pairs[0], drive.pairs[1]
    day = {"kind": "joint_visit_day", "planned_on": "2025-07-10", "pair_id": str(colleagues.id),
           "region_id": str(drive.towns[1].id)}
    with freeze(JULY_15):
        page = liaison.get(f"/events/new?campaign={drive.campaign.id}").get_data(as_text=True)
        pairs = page.split('id="pair_id"', 1)[1].split("</select>", 1)[0]
        assert own.name in pairs and colleagues.name not in pairs
        refused = liaison.post(f"/events/new?campaign={drive.campaign.id}", data=day)
        assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    assert events() == 0


# ---- the visit API is no registry oracle ----------------------------------------------------------

def test_registering_a_code_that_exists_elsewhere_answers_like_any_unusable_code(world, api):
    client = api(world.users["am_a1"])
    new_merchant = {"name": "新店", "region_id": world.towns[0].id}

    def answer(code, **merchant):
        response = client.post("/api/v1/visits",
                               json=payload_for(world, merchant={"credit_code": code, **merchant}))
        return response.status_code, response.get_json()

    elsewhere = answer(world.merchants["m_b1"].credit_code, **new_merchant)
    assert elsewhere == answer(world.merchants["m_b1"].credit_code)
    assert elsewhere == answer(credit_code.make())  # a valid code nobody registered, named without details
    assert elsewhere[0] == 404 and "already registered" not in str(elsewhere[1])
    assert db.session.scalar(select(func.count(Merchant.id))) == len(world.merchants)


def test_the_merchant_form_names_only_a_merchant_the_user_may_see(world, browser_as):
    liaison = browser_as(world.users["liaison_a1"])

    def create(code):
        return liaison.post("/merchants/new", data={
            "credit_code": code, "name": "新店", "kind": "individual", "trade": "other",
            "registry_status": "operating", "region_id": str(world.towns[0].id)}).get_data(as_text=True)

    assert "already registered" in create(world.merchants["m_a1"].credit_code)
    elsewhere = create(world.merchants["m_b1"].credit_code)
    assert "already registered" not in elsewhere and "No such merchant, or not one you may see." in elsewhere
    assert db.session.scalar(select(func.count(Merchant.id))) == len(world.merchants)


def test_a_merchant_is_registered_or_moved_only_within_the_users_area(world, browser_as):
    """liaison_a1's area is 丹朱镇: the form offers its places only, and a place elsewhere is refused, so a
    merchant never leaves its editor's sight (nor lands where they may not work)."""
    liaison = browser_as(world.users["liaison_a1"])
    offered = liaison.get("/merchants/new").get_data(as_text=True)
    town_a1, town_b1 = world.towns[0], next(t for t in world.towns if t.parent_id == world.counties[1].id)
    assert f'value="{town_a1.id}"' in offered and f'value="{town_b1.id}"' not in offered
    assert world.counties[1].name not in offered  # the county picker holds only the area's county
    fields = {"name": "新店", "kind": "individual", "trade": "other", "registry_status": "operating"}
    refused = liaison.post("/merchants/new", data={**fields, "credit_code": credit_code.make(),
                                                   "region_id": str(town_b1.id)})
    assert refused.status_code == 200 and db.session.scalar(select(func.count(Merchant.id))) == len(world.merchants)
    merchant = world.merchants["m_a1"]
    moved = liaison.post(f"/merchants/{merchant.id}/edit", data={**fields, "credit_code": merchant.credit_code,
                                                                  "region_id": str(town_b1.id)})
    assert moved.status_code == 200
    db.session.expire_all()
    assert (merchant.town_id, merchant.name) == (town_a1.id, "张三干洗店")


def test_a_merchant_met_on_a_visit_is_placed_only_within_the_users_area(world, browser_as):
    """head_b has no pair: the visit form offers the places of their branch's county only (not the province's),
    and a merchant registered on the spot elsewhere is refused with the visit."""
    head = browser_as(world.users["head_b"])
    page = head.get("/visits/new").get_data(as_text=True)
    picker = page.split('id="new_region_id"', 1)[1].split("</select>", 1)[0]
    town_a1, town_b1 = world.towns[0], next(t for t in world.towns if t.parent_id == world.counties[1].id)
    assert f'value="{town_b1.id}"' in picker and f'value="{town_a1.id}"' not in picker
    refused = head.post("/visits/new", data={
        "client_id": "visit-1", "campaign_id": str(world.campaign.id), "kind": "first",
        "visited_at": local_now().strftime("%Y-%m-%dT%H:%M"), "new_credit_code": credit_code.make(),
        "new_name": "新店", "new_trade": "other", "new_region_id": str(town_a1.id)})
    assert refused.status_code == 422 and "That place is outside your area." in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Merchant.id))) == len(world.merchants)
    assert db.session.scalar(select(func.count(Visit.id))) == 0


# ---- phones: whole for the pair who calls, masked for everyone else -------------------------------

CALLERS = {"am_a1", "liaison_a1"}
SEES_M_A1 = ["admin", "lead", "head_a", "liaison_a1", "am_a1"]


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


@pytest.mark.parametrize("role", SEES_M_A1)
def test_one_phone_policy_on_the_page_and_the_api(world, browser_as, api, role):
    merchant = world.merchants["m_a1"]
    phone = merchant.operator_phone
    expected = phone if role in CALLERS else _masked(phone)
    page = browser_as(world.users[role]).get(f"/merchants/{merchant.id}").get_data(as_text=True)
    assert expected in page and (phone in page) is (role in CALLERS)
    client = api(world.users[role])
    assert client.get(f"/api/v1/merchants/{merchant.credit_code}").get_json()["operator_phone"] == expected
    listed = client.get("/api/v1/merchants?per_page=200").get_json()["items"]
    assert next(m for m in listed if m["credit_code"] == merchant.credit_code)["operator_phone"] == expected


@pytest.mark.parametrize("role", ["head_a", "lead", "am_a1", "liaison_a1"])
def test_one_phone_policy_in_the_export(world, browser_as, role):
    referral_list, _count = referral_ops.create_list(world.users["liaison_a1"], world.campaign, "八月名单",
                                                     world.orgs["branch_a"], [world.merchants["m_a1"].id], source="upload")
    referral_ops.hand_over(referral_list, world.users["liaison_a1"])
    referral_ops.auto_assign(referral_list, world.users["head_a"])
    db.session.commit()
    phone = world.merchants["m_a1"].operator_phone
    response = browser_as(world.users[role]).post(f"/referrals/{referral_list.id}/export", follow_redirects=True)
    rows = list(load_workbook(io.BytesIO(response.data)).worksheets[1].iter_rows(values_only=True))
    assert rows[1][3] == (phone if role in CALLERS else _masked(phone))


# ---- who looked: the access audit --------------------------------------------------------------------

def _audited(action: str, object_type: str, actor) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_type == object_type, AuditEvent.actor_id == actor.id)))


def test_opening_personal_data_is_audited(world, browser_as, api):
    head, liaison = world.users["head_a"], world.users["liaison_a1"]
    merchant, pair = world.merchants["m_a1"], world.pairs[0]
    referral_list, _count = referral_ops.create_list(liaison, world.campaign, "九月名单", world.orgs["branch_a"],
                                                     [merchant.id], source="upload")
    referral_ops.hand_over(referral_list, liaison)
    db.session.commit()
    client = browser_as(head)
    assert client.get(f"/merchants/{merchant.id}").status_code == 200
    assert client.get(f"/referrals/{referral_list.id}").status_code == 200
    assert client.post(f"/referrals/{referral_list.id}/export", follow_redirects=True).status_code == 200
    [viewed] = _audited("view", "merchants", head)
    assert viewed.object_id == str(merchant.id) and viewed.summary == merchant.name and viewed.at is not None
    assert [e.object_id for e in _audited("view", "referral_lists", head)] == [str(referral_list.id)]
    assert len(_audited("export", "referral_lists", head)) == 1
    # The pair's submissions page, and the API's merchant list and merchant.
    assert browser_as(liaison).get(f"/pairs/{pair.id}/submissions").status_code == 200
    assert [e.object_id for e in _audited("view", "liaison_pairs", liaison)] == [str(pair.id)]
    token_client = api(liaison)
    assert token_client.get("/api/v1/merchants").status_code == 200
    assert token_client.get(f"/api/v1/merchants/{merchant.credit_code}").status_code == 200
    assert len(_audited("view", "merchants", liaison)) == 2
    # A page the user may not open leaves no trace of the merchant.
    assert client.get(f"/merchants/{world.merchants['m_b1'].id}").status_code == 404
    assert len(_audited("view", "merchants", head)) == 1


def test_the_notice_export_is_audited(drive, browser_as):
    lead = drive.users["lead"]
    with freeze(JULY_15):
        response = browser_as(lead).get(f"/reports/notice.xlsx?campaign={drive.campaign.id}&period=2025Q3")
    assert response.status_code == 200
    assert len(_audited("export", "campaigns", lead)) == 1
