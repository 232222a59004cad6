"""The territory, organizations, people, drive, products and merchants of the demo."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

from crm.campaigns.models import Campaign, CampaignLead, LiaisonPair
from crm.demo import geography, names
from crm.demo.common import (
    CAMPAIGN_NAME,
    CITY_BANK,
    CITY_BUREAU,
    REVENUE,
    TIER_WEIGHTS,
    _token,
)
from crm.demo.rules import TEMPLATE, apportion, drive_rules
from crm.extensions import db
from crm.merchants.credit_code import make as make_credit_code
from crm.merchants.models import Merchant
from crm.merchants.operations import initials
from crm.people.models import Organization, User
from crm.products.catalogue import seed_products
from crm.products.models import CampaignProduct
from crm.regions.models import Region


class WorldSection:
    """A part of demo.build._Builder (which holds the state it reads and writes)."""

    # ------------------------------------------------------------------ tree
    def _territory(self) -> None:
        c = geography.CITY
        self.city = Region(level="city", name=c["name"], code=c["code"], address=c["name"])
        db.session.add(self.city)
        self.counties, self.towns, self.districts = [], [], []
        for cdata in geography.COUNTIES:
            county = SimpleNamespace(
                **{k: cdata[k] for k in ("name", "code", "lat", "lng")}, towns=[], index=len(self.counties)
            )
            county.region = Region(
                level="county",
                name=cdata["name"],
                code=cdata["code"],
                parent=self.city,
                address=f"长治市{cdata['name']}",
            )
            db.session.add(county.region)
            for tdata, tcode in zip(cdata["towns"], geography.town_codes(cdata)):
                town = SimpleNamespace(
                    name=tdata["name"],
                    short=geography.short_town_name(tdata["name"]),
                    county=county,
                    districts=[],
                    index=len(self.towns),
                )
                town.region = Region(
                    level="town",
                    name=tdata["name"],
                    code=tcode,
                    parent=county.region,
                    address=f"长治市{county.name}{tdata['name']}",
                )
                for j, (dname, kind, households, prefix) in enumerate(tdata["districts"]):
                    district = SimpleNamespace(
                        name=dname,
                        kind=kind,
                        households=households,
                        prefix=prefix,
                        town=town,
                        county=county,
                        index=len(self.districts),
                    )
                    district.region = Region(
                        level="district",
                        name=dname,
                        code=f"{tcode}{j + 1:03d}",
                        parent=town.region,
                        district_kind=kind,
                        households=households,
                        address=f"长治市{county.name}{prefix}",
                    )
                    town.districts.append(district)
                    self.districts.append(district)
                    db.session.add(district.region)
                db.session.add(town.region)
                town.key = town.districts[0]  # where the pair usually holds its joint visit day
                county.towns.append(town)
                self.towns.append(town)
            self.counties.append(county)
        db.session.flush()

    def _organizations(self) -> None:
        self.city_bureau = Organization(kind="bureau", name=CITY_BUREAU, region=self.city)
        self.city_bank = Organization(kind="bank", name=CITY_BANK, region=self.city)
        db.session.add_all([self.city_bureau, self.city_bank])
        for county in self.counties:
            prefix = "长治市" if county.name.endswith("区") else ""
            county.bureau = Organization(
                kind="bureau",
                name=f"{prefix}{county.name}市场监督管理局",
                parent=self.city_bureau,
                region=county.region,
            )
            county.branch = Organization(
                kind="bank", name=f"邮储银行{county.name}支行", parent=self.city_bank, region=county.region
            )
            for town in county.towns:
                town.office = Organization(
                    kind="bureau",
                    name=f"{town.short}市场监督管理所",
                    parent=county.bureau,
                    region=town.region,
                )
                db.session.add(town.office)
            # One outlet (网点) in a town away from the county seat, where there is one.
            outlet_town = county.towns[1] if len(county.towns) > 1 else county.towns[0]
            county.outlet = Organization(
                kind="bank",
                name=f"邮储银行{county.name}{outlet_town.short}营业所",
                parent=county.branch,
                region=outlet_town.region,
            )
            db.session.add_all([county.bureau, county.branch, county.outlet])
        db.session.flush()

    def _people(self, password_hash: str) -> None:
        rng = self.rng_people
        taken: set[str] = set()

        def person() -> str:
            for _ in range(20):
                candidate = names.person_name(rng)
                if candidate not in taken:
                    break
            taken.add(candidate)
            return candidate

        def make(username: str, role: str, org: Organization) -> User:
            u = User(
                username=username,
                display_name=person(),
                organization=org,
                phone=names.phone(rng),
                password_hash=password_hash,
                active=True,
                created_at=datetime.combine(self.starts_on - timedelta(days=12), time(2, 0)),
            )
            u.roles = [role]
            db.session.add(u)
            self.users.append((username, role))
            return u

        self.admin = make("admin", "admin", self.city_bureau)
        self.lead = make("lead", "lead", self.city_bureau)
        self.lead2 = make("lead2", "lead", self.city_bank)
        for k, county in enumerate(self.counties, start=1):
            county.head = make(f"head{k}", "branch_head", county.branch)
        for k, town in enumerate(self.towns, start=1):
            town.liaison = make(f"liaison{k}", "liaison", town.office)
        for k, town in enumerate(self.towns, start=1):
            town.am = make(f"am{k}", "account_manager", town.county.branch)
        db.session.flush()

    def _campaign(self) -> None:
        self.campaign = Campaign(
            name=CAMPAIGN_NAME,
            template=TEMPLATE,
            bureau_org_id=self.city_bureau.id,
            bank_org_id=self.city_bank.id,
            territory_id=self.city.id,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            reminder_settings={},
            **drive_rules(),
            created_at=datetime.combine(self.starts_on - timedelta(days=10), time(2, 0)),
        )
        db.session.add(self.campaign)
        db.session.flush()
        db.session.add_all(
            [CampaignLead(campaign_id=self.campaign.id, user_id=u.id) for u in (self.lead, self.lead2)]
        )
        pairs = []
        for town in self.towns:
            town.pair = LiaisonPair(
                campaign_id=self.campaign.id,
                region_id=town.region.id,
                county_id=town.county.region.id,
                liaison_id=town.liaison.id,
                account_manager_id=town.am.id,
                name=f"{town.county.name}·{town.name}小组",
                intake_token=_token(self.rng_ids),
                active=True,
                created_at=datetime.combine(self.starts_on, time(2, 0)),
            )
            pairs.append(town.pair)
        db.session.add_all(pairs)
        db.session.flush()

    def _products(self) -> None:
        self.products = seed_products(db.session)
        self.jisudai = next(p for p in self.products if p.name == "极速贷")
        db.session.add_all(
            [CampaignProduct(campaign_id=self.campaign.id, product_id=p.id) for p in self.products]
        )
        db.session.flush()

    # ------------------------------------------------------------------ merchants
    def _allocate(self) -> list[int]:
        """Merchants per district, proportional to households (largest remainder), never above them."""
        households = [d.households for d in self.districts]
        counts = apportion(min(self.merchant_count, sum(households)), households)
        return [min(c, h) for c, h in zip(counts, households)]

    def _merchants(self) -> None:
        rng = self.rng_merchants
        today = self.today
        codes: set[str] = set()
        seen_names: set[str] = set()
        self.merchant_rows: list[dict] = []
        self.m_meta: list[SimpleNamespace] = []
        next_id = self._id_start(Merchant)
        created = datetime.combine(self.starts_on - timedelta(days=8), time(1, 30))
        for district, count in zip(self.districts, self._allocate()):
            town, county = district.town, district.county
            for _ in range(count):
                kind = (
                    "small_enterprise"
                    if rng.random() < (0.09 if district.kind == "business_district" else 0.05)
                    else "individual"
                )
                trade = names.trade(rng, district.kind)
                female = rng.random() < 0.42
                operator = names.person_name(rng, female)
                place = town.short if kind == "individual" else rng.choice(["长治市", county.name])
                for _attempt in range(6):
                    name = names.merchant_name(rng, trade, owner=operator, place=place, kind=kind)
                    if name not in seen_names:
                        break
                seen_names.add(name)
                while True:
                    code = make_credit_code(
                        division=county.code, rng=rng, prefix="92" if kind == "individual" else "91"
                    )
                    if code not in codes:
                        codes.add(code)
                        break
                if rng.random() < 0.04:
                    age = rng.randint(66, 70)
                else:
                    age = int(rng.triangular(22, 66, 42))
                birth = today - timedelta(days=int((age + rng.random()) * 365.25))
                years = min(0.3 + 14.7 * rng.random() ** 1.3, age - 18.5)
                registered = today - timedelta(days=int(years * 365.25))
                if kind == "individual":
                    tier = rng.choices(list(TIER_WEIGHTS), list(TIER_WEIGHTS.values()))[0]
                else:
                    tier = rng.choices(list(TIER_WEIGHTS), [20, 45, 35])[0]
                lo, hi = REVENUE[tier]
                revenue = round(math.exp(rng.uniform(math.log(lo), math.log(hi))), -3)
                distinguished = rng.random() < {"survival": 0.02, "growth": 0.06, "development": 0.085}[tier]
                until = None
                if distinguished:
                    until = (
                        today + timedelta(days=rng.randint(30, 900))
                        if rng.random() < 0.75
                        else today - timedelta(days=rng.randint(1, 400))
                    )
                r = rng.random()
                status = (
                    "abnormal"
                    if r < 0.02
                    else "revoked"
                    if r < 0.025
                    else "cancelled"
                    if r < 0.03
                    else "operating"
                )
                dishonest = rng.random() < 0.01
                row = {
                    "id": next_id,
                    "credit_code": code,
                    "name": name,
                    "name_initials": initials(name),
                    "kind": kind,
                    "operator_name": operator,
                    "operator_phone": names.phone(rng),
                    "operator_birth_date": birth,
                    "registered_on": registered,
                    "trade": trade,
                    "tier": tier,
                    "distinguished": distinguished,
                    "distinguished_until": until,
                    "registry_status": status,
                    "dishonest": dishonest,
                    "county_id": county.region.id,
                    "town_id": town.region.id,
                    "district_id": district.region.id,
                    "address": names.address(rng, district.prefix, village=district.kind == "village"),
                    "annual_revenue": Decimal(int(revenue)),
                    "needs_review": False,
                    "review_reason": None,
                    "created_at": created,
                    "updated_at": created,
                }
                self.merchant_rows.append(row)
                self.m_meta.append(
                    SimpleNamespace(
                        id=next_id,
                        code=code,
                        index=len(self.m_meta),
                        town=town,
                        county=county,
                        district=district,
                        age=age,
                        registered=registered,
                        kind=kind,
                        trade=trade,
                        tier=tier,
                        status=status,
                        dishonest=dishonest,
                        distinguished=distinguished and until is not None and until >= today,
                        revenue=revenue,
                    )
                )
                next_id += 1
        self.by_town: dict[int, list] = defaultdict(list)
        self.by_county: dict[int, list] = defaultdict(list)
        for m in self.m_meta:
            self.by_town[m.town.index].append(m)
            self.by_county[m.county.index].append(m)

    def _ineligible(self, m, on: date) -> str | None:
        """Why 极速贷 would turn this merchant down on that day (base conditions of the drive)."""
        age = m.age - (self.today - on).days / 365.25
        if age < 18 or age > 65:
            return "经营者年龄超出准入范围（18–65周岁）"
        if (on - m.registered).days < 365:
            return "连续经营不满1年"
        if m.dishonest:
            return "经营者被列入失信被执行人名单"
        if m.status != "operating":
            return "营业执照状态异常（列入经营异常名录）"
        return None
