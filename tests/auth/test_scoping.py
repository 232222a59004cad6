"""The scoping matrix: for each role, what it sees in every list and which loads are a 404.

The world (tests/factories.py) is a two-county drive; a second drive in another city, led by
`lead_other`, holds one merchant of its own, so "sees none of the first drive" is not "sees nothing".
"""
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from crm.auth.scoping import merchant_condition, remembering
from crm.campaigns.models import CampaignLead
from crm.extensions import db
from crm.merchants.models import Merchant
from tests import factories

ALL = {"m_a1", "m_a2", "m_b1", "m_other"}
WORLD = {"m_a1", "m_a2", "m_b1"}
MERCHANTS = {
    "admin": ALL,
    "lead": WORLD,
    "head_a": {"m_a1", "m_a2"},
    "head_b": {"m_b1"},
    "liaison_a1": {"m_a1"},
    "liaison_b1": {"m_b1"},
    "am_a1": {"m_a1"},
    "am_a2": {"m_a2"},
    "lead_other": {"m_other"},
}
ROLES = sorted(MERCHANTS)
PAIR_VIEWERS = {"admin": {0, 1, 2}, "lead": {0, 1, 2}, "lead_other": set()}
CAMPAIGNS = {role: {"world"} for role in ROLES} | {"admin": {"world", "other"}, "lead_other": {"other"}}


@pytest.fixture
def scoped(world, db):
    """The world, plus a drive in 晋城市 with its own lead and merchant."""
    city = factories.region("晋城市", "city", code="140500")
    county = factories.region("阳城县", "county", city, code="140522")
    town = factories.region("凤城镇", "town", county)
    bureau = factories.org("晋城市市场监督管理局", "bureau", region=city)
    bank = factories.org("邮储银行晋城市分行", "bank", region=city)
    lead_other = factories.user("lead_other", ["lead"], bureau)
    drive = factories.campaign(city, bureau, bank, name="晋城普惠行", starts_on=factories.today(),
                               ends_on=factories.today() + timedelta(days=90))
    db.session.flush()
    db.session.add(CampaignLead(campaign_id=drive.id, user_id=lead_other.id))
    world.merchants["m_other"] = factories.merchant("阳城陶瓷店", town)
    world.users["lead_other"] = lead_other
    db.session.commit()
    world.other_campaign = drive
    return world


@pytest.fixture
def as_role(app, scoped):
    """as_role(name) → a test client signed in (browser session) as that user, in English."""

    def sign_in(name):
        client = app.test_client()
        response = client.post("/login", data={"username": name, "password": factories.PASSWORD})
        assert response.status_code == 302
        client.get("/lang/en")
        return client

    return sign_in


@pytest.mark.parametrize("role", ROLES)
def test_merchant_list_page(role, scoped, as_role):
    page = as_role(role).get("/merchants/").get_data(as_text=True)
    shown = {key for key, m in scoped.merchants.items() if m.name in page}
    assert shown == MERCHANTS[role]


@pytest.mark.parametrize("role", ROLES)
def test_merchant_detail_page(role, scoped, as_role):
    client = as_role(role)
    for key, merchant in scoped.merchants.items():
        expected = 200 if key in MERCHANTS[role] else 404
        assert client.get(f"/merchants/{merchant.id}").status_code == expected, key


@pytest.mark.parametrize("role", ROLES)
def test_merchant_api_list(role, scoped, api):
    body = api(scoped.users[role]).get("/api/v1/merchants?per_page=200").get_json()
    codes = {m["credit_code"] for m in body["items"]}
    assert codes == {scoped.merchants[key].credit_code for key in MERCHANTS[role]}
    assert body["total"] == len(MERCHANTS[role])


@pytest.mark.parametrize("role", ROLES)
def test_merchant_api_detail(role, scoped, api):
    client = api(scoped.users[role])
    for key, merchant in scoped.merchants.items():
        response = client.get(f"/api/v1/merchants/{merchant.credit_code}")
        if key in MERCHANTS[role]:
            assert response.status_code == 200 and response.get_json()["name"] == merchant.name
        else:
            assert response.status_code == 404, key
            assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", ROLES)
def test_pairs_admin_pages(role, scoped, as_role):
    client = as_role(role)
    listing = client.get("/admin/pairs/")
    if role not in PAIR_VIEWERS:
        assert listing.status_code == 404
        assert all(client.get(f"/admin/pairs/{p.id}").status_code == 404 for p in scoped.pairs)
        return
    page = listing.get_data(as_text=True)
    assert {i for i, p in enumerate(scoped.pairs) if f"/admin/pairs/{p.id}\"" in page} == PAIR_VIEWERS[role]
    for i, pair in enumerate(scoped.pairs):
        assert client.get(f"/admin/pairs/{pair.id}").status_code == (200 if i in PAIR_VIEWERS[role] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_campaigns_api(role, scoped, api):
    names = {c["name"] for c in api(scoped.users[role]).get("/api/v1/campaigns").get_json()["items"]}
    expected = {{"world": scoped.campaign.name, "other": scoped.other_campaign.name}[key] for key in CAMPAIGNS[role]}
    assert names == expected


@pytest.mark.parametrize("role", ROLES)
def test_users_admin(role, scoped, as_role):
    client = as_role(role)
    someone = scoped.users["am_b1"]
    expected = 200 if role == "admin" else 404
    assert client.get("/admin/users/").status_code == expected
    assert client.get(f"/admin/users/{someone.id}").status_code == expected
    assert client.get(f"/admin/users/{someone.id}/edit").status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_campaign_admin_pages(role, scoped, as_role):
    client = as_role(role)
    own = {"admin": {"world", "other"}, "lead": {"world"}, "lead_other": {"other"}}.get(role, set())
    for key, drive in (("world", scoped.campaign), ("other", scoped.other_campaign)):
        expected = 200 if key in own else 404
        assert client.get(f"/admin/campaigns/{drive.id}").status_code == expected, key
        assert client.get(f"/admin/campaigns/{drive.id}/edit").status_code == expected, key


# ---- events, lists, exports and the public form -----------------------------------------------------

SEES_WORLD = set(ROLES) - {"lead_other"}
REPORTS_WORLD = {"admin", "lead", "head_a", "head_b", "liaison_a1", "liaison_b1"}
EDITS_COUNTY_A = {"admin", "lead", "head_a", "liaison_a1", "am_a1", "am_a2"}


@pytest.fixture
def county_a_meeting(scoped, db):
    from crm.events.models import Event

    event = Event(campaign_id=scoped.campaign.id, kind="matchmaking", status="planned",
                  county_id=scoped.counties[0].id, planned_on=factories.today() + timedelta(days=7))
    db.session.add(event)
    db.session.commit()
    return event


@pytest.mark.parametrize("role", ROLES)
def test_event_pages(role, scoped, as_role, county_a_meeting):
    client = as_role(role)
    event_id = county_a_meeting.id
    assert client.get(f"/events/{event_id}").status_code == (200 if role in SEES_WORLD else 404)
    assert client.get(f"/events/{event_id}/edit").status_code == (200 if role in EDITS_COUNTY_A else 404)
    assert client.get(f"/events/{event_id}/held").status_code == (200 if role in EDITS_COUNTY_A else 404)


@pytest.mark.parametrize("role", ROLES)
def test_list_endpoints(role, scoped, as_role, api):
    drive = scoped.campaign.id
    pages = {f"/events/?campaign={drive}": SEES_WORLD, f"/events/joint-days?campaign={drive}": SEES_WORLD,
             f"/events/quotas?campaign={drive}": SEES_WORLD, f"/plaques/?campaign={drive}": SEES_WORLD,
             f"/districts/?campaign={drive}": SEES_WORLD, f"/reports/?campaign={drive}": REPORTS_WORLD}
    client = as_role(role)
    for url, allowed in pages.items():
        assert client.get(url).status_code == (200 if role in allowed else 404), url
    endpoints = {f"/api/v1/campaigns/{drive}/events": SEES_WORLD, f"/api/v1/campaigns/{drive}/districts": SEES_WORLD,
                 f"/api/v1/campaigns/{drive}/rollup": REPORTS_WORLD}
    token_client = api(scoped.users[role])
    for url, allowed in endpoints.items():
        assert token_client.get(url).status_code == (200 if role in allowed else 404), url


@pytest.mark.parametrize("role", ROLES)
def test_exports(role, scoped, as_role, db):
    from crm.referrals import operations as referral_ops

    liaison = scoped.users["liaison_a1"]
    referral_list, _count = referral_ops.create_list(liaison, scoped.campaign, "名单", scoped.orgs["branch_a"],
                                                     [scoped.merchants["m_a1"].id], source="upload")
    referral_ops.hand_over(referral_list, liaison)
    referral_ops.auto_assign(referral_list, scoped.users["head_a"])
    db.session.commit()
    client = as_role(role)
    sees_list = {"admin", "lead", "head_a", "liaison_a1", "am_a1"}
    exported = client.post(f"/referrals/{referral_list.id}/export", follow_redirects=True)
    assert exported.status_code == (200 if role in sees_list else 404)
    notice = client.get(f"/reports/notice.xlsx?campaign={scoped.campaign.id}")
    assert notice.status_code == (200 if role in REPORTS_WORLD else 404)


@pytest.mark.parametrize("role", ROLES)
def test_public_form_submissions(role, scoped, as_role, app, db):
    from crm.referrals.models import IntakeSubmission

    pair = scoped.pairs[0]
    assert app.test_client().get(f"/apply/{pair.intake_token}").status_code == 200
    assert app.test_client().get("/apply/not-a-token").status_code == 404
    submission = IntakeSubmission(pair_id=pair.id, campaign_id=pair.campaign_id, business_name="刘记小吃",
                                  credit_code="92140400MA0L6Y7X1B", phone="13912345678", consent=True,
                                  client_address_hash="0" * 64, status="pending")
    db.session.add(submission)
    db.session.commit()
    client = as_role(role)
    sees_pair = {"admin", "lead", "head_a", "liaison_a1", "am_a1"}
    assert client.get(f"/pairs/{pair.id}/submissions").status_code == (200 if role in sees_pair else 404)
    screens = {"admin", "liaison_a1"}
    assert client.post(f"/submissions/{submission.id}/reject").status_code == (302 if role in screens else 404)


def test_a_remembered_scope_is_read_once_and_a_later_one_sees_a_new_pair(world):
    am = world.users["am_a1"]

    def visible() -> set[str]:
        return set(db.session.scalars(select(Merchant.name).where(merchant_condition(am))))

    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with remembering():
        first = visible()
        looked_up = len(statements)
        assert visible() == first and len(statements) == looked_up + 1  # only the merchants' query again
    factories.pair(world.campaign, world.towns[2], world.users["liaison_b1"], am)
    db.session.commit()
    assert visible() == first | {world.merchants["m_b1"].name}  # outside, the new pair counts at once
