"""The scoping matrix: for each role, what it sees in every list and which loads are a 404.

The world (tests/factories.py) is a two-county drive; a second drive in another city, led by
`lead_other`, holds one merchant of its own, so "sees none of the first drive" is not "sees nothing".
"""
from datetime import timedelta

import pytest

from crm.campaigns.models import CampaignLead
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
