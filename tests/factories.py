"""Small builders for the rows a test needs; build_world() makes a two-county drive."""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from crm.auth.passwords import hash_password
from crm.campaigns.models import Campaign, CampaignLead, LiaisonPair
from crm.extensions import db
from crm.merchants import credit_code
from crm.merchants.models import Merchant
from crm.merchants.operations import initials
from crm.people.models import Organization, User
from crm.regions.models import Region
from crm.timeutil import local_today

PASSWORD = "Passw0rd!x"
_HASH = None
_counter = itertools.count(1)
_rng = random.Random(7)


def password_hash() -> str:
    global _HASH
    if _HASH is None:
        _HASH = hash_password(PASSWORD)
    return _HASH


def region(name, level, parent=None, **kw) -> Region:
    r = Region(name=name, level=level, parent=parent, **kw)
    db.session.add(r)
    return r


def org(name, kind, parent=None, region=None) -> Organization:
    o = Organization(name=name, kind=kind, parent=parent, region=region)
    db.session.add(o)
    return o


def user(username, roles, organization, display_name=None) -> User:
    u = User(username=username, display_name=display_name or username, organization=organization,
             password_hash=password_hash())
    u.roles = roles
    db.session.add(u)
    return u


def merchant(name, district, **kw) -> Merchant:
    town = district.parent if district.level == "district" else district
    county = town.parent
    values = {
        "credit_code": credit_code.make(rng=_rng), "name": name, "name_initials": initials(name), "kind": "individual",
        "operator_name": "张三", "operator_phone": f"139{next(_counter):08d}", "trade": "wholesale_retail", "tier": "growth",
        "registry_status": "operating", "county_id": county.id, "town_id": town.id,
        "district_id": district.id if district.level == "district" else None,
        "registered_on": local_today() - timedelta(days=800), "annual_revenue": Decimal(500000),
    }
    values.update(kw)
    m = Merchant(**values)
    db.session.add(m)
    return m


# The event quotas the test drive sets: a joint visit day per pair a month, a matchmaking meeting per
# county a quarter, three level visits per level pair a year.
QUOTAS = ({"event": "joint_visit_day", "count": 1, "cadence": "month", "scope": "pair"},
          {"event": "matchmaking", "count": 1, "cadence": "quarter", "scope": "county"},
          {"event": "level_visit", "count": 3, "cadence": "year", "scope": "level_pair"})


def campaign(territory, bureau, bank, **kw) -> Campaign:
    today = local_today()
    values = {"name": "双百工程", "bureau_org": bureau, "bank_org": bank, "territory": territory,
              "starts_on": today - timedelta(days=120), "ends_on": today + timedelta(days=120),
              "focus_trades": ["wholesale_retail", "lodging_catering", "transport_logistics"],
              "district_household_threshold": 100, "district_coverage_ratio": Decimal("0.2"),
              "tier_caps": {"survival": 100000, "growth": 200000, "development": 300000},
              "quotas": [dict(q) for q in QUOTAS]}
    values.update(kw)
    c = Campaign(**values)
    db.session.add(c)
    return c


def template_drive(world, template: str) -> Campaign:
    """A 2026 drive over the city made from a programme's template by the lead, who leads it."""
    from crm.campaigns.templates import create_campaign_from_template

    drive = create_campaign_from_template(template, f"{template} 长治", world.orgs["bureau"], world.orgs["bank"],
                                          world.city, date(2026, 1, 1), date(2026, 12, 31), actor=world.users["lead"])
    db.session.commit()
    return drive


def pair(campaign, town, liaison, account_manager) -> LiaisonPair:
    p = LiaisonPair(campaign=campaign, region=town, county=town.parent, liaison=liaison,
                    account_manager=account_manager, name=f"{town.parent.name}·{town.name}",
                    intake_token=f"tok{next(_counter)}")
    db.session.add(p)
    return p


@dataclass
class World:
    city: Region
    counties: list[Region]
    towns: list[Region]
    districts: list[Region]
    campaign: Campaign
    users: dict[str, User]
    orgs: dict[str, Organization]
    pairs: list[LiaisonPair]
    merchants: dict[str, Merchant] = field(default_factory=dict)


def build_world() -> World:
    """City 长治市 with two counties (A: 长子县 with towns a1, a2; B: 沁县 with town b1).

    Users: admin, lead, head_a (branch head of county A's bank branch), liaison_a1 / am_a1 (pair for a1),
    liaison_a2 / am_a2 (pair for a2, same county), liaison_b1 / am_b1 (pair for b1, county B).
    Merchants: m_a1 (district of a1), m_a2 (in a2), m_b1 (in b1).
    """
    city = region("长治市", "city", code="140400")
    ca = region("长子县", "county", city, code="140428")
    cb = region("沁县", "county", city, code="140430")
    a1 = region("丹朱镇", "town", ca)
    a2 = region("鲍店镇", "town", ca)
    b1 = region("定昌镇", "town", cb)
    d_a1 = region("丹朱商圈", "district", a1, district_kind="business_district", households=120, address="府前街")
    d_a2 = region("鲍店市场", "district", a2, district_kind="market", households=80)
    d_b1 = region("定昌市场", "district", b1, district_kind="market", households=60)

    bureau = org("长治市市场监督管理局", "bureau", region=city)
    bureau_a = org("长子县市场监督管理局", "bureau", bureau, region=ca)
    office_a1 = org("丹朱所", "bureau", bureau_a, region=a1)
    office_a2 = org("鲍店所", "bureau", bureau_a, region=a2)
    bureau_b = org("沁县市场监督管理局", "bureau", bureau, region=cb)
    office_b1 = org("定昌所", "bureau", bureau_b, region=b1)
    bank = org("邮储银行长治市分行", "bank", region=city)
    branch_a = org("邮储银行长子县支行", "bank", bank, region=ca)
    branch_b = org("邮储银行沁县支行", "bank", bank, region=cb)
    db.session.flush()

    users = {
        "admin": user("admin", ["admin"], bureau),
        "lead": user("lead", ["lead"], bureau),
        "head_a": user("head_a", ["branch_head"], branch_a),
        "head_b": user("head_b", ["branch_head"], branch_b),
        "liaison_a1": user("liaison_a1", ["liaison"], office_a1),
        "liaison_a2": user("liaison_a2", ["liaison"], office_a2),
        "liaison_b1": user("liaison_b1", ["liaison"], office_b1),
        "am_a1": user("am_a1", ["account_manager"], branch_a),
        "am_a2": user("am_a2", ["account_manager"], branch_a),
        "am_b1": user("am_b1", ["account_manager"], branch_b),
    }
    camp = campaign(city, bureau, bank)
    db.session.flush()
    db.session.add(CampaignLead(campaign_id=camp.id, user_id=users["lead"].id))
    pairs = [
        pair(camp, a1, users["liaison_a1"], users["am_a1"]),
        pair(camp, a2, users["liaison_a2"], users["am_a2"]),
        pair(camp, b1, users["liaison_b1"], users["am_b1"]),
    ]
    db.session.flush()
    merchants = {
        "m_a1": merchant("张三干洗店", d_a1, address="府前街12号"),
        "m_a2": merchant("李氏五金店", d_a2),
        "m_b1": merchant("王记面馆", d_b1, trade="lodging_catering"),
    }
    db.session.commit()
    return World(city, [ca, cb], [a1, a2, b1], [d_a1, d_a2, d_b1], camp, users,
                 {"bureau": bureau, "bank": bank, "branch_a": branch_a, "branch_b": branch_b,
                  "office_a1": office_a1, "office_a2": office_a2, "office_b1": office_b1,
                  "bureau_a": bureau_a, "bureau_b": bureau_b},
                 pairs, merchants)


def today() -> date:
    return local_today()
