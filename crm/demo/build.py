"""A realistic demo drive: 双百工程 in Changzhi, half a year in, with its people, merchants and history.

build_demo() fills an empty database in one transaction: the territory (city → 12 counties →
towns → districts), the bureau's and the bank's organization trees, users for every role, the
campaign with its rules, liaison pairs, the product catalogue, a few thousand merchants and the
field work since the drive began — visits, needs, follow-ups, applications, joint visit days,
matchmaking meetings, referral lists and plaques. Gaps are left on purpose (a missed joint visit
day, a county without its quarterly meeting, overdue referrals and follow-ups) so that every
report and reminder has something to show.

Everything random comes from random.Random streams derived from the seed, so the same seed on
the same day gives the same data. The tree and the users go through the ORM; the thousands of
rows after them are inserted in bulk with ids allocated here.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
import secrets
import string
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from time import perf_counter
from types import SimpleNamespace

from sqlalchemy import func, insert, select, text

from crm.auth.passwords import hash_password
from crm.campaigns.models import Campaign, CampaignLead, LiaisonPair
from crm.demo import geography, names
from crm.events.models import Event
from crm.extensions import db
from crm.merchants.credit_code import make as make_credit_code
from crm.merchants.models import Merchant
from crm.merchants.operations import initials
from crm.people.models import Organization, User
from crm.plaques.models import Plaque
from crm.products.catalogue import seed_products
from crm.products.models import CampaignProduct, Product
from crm.referrals.models import Referral, ReferralList
from crm.regions.models import Region
from crm.timeutil import local_date, local_now, local_today, to_utc_naive, utcnow
from crm.visits.models import Application, FollowUp, Need, Visit

CAMPAIGN_NAME = "双百工程普惠授信活动"
CITY_BUREAU = "长治市市场监督管理局"
CITY_BANK = "中国邮政储蓄银行长治市分行"
FOCUS_TRADES = ["wholesale_retail", "lodging_catering", "transport_logistics"]
TIER_WEIGHTS = {"survival": 55, "growth": 30, "development": 15}
# Annual revenue ranges by tier (yuan), after the Shanxi Bank and CCB descriptions in DOMAIN.md.
REVENUE = {
    "survival": (60_000, 600_000),
    "growth": (400_000, 1_500_000),
    "development": (1_200_000, 6_000_000),
}

VISIT_SHARE = 0.35  # merchants visited at least once
NEED_SHARE = 0.40  # first visits that find a financing need
APPLY_SHARE = 0.60  # financing needs that become an application

PURPOSES = (
    "进货周转",
    "店面装修",
    "购置货车",
    "扩大经营规模",
    "购置设备",
    "节日备货",
    "支付租金",
    "开设分店",
)
OTHER_NEEDS = (
    ("申请免费收款二维码牌和云喇叭", "已上门安装收款设备并开通商户收款"),
    ("咨询个体工商户转型升级为企业的办理流程", "基层所已现场指导，材料已预审"),
    ("希望协调市场周边临时停车位", "已反馈市场管理方，增设临时停车区"),
    ("咨询商标注册流程", "已提供商标注册指南并协助网上提交"),
    ("希望参加线上营销培训", "已邀请参加县局组织的电商培训"),
    ("营业执照经营地址变更", "已指导通过“一网通办”完成变更"),
    ("咨询创业担保贷款贴息政策", "已讲解贴息政策，转介人社部门核实资格"),
    ("申请POS机具费率优惠", "已按小微商户优惠费率办理"),
    ("反映手机银行操作不熟练", "客户经理上门演示，已会操作"),
)
VISIT_NOTES_FIRST = (
    "介绍极速贷产品及线上申请流程，留存宣传折页",
    "商户经营稳定，已添加微信便于后续联系",
    "现场讲解随借随还、按日计息",
    "店主外出，与店员沟通并留下联系方式",
    "商户对线上申请有兴趣，约定下周回访",
    "了解经营流水及备货周期",
    "已扫码关注邮储银行公众号",
)
VISIT_NOTES_FOLLOW = (
    "回访了解用款情况，经营正常",
    "商户反映审批速度快，满意",
    "回访收集意见：希望额度再提高",
    "了解节日备货资金需求",
    "回访时商户建议增加网点营业时间",
    "商户已推荐同市场两户商户",
)
FOLLOW_UP_REASONS = ("首访后例行回访", "跟进融资需求办理进度", "了解贷款使用情况及满意度", "回访收集意见建议")
DECLINE_REASONS = (
    "征信存在多次逾期记录",
    "负债率偏高",
    "经营流水不足，暂不符合授信条件",
    "无法提供有效经营证明",
)
CLOSED_NOTES = {
    "no_need": "商户表示近期无融资需求",
    "not_eligible": "经初步审查不符合准入条件",
    "cannot_reach": "多次电话联系未接通，上门未见经营者",
    "declined": "申请未获批准",
    "business_closed": "实地走访发现已停业",
    "duplicate": "与第一批名单重复",
}
CANCEL_NOTES = ("因降雨天气取消，顺延至下月", "与县局专项检查冲突，未能安排")


@dataclass
class _Plan:
    """What happens to one merchant during the drive, decided before any row is made."""

    first_on: date
    kind: str = "first"
    event_id: int | None = None
    by_liaison: bool = False
    need: bool = False
    amount: int = 0
    purpose: str = ""
    applied_on: date | None = None
    outcome: str | None = None  # pending | granted | declined
    decided_on: date | None = None
    declined_reason: str | None = None
    drawn_on: date | None = None
    extra: dict = field(default_factory=dict)


def build_demo(seed: int = 1, password: str | None = None, merchants: int = 5000) -> dict:
    """Fill an empty database with a realistic drive; return counts, users and the password."""
    started = perf_counter()
    _refuse_unless_empty()
    if password is None:
        password = random_password()
    builder = _Builder(seed=seed, merchant_count=merchants)
    users = builder.run(hash_password(password))
    db.session.commit()
    return {
        "counts": _counts(),
        "users": users,
        "password": password,
        "seconds": round(perf_counter() - started, 2),
    }


def random_password(length: int = 14) -> str:
    """A password that satisfies the policy (≥ 8 characters from at least 3 classes)."""
    pools = [string.ascii_lowercase, string.ascii_uppercase, string.digits, "!#%+-=?@"]
    chars = [secrets.choice(pool) for pool in pools]
    everything = "".join(pools)
    chars += [secrets.choice(everything) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _refuse_unless_empty() -> None:
    for model, what in (
        (User, "users"),
        (Region, "regions"),
        (Campaign, "campaigns"),
        (Merchant, "merchants"),
    ):
        if db.session.scalar(select(func.count()).select_from(model)):
            raise RuntimeError(
                f"The database already has {what}: the demo drive is built only into an empty database "
                "(create a new one, run the migrations, then build the demo)."
            )


def _counts() -> dict:
    from crm import models  # noqa: F401  (every table registered)

    counted = (
        Region,
        Organization,
        User,
        Campaign,
        CampaignLead,
        LiaisonPair,
        Product,
        CampaignProduct,
        Merchant,
        Event,
        Visit,
        Need,
        FollowUp,
        Application,
        ReferralList,
        Referral,
        Plaque,
    )
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in counted}


def _month_start(d: date, back: int = 0) -> date:
    index = d.year * 12 + d.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _month_end(d: date) -> date:
    return _month_start(d, -1) - timedelta(days=1)


def _quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _token(rng: random.Random) -> str:
    """Like secrets.token_urlsafe(16), but from the seeded stream."""
    return base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "big")).rstrip(b"=").decode()


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class _Builder:
    def __init__(self, seed: int, merchant_count: int):
        self.seed = seed
        self.merchant_count = max(0, int(merchant_count))
        # Independent streams, so that (say) the merchants do not change when the calendar does.
        self.rng_people = random.Random(f"{seed}/people")
        self.rng_merchants = random.Random(f"{seed}/merchants")
        self.rng_events = random.Random(f"{seed}/events")
        self.rng_plan = random.Random(f"{seed}/plan")
        self.rng_rows = random.Random(f"{seed}/rows")
        self.rng_ids = random.Random(f"{seed}/ids")
        self.today = local_today()
        self.now = utcnow()
        local = local_now()
        # Visits are logged in working hours; before 10:00 today's field work has not begun.
        self.last_day = self.today if local.hour >= 10 else self.today - timedelta(days=1)
        self.local_now = local.replace(tzinfo=None)
        self.starts_on = _month_start(self.today, 5)
        if self.today <= date(self.today.year, 12, 1):
            self.ends_on = date(self.today.year, 12, 31)
        else:
            self.ends_on = date(self.today.year + 1, 6, 30)
        self.users: list[tuple[str, str]] = []

    # ------------------------------------------------------------------ helpers
    def _weekday_in(self, rng: random.Random, lo: date, hi: date, saturday: bool = False) -> date:
        """A random working day in [lo, hi]; lo when the window has none."""
        if hi < lo:
            return lo
        span = (hi - lo).days
        for _ in range(12):
            d = lo + timedelta(days=rng.randint(0, span))
            if d.weekday() < (6 if saturday else 5):
                return d
        return lo

    def _moment(self, rng: random.Random, d: date, start: time = time(9, 0), minutes: int = 510) -> datetime:
        """A naive-UTC timestamp in local working hours on d (never in the future)."""
        local = datetime.combine(d, start) + timedelta(
            minutes=rng.randrange(minutes), seconds=rng.randrange(60)
        )
        if local > self.local_now:
            floor = datetime.combine(d, start)
            latest = self.local_now - timedelta(minutes=5)
            local = floor + (latest - floor) * rng.random() if latest > floor else latest
        return to_utc_naive(local)

    def _id_start(self, model) -> int:
        return (db.session.scalar(select(func.max(model.id))) or 0) + 1

    # ------------------------------------------------------------------ run
    def run(self, password_hash: str) -> list[tuple[str, str]]:
        self._territory()
        self._organizations()
        self._people(password_hash)
        self._campaign()
        self._products()
        self._merchants()
        self._events()
        self._referral_plans()
        self._visit_plans()
        self._history_rows()
        self._referral_rows()
        self._plaques()
        self._write()
        return self.users

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
            template="shuangbai",
            bureau_org_id=self.city_bureau.id,
            bank_org_id=self.city_bank.id,
            territory_id=self.city.id,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            district_household_threshold=100,
            district_coverage_ratio=Decimal("0.2"),
            joint_visit_days_per_month=1,
            matchmaking_per_county_per_quarter=1,
            level_visits_per_year=3,
            referral_contact_days=7,
            follow_up_interval_days=30,
            need_due_days=15,
            focus_trades=list(FOCUS_TRADES),
            tier_caps={"survival": 100000, "growth": 200000, "development": 300000, "distinguished": 1000000},
            base_conditions={"min_age": 18, "max_age": 65, "min_months_trading": 12},
            plaque_criteria={
                "tiers": ["development", "growth"],
                "max_overdue_12m": 3,
                "veto_statuses": ["revoked", "abnormal"],
                "veto_dishonest": True,
            },
            reminder_settings={},
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
        total = sum(d.households for d in self.districts)
        wanted = min(self.merchant_count, total)
        quotas = [wanted * d.households / total for d in self.districts]
        counts = [math.floor(q) for q in quotas]
        order = sorted(range(len(quotas)), key=lambda i: (counts[i] - quotas[i], i))
        for i in order[: wanted - sum(counts)]:
            counts[i] += 1
        return [min(c, d.households) for c, d in zip(counts, self.districts)]

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

    # ------------------------------------------------------------------ events
    def _event(self, **values) -> dict:
        row = {
            "id": self.next_event_id,
            "campaign_id": self.campaign.id,
            "kind": None,
            "status": "planned",
            "pair_id": None,
            "county_id": None,
            "region_id": None,
            "level": None,
            "title": None,
            "planned_on": None,
            "held_on": None,
            "place": None,
            "organizers": None,
            "with_briefing": False,
            "attendance": None,
            "merchants_reached": None,
            "briefing_audience": None,
            "intentions": None,
            "signed_amount": None,
            "notes": None,
            "created_by_id": None,
            "created_at": None,
        }
        row.update(values)
        if row["created_at"] is None:
            row["created_at"] = min(
                datetime.combine(row["planned_on"] - timedelta(days=7), time(2, 0)),
                self.now - timedelta(hours=1),
            )
        self.next_event_id += 1
        self.event_rows.append(row)
        return row

    def _events(self) -> None:
        rng = self.rng_events
        self.event_rows: list[dict] = []
        self.next_event_id = self._id_start(Event)
        self.joint_days: list[tuple[dict, object]] = []  # (event row, town) for held joint visit days
        today = self.today
        current = _month_start(today)
        months = []
        m = self.starts_on
        while m < current:
            months.append(m)
            m = _month_start(m, -1)

        # Monthly joint visit days per pair; a few pair-months missed on purpose.
        combos = [(t.index, i) for t in self.towns for i in range(len(months))]
        missed_count = max(2, round(len(combos) * 0.04)) if combos else 0
        missed = rng.sample(combos, min(missed_count, len(combos)))
        cancelled = set(missed[: max(1, len(missed) // 3)])
        missed = set(missed)
        for town in self.towns:
            organizers = f"{town.office.name}、{town.county.branch.name}"
            for i, month in enumerate(months):
                day = self._weekday_in(rng, month + timedelta(days=5), month + timedelta(days=24))
                where = (
                    town.key
                    if rng.random() < 0.6 or len(town.districts) == 1
                    else rng.choice(town.districts[1:])
                )
                base = {
                    "kind": "joint_visit_day",
                    "pair_id": town.pair.id,
                    "county_id": town.county.region.id,
                    "region_id": where.region.id,
                    "title": f"{town.name}联合走访日（{month.month}月）",
                    "planned_on": day,
                    "place": f"{where.name}（{where.prefix}）",
                    "organizers": organizers,
                    "created_by_id": town.liaison.id,
                }
                if (town.index, i) in missed:
                    if (town.index, i) in cancelled:
                        self._event(**base, status="cancelled", notes=rng.choice(CANCEL_NOTES))
                    continue
                held = (
                    day
                    if rng.random() < 0.85
                    else min(
                        self._weekday_in(rng, day + timedelta(days=1), day + timedelta(days=3)),
                        _month_end(day),
                    )
                )
                briefing = rng.random() < 0.85
                audience = rng.randint(12, 45) if briefing else None
                row = self._event(
                    **base,
                    status="held",
                    held_on=held,
                    with_briefing=briefing,
                    attendance=rng.randint(4, 9) + (audience or 0),
                    briefing_audience=audience,
                    intentions=rng.randint(1, 8),
                    notes="开展“10分钟融资宣讲会”，现场受理咨询" if briefing else "驻点办公，逐户走访",
                )
                self.joint_days.append((row, town, where))
            # This month's day is still ahead.
            day = self._weekday_in(rng, max(today, current + timedelta(days=2)), _month_end(today))
            where = town.key
            self._event(
                kind="joint_visit_day",
                pair_id=town.pair.id,
                county_id=town.county.region.id,
                region_id=where.region.id,
                title=f"{town.name}联合走访日（{today.month}月）",
                planned_on=day,
                place=f"{where.name}（{where.prefix}）",
                organizers=organizers,
                with_briefing=True,
                created_by_id=town.liaison.id,
            )

        # Quarterly matchmaking meetings per county; one or two counties miss a past quarter.
        quarters = []
        q = _quarter_start(self.starts_on)
        while q <= today:
            end = _month_end(_month_start(q, -2))
            quarters.append((q, end))
            q = _month_start(q, -3)
        past = [i for i, (_, end) in enumerate(quarters) if end < today]
        skip = set()
        if past:
            for county_index in rng.sample(range(len(self.counties)), 2):
                skip.add((county_index, rng.choice(past)))
        self.matchmaking_skipped = sorted(skip)
        for county in self.counties:
            organizers = f"{county.bureau.name}、{county.branch.name}"
            for qi, (q_start, q_end) in enumerate(quarters):
                if (county.index, qi) in skip:
                    continue
                lo = max(q_start, self.starts_on)
                title = f"{county.name}{q_start.year}年第{(q_start.month - 1) // 3 + 1}季度“普惠金融进乡镇”银企对接会"
                meetings = 2 if rng.random() < 0.15 else 1
                for n in range(meetings):
                    town = rng.choice(county.towns)
                    base = {
                        "kind": "matchmaking",
                        "county_id": county.region.id,
                        "region_id": town.region.id,
                        "title": title if n == 0 else title.replace("银企对接会", "专场银企对接会"),
                        "place": f"{town.name}{rng.choice(['便民服务中心会议室', '商会会议室', '邮储银行营业厅'])}",
                        "organizers": organizers,
                        "created_by_id": county.head.id,
                        "with_briefing": True,
                    }
                    latest = min(q_end, today - timedelta(days=1))
                    if q_end < today or ((latest - lo).days >= 14 and rng.random() < 0.5):
                        day = self._weekday_in(rng, min(lo + timedelta(days=10), latest), latest)
                        attendance = rng.randint(30, 120)
                        intentions = rng.randint(5, 30)
                        self._event(
                            **base,
                            status="held",
                            planned_on=day,
                            held_on=day,
                            attendance=attendance,
                            briefing_audience=attendance,
                            merchants_reached=int(attendance * 0.7),
                            intentions=intentions,
                            signed_amount=Decimal(intentions * rng.randint(8, 25) * 10000),
                            notes="邮储银行讲解极速贷，市场监管部门宣讲个体工商户扶持政策，现场签约",
                        )
                    else:
                        # Within its own quarter: on the quarter's last day, that is today.
                        day = self._weekday_in(rng, min(today + timedelta(days=1), q_end), q_end)
                        self._event(**base, planned_on=day)

        # A few briefings for chambers of commerce, outside the joint visit days.
        for county in self.counties:
            town = rng.choice(county.towns)
            day = self._weekday_in(
                rng, self.starts_on + timedelta(days=20), self.last_day - timedelta(days=1)
            )
            audience = rng.randint(15, 60)
            self._event(
                kind="briefing",
                status="held",
                pair_id=town.pair.id,
                county_id=county.region.id,
                region_id=town.region.id,
                title=f"{town.short}商会“10分钟融资宣讲会”",
                planned_on=day,
                held_on=day,
                place=f"{town.name}商会",
                organizers=f"{town.office.name}、{county.branch.name}",
                with_briefing=True,
                attendance=audience,
                briefing_audience=audience,
                intentions=rng.randint(2, 10),
                created_by_id=town.liaison.id,
            )

        # Joint meetings of the city bureau and the city branch: kick-off, then one a quarter.
        kick = self._weekday_in(rng, self.starts_on + timedelta(days=3), self.starts_on + timedelta(days=9))
        self._event(
            kind="joint_meeting",
            status="held",
            region_id=self.city.id,
            planned_on=kick,
            held_on=kick,
            title="“双百工程”普惠授信活动启动暨政银联席会议",
            place="长治市市场监督管理局三楼会议室",
            organizers=f"{CITY_BUREAU}、{CITY_BANK}",
            attendance=rng.randint(30, 50),
            notes="部署活动方案，明确“一镇一专员”结对名单",
            created_by_id=self.lead.id,
        )
        for qi in past:
            q_end = quarters[qi][1]
            day = self._weekday_in(rng, q_end + timedelta(days=3), q_end + timedelta(days=12))
            if day >= today:
                continue
            self._event(
                kind="joint_meeting",
                status="held",
                region_id=self.city.id,
                planned_on=day,
                held_on=day,
                title=f"“双百工程”第{(quarters[qi][0].month - 1) // 3 + 1}季度推进联席会议",
                place="邮储银行长治市分行会议室",
                organizers=f"{CITY_BUREAU}、{CITY_BANK}",
                attendance=rng.randint(20, 40),
                notes="通报各县区进展，分析问题，部署下阶段工作",
                created_by_id=self.lead2.id,
            )
        if self.ends_on > today:
            day = self._weekday_in(
                rng,
                max(today + timedelta(days=1), self.ends_on - timedelta(days=20)),
                self.ends_on - timedelta(days=5),
            )
            self._event(
                kind="joint_meeting",
                region_id=self.city.id,
                planned_on=day,
                title="“双百工程”年度总结会",
                place="长治市市场监督管理局三楼会议室",
                organizers=f"{CITY_BUREAU}、{CITY_BANK}",
                created_by_id=self.lead.id,
            )

        # Level visits (结对子 at each level, ≥3 a year): the city pair twice, each county pair once or twice.
        for n in range(2):
            day = self._weekday_in(
                rng,
                self.starts_on + timedelta(days=15 + 70 * n),
                min(self.starts_on + timedelta(days=45 + 70 * n), self.last_day - timedelta(days=1)),
            )
            self._event(
                kind="level_visit",
                status="held",
                level="city",
                region_id=self.city.id,
                planned_on=day,
                held_on=day,
                title="市局—市分行结对走访",
                organizers=f"{CITY_BUREAU}、{CITY_BANK}",
                notes="共同走访重点商圈，听取商户意见",
                created_by_id=self.lead.id,
            )
        for county in self.counties:
            for _ in range(rng.randint(1, 2)):
                day = self._weekday_in(
                    rng, self.starts_on + timedelta(days=10), self.last_day - timedelta(days=1)
                )
                self._event(
                    kind="level_visit",
                    status="held",
                    level="county",
                    county_id=county.region.id,
                    region_id=county.region.id,
                    planned_on=day,
                    held_on=day,
                    title=f"{county.name}县局—县支行结对走访",
                    organizers=f"{county.bureau.name}、{county.branch.name}",
                    created_by_id=county.head.id,
                )

    # ------------------------------------------------------------------ plans
    def _referral_plans(self) -> None:
        """Two lists per county (an early one and a recent one); each name's fate decided here."""
        rng = self.rng_plan
        self.plans: dict[int, _Plan] = {}
        self.list_rows: list[dict] = []
        self.referral_plans: list[dict] = []
        next_list = self._id_start(ReferralList)
        for county in self.counties:
            pool = [
                m
                for m in self.by_county[county.index]
                if m.trade in FOCUS_TRADES and m.status in ("operating", "abnormal")
            ]
            rng.shuffle(pool)
            liaison = county.towns[0].liaison
            for batch, (recent, trades) in enumerate(
                (
                    (False, ["wholesale_retail", "lodging_catering"]),
                    (True, ["wholesale_retail", "transport_logistics"]),
                ),
                start=1,
            ):
                listed = {p["m"].index for p in self.referral_plans}
                chosen = [m for m in pool if m.trade in trades and m.index not in listed]
                size = min(
                    rng.randint(30, 80), max(0, len(chosen) // 3) if len(chosen) >= 9 else len(chosen) // 2
                )
                chosen = chosen[:size]
                if recent:
                    handed = self._weekday_in(
                        rng, self.today - timedelta(days=12), self.today - timedelta(days=2)
                    )
                else:
                    handed = self._weekday_in(
                        rng, self.starts_on + timedelta(days=15), self.starts_on + timedelta(days=45)
                    )
                created = handed - timedelta(days=rng.randint(1, 3))
                list_row = {
                    "id": next_list,
                    "campaign_id": self.campaign.id,
                    "name": f"{county.name}第{'一二'[batch - 1]}批送贷名单（{'批发零售·住宿餐饮' if batch == 1 else '批发零售·交通物流'}）",
                    "bureau_org_id": county.bureau.id,
                    "bank_org_id": county.branch.id,
                    "source": "filter",
                    "criteria": {
                        "county_id": county.region.id,
                        "trades": trades,
                        "registry_status": ["operating"],
                        "tiers": list(TIER_WEIGHTS),
                    },
                    "created_by_id": liaison.id,
                    "created_at": self._moment(rng, created),
                    "handed_over_at": self._moment(rng, handed),
                }
                next_list += 1
                self.list_rows.append(list_row)
                statuses = (
                    [
                        ("pending", 15),
                        ("assigned", 33),
                        ("contacted", 20),
                        ("visited", 22),
                        ("applied", 4),
                        ("closed", 6),
                    ]
                    if recent
                    else [
                        ("drawn", 14),
                        ("granted", 7),
                        ("applied", 6),
                        ("visited", 30),
                        ("contacted", 10),
                        ("assigned", 10),
                        ("closed", 23),
                    ]
                )
                targets = [rng.choices([s for s, _ in statuses], [w for _, w in statuses])[0] for _ in chosen]
                if len(chosen) >= 3 and "assigned" not in targets:
                    targets[-1] = "assigned"  # every list has a name nobody has called yet
                for m, target in zip(chosen, targets):
                    self._plan_referral(rng, list_row, handed, recent, m, target)

    def _plan_referral(self, rng, list_row, handed: date, recent: bool, m, target: str) -> None:
        reason = None
        if target == "closed":
            reasons = (
                ["no_need", "cannot_reach", "duplicate"]
                if recent
                else [
                    "no_need",
                    "no_need",
                    "not_eligible",
                    "cannot_reach",
                    "declined",
                    "business_closed",
                    "duplicate",
                ]
            )
            reason = rng.choice(reasons)
        if m.status != "operating" and target not in ("pending", "assigned", "contacted"):
            target, reason = "closed", "not_eligible"
        if target in ("granted", "drawn") and self._ineligible(m, self.today):
            target, reason = "closed", "declined"
        assigned = (
            None if target == "pending" else min(handed + timedelta(days=rng.randint(0, 2)), self.last_day)
        )
        plan_entry = {
            "m": m,
            "list": list_row,
            "target": target,
            "reason": reason,
            "assigned": assigned,
            "changed": None,
        }
        self.referral_plans.append(plan_entry)
        if target in ("pending", "assigned"):
            plan_entry["changed"] = assigned or handed
            return
        if target == "contacted" or reason in (
            "not_eligible",
            "cannot_reach",
            "business_closed",
            "duplicate",
        ):
            plan_entry["changed"] = min(assigned + timedelta(days=rng.randint(1, 6)), self.last_day)
            return
        # Everything else meant a visit after the list was handed over.
        first = self._weekday_in(
            rng,
            assigned + timedelta(days=1),
            min(assigned + timedelta(days=12), self.last_day),
            saturday=True,
        )
        if first > self.last_day:
            # No working day left for the visit: the name was only called, whatever its fate would have been.
            plan_entry.update(target="contacted", reason=None, changed=self.last_day)
            return
        plan = _Plan(first_on=first)
        self.plans[m.index] = plan
        if target == "visited" or reason == "no_need":
            plan.need = target == "visited" and rng.random() < 0.3
            if plan.need:
                self._need_amount(rng, plan, m)
            plan_entry["changed"] = first
            return
        self._need_amount(rng, plan, m)
        plan.applied_on = min(first + timedelta(days=rng.randint(0, 5)), self.last_day)
        if target == "applied":
            if not recent:
                plan.applied_on = max(first, self.last_day - timedelta(days=rng.randint(0, 4)))
            plan.outcome = "pending"
        elif reason == "declined":
            plan.outcome = "declined"
            plan.decided_on = min(plan.applied_on + timedelta(days=rng.randint(1, 7)), self.last_day)
            plan.declined_reason = self._ineligible(m, plan.decided_on) or rng.choice(DECLINE_REASONS)
        else:
            plan.outcome = "granted"
            plan.decided_on = min(plan.applied_on + timedelta(days=rng.randint(1, 7)), self.last_day)
            if target == "drawn":
                plan.drawn_on = min(plan.decided_on + timedelta(days=rng.randint(0, 10)), self.last_day)
        plan_entry["changed"] = plan.drawn_on or plan.decided_on or plan.applied_on

    def _need_amount(self, rng, plan: _Plan, m) -> None:
        plan.need = True
        top = {"survival": 200_000, "growth": 350_000, "development": 500_000}[m.tier]
        plan.amount = rng.randrange(50_000, top + 1, 10_000)
        plan.purpose = rng.choice(PURPOSES)

    def _visit_plans(self) -> None:
        rng = self.rng_plan
        referred = {p["m"].index for p in self.referral_plans}

        def free(m) -> bool:
            return (
                m.index not in self.plans
                and m.index not in referred
                and m.status not in ("revoked", "cancelled")
            )

        # Joint visit days: the pair walks the district together, a handful of shops each time.
        self.event_visits: dict[int, int] = defaultdict(int)
        for row, town, where in self.joint_days:
            town_merchants = self.by_town[town.index]
            here = [m for m in town_merchants if m.district is where and free(m)]
            rest = [m for m in town_merchants if m.district is not where and free(m)]
            rng.shuffle(here)
            rng.shuffle(rest)
            k = min(15, max(1, round(len(town_merchants) * rng.uniform(0.015, 0.035))))
            for m in (here + rest)[:k]:
                plan = _Plan(
                    first_on=row["held_on"],
                    kind="joint_visit_day",
                    event_id=row["id"],
                    by_liaison=rng.random() < 0.35,
                )
                self._auto_need(rng, plan, m)
                self.plans[m.index] = plan
                self.event_visits[row["id"]] += 1
        for row in self.event_rows:
            if row["kind"] == "joint_visit_day" and row["status"] == "held":
                row["merchants_reached"] = self.event_visits.get(row["id"], 0)
        # Everyday visits by the account managers, more in each town's key district and focus trades.
        # Some pairs sweep their key district house by house (扫街), others spread thin: so the
        # coverage rule (≥100 households or ≥20%) is met in some districts and missed in most.
        sweepers = set(rng.sample(range(len(self.towns)), round(len(self.towns) * 0.3)))
        target = round(VISIT_SHARE * len(self.m_meta)) - len(self.plans)
        candidates = [m for m in self.m_meta if free(m)]
        if target > 0 and candidates:

            def weight(m):
                w = (40.0 if m.town.index in sweepers else 3.0) if m.district is m.town.key else 1.0
                w *= 1.5 if m.trade in FOCUS_TRADES else 1.0
                return w * (0.5 if m.status == "abnormal" else 1.0)

            keyed = sorted(((rng.random() ** (1.0 / weight(m)), m.index) for m in candidates), reverse=True)
            for _, index in keyed[:target]:
                m = self.m_meta[index]
                plan = _Plan(
                    first_on=self._weekday_in(
                        rng, self.starts_on + timedelta(days=2), self.last_day, saturday=True
                    )
                )
                self._auto_need(rng, plan, m)
                self.plans[index] = plan

    def _auto_need(self, rng, plan: _Plan, m) -> None:
        if rng.random() >= NEED_SHARE:
            return
        self._need_amount(rng, plan, m)
        if m.kind != "individual" and rng.random() < 0.5:
            return
        if rng.random() >= APPLY_SHARE:
            return
        applied = plan.first_on + timedelta(days=rng.randint(0, 8))
        if applied > self.last_day:
            return
        why = self._ineligible(m, applied)
        if why and rng.random() < 0.7:
            plan.extra["screened_out"] = why  # the account manager's own check: no application filed
            return
        plan.applied_on = applied
        decided = applied + timedelta(days=rng.randint(1, 7))
        if decided > self.last_day:
            plan.outcome = "pending"
            return
        plan.decided_on = decided
        why = self._ineligible(m, decided)
        if why or rng.random() < 0.05:
            plan.outcome = "declined"
            plan.declined_reason = why or rng.choice(DECLINE_REASONS)
            return
        plan.outcome = "granted"
        drawn = decided + timedelta(days=rng.randint(0, 10))
        if rng.random() < 0.8 and drawn <= self.last_day:
            plan.drawn_on = drawn

    # ------------------------------------------------------------------ rows
    def _history_rows(self) -> None:
        rng = self.rng_rows
        self.visit_rows, self.need_rows, self.follow_up_rows, self.application_rows = [], [], [], []
        next_visit, next_need = self._id_start(Visit), self._id_start(Need)
        next_follow_up, next_application = self._id_start(FollowUp), self._id_start(Application)
        self.first_visit_at: dict[int, datetime] = {}
        self.application_outcome: dict[int, str] = {}
        interval = self.campaign.follow_up_interval_days
        campaign_id = self.campaign.id

        def visit(m, on: date, kind: str, author, event_id=None, **extra) -> dict:
            nonlocal next_visit
            client_id = _uuid(rng)
            at = self._moment(
                rng,
                on,
                time(9, 30) if kind == "joint_visit_day" else time(9, 0),
                390 if kind == "joint_visit_day" else 510,
            )
            created = min(at + timedelta(minutes=rng.choice([1, 2, 5, 15, 45, 180])), self.now)
            row = {
                "id": next_visit,
                "client_id": client_id,
                "body_hash": _sha(client_id),
                "campaign_id": campaign_id,
                "merchant_id": m.id,
                "author_id": author.id,
                "pair_id": m.town.pair.id,
                "event_id": event_id,
                "kind": kind,
                "visited_at": at,
                "visited_on": on,
                "lat": round(m.county.lat + rng.gauss(0, 0.03), 6),
                "lng": round(m.county.lng + rng.gauss(0, 0.03), 6),
                "accuracy_m": float(rng.choice([5, 8, 10, 15, 20, 35, 60])),
                "has_financing_need": None,
                "financing_amount": None,
                "financing_purpose": None,
                "satisfaction": None,
                "notes": None,
                "created_at": created,
                "updated_at": created,
            }
            row.update(extra)
            next_visit += 1
            self.visit_rows.append(row)
            return row

        def need(m, v: dict, kind: str, text: str, owner, opened: date) -> dict:
            nonlocal next_need
            row = {
                "id": next_need,
                "campaign_id": campaign_id,
                "merchant_id": m.id,
                "visit_id": v["id"],
                "kind": kind,
                "text": text,
                "owner_id": owner.id,
                "due_on": opened + timedelta(days=self.campaign.need_due_days),
                "status": "open",
                "opened_on": opened,
                "closed_on": None,
                "resolution": None,
                "closed_by_id": None,
            }
            next_need += 1
            self.need_rows.append(row)
            return row

        def close(row: dict, on: date, resolution: str, by) -> None:
            row.update(
                status="closed", closed_on=min(on, self.last_day), resolution=resolution, closed_by_id=by.id
            )

        for m in self.m_meta:
            plan = self.plans.get(m.index)
            if plan is None:
                continue
            am, liaison = m.town.am, m.town.liaison
            author = liaison if plan.by_liaison else am
            first = visit(
                m,
                plan.first_on,
                plan.kind,
                author,
                plan.event_id,
                has_financing_need=plan.need,
                financing_amount=Decimal(plan.amount) if plan.need else None,
                financing_purpose=plan.purpose if plan.need else None,
                notes=rng.choice(VISIT_NOTES_FIRST),
            )
            self.first_visit_at[m.index] = first["visited_at"]
            if plan.need:
                n = need(
                    m,
                    first,
                    "financing",
                    f"融资需求{plan.amount // 10000}万元，用于{plan.purpose}",
                    am,
                    plan.first_on,
                )
                if plan.applied_on:
                    self._application(rng, m, plan, n, am, next_application, first["visited_at"])
                    next_application += 1
                    if plan.outcome == "granted":
                        granted = self.application_rows[-1]["granted_amount"]
                        product = "极速贷" if m.kind == "individual" else "小微企业经营贷款"
                        close(n, plan.decided_on, f"已授信{granted / 10000:g}万元（{product}）", am)
                    elif plan.outcome == "declined":
                        close(
                            n,
                            plan.decided_on,
                            f"经审查暂不符合授信条件：{plan.declined_reason}；已纳入持续跟进",
                            am,
                        )
                elif plan.extra.get("screened_out"):
                    close(
                        n,
                        plan.first_on + timedelta(days=rng.randint(1, 5)),
                        f"暂不符合极速贷准入条件（{plan.extra['screened_out']}），已纳入持续跟进",
                        am,
                    )
                elif n["due_on"] <= self.today and rng.random() < 0.65:
                    close(
                        n,
                        plan.first_on + timedelta(days=rng.randint(2, 14)),
                        rng.choice(
                            [
                                "客户表示暂缓用款，需求撤回",
                                "已对接其他融资渠道，需求关闭",
                                "已讲解产品，客户暂不申请",
                            ]
                        ),
                        am,
                    )
            if rng.random() < 0.12:
                text, resolution = rng.choice(OTHER_NEEDS)
                owner = liaison if rng.random() < 0.4 else am
                n = need(m, first, "other", text, owner, plan.first_on)
                closed_on = plan.first_on + timedelta(days=rng.randint(1, 20))
                if closed_on <= self.last_day and rng.random() < 0.7:
                    close(n, closed_on, resolution, owner)
            # Follow-ups: each return visit planned about a month after the last one.
            source, source_on = first, plan.first_on
            chance = 0.85
            while rng.random() < chance:
                due = source_on + timedelta(days=interval + rng.randint(-3, 5))
                fu = {
                    "id": next_follow_up,
                    "campaign_id": campaign_id,
                    "merchant_id": m.id,
                    "assignee_id": am.id,
                    "due_on": due,
                    "reason": rng.choice(FOLLOW_UP_REASONS),
                    "status": "planned",
                    "source_visit_id": source["id"],
                    "done_visit_id": None,
                    "created_at": min(source["created_at"] + timedelta(minutes=1), self.now),
                }
                next_follow_up += 1
                self.follow_up_rows.append(fu)
                if due > self.last_day:
                    break
                r = rng.random()
                if r < 0.78:
                    on = min(
                        max(due + timedelta(days=rng.randint(-4, 6)), source_on + timedelta(days=1)),
                        self.last_day,
                    )
                    if on.weekday() == 6:
                        on = max(on - timedelta(days=1), source_on + timedelta(days=1))
                    v = visit(
                        m,
                        on,
                        "follow_up",
                        am,
                        satisfaction=rng.choices([5, 4, 3], [50, 35, 15])[0],
                        has_financing_need=False,
                        notes=rng.choice(VISIT_NOTES_FOLLOW),
                    )
                    fu.update(status="done", done_visit_id=v["id"])
                    source, source_on = v, on
                    chance = 0.6
                    continue
                if r < 0.82:
                    fu["status"] = "cancelled"
                break

    def _application(
        self, rng, m, plan: _Plan, need_row: dict, am, app_id: int, visited_at: datetime
    ) -> None:
        client_id = _uuid(rng)
        applied = Decimal(plan.amount)
        row = {
            "id": app_id,
            "client_id": client_id,
            "body_hash": _sha(client_id),
            "campaign_id": self.campaign.id,
            "merchant_id": m.id,
            "need_id": need_row["id"],
            "product_id": self.jisudai.id if m.kind == "individual" else None,
            "author_id": am.id,
            "applied_amount": applied,
            "applied_on": plan.applied_on,
            "granted_amount": None,
            "rate": None,
            "granted_on": None,
            "declined_reason": None,
            "declined_on": None,
            "drawn_amount": None,
            "drawn_on": None,
            "first_time_borrower": rng.random() < 0.3,
            # Filed after the visit that found the need, even when both are on the same day.
            "created_at": min(
                max(self._moment(rng, plan.applied_on), visited_at + timedelta(minutes=20)), self.now
            ),
            "updated_at": None,
        }
        if plan.outcome == "granted":
            r = rng.random()
            factor = rng.uniform(1.0, 1.3) if r < 0.15 else 1.0 if r < 0.45 else rng.uniform(0.6, 1.0)
            granted = max(10_000, min(2_000_000, round(plan.amount * factor, -4)))
            row.update(
                granted_amount=Decimal(int(granted)),
                granted_on=plan.decided_on,
                rate=Decimal(f"{rng.randrange(300, 451, 5) / 10000:.4f}"),
            )
            if plan.drawn_on:
                row.update(
                    drawn_on=plan.drawn_on,
                    drawn_amount=Decimal(int(round(granted * rng.uniform(0.5, 1.0), -3))),
                )
        elif plan.outcome == "declined":
            row.update(declined_on=plan.decided_on, declined_reason=plan.declined_reason)
        last = plan.drawn_on or plan.decided_on or plan.applied_on
        row["updated_at"] = max(row["created_at"], self._moment(rng, last))
        self.application_rows.append(row)
        self.application_outcome[m.index] = plan.outcome

    def _referral_rows(self) -> None:
        rng = self.rng_rows
        self.referral_rows = []
        next_id = self._id_start(Referral)
        contact_days = timedelta(days=self.campaign.referral_contact_days)
        for entry in self.referral_plans:
            m, list_row, target = entry["m"], entry["list"], entry["target"]
            assigned = entry["assigned"]
            status = target
            if target == "closed":
                status = "closed"
            changed = entry["changed"] or assigned
            if target == "pending":
                changed_at = list_row["handed_over_at"]
            elif target == "visited" or entry["reason"] == "no_need":
                changed_at = self.first_visit_at[m.index]  # the visit moved the name forward
            else:
                changed_at = self._moment(rng, changed)
            assigned_at = None
            if assigned:
                assigned_at = max(
                    self._moment(rng, assigned, time(8, 30), 120),
                    list_row["handed_over_at"] + timedelta(minutes=rng.randint(20, 90)),
                )
            if assigned_at and changed_at < assigned_at:
                changed_at = assigned_at
            self.referral_rows.append(
                {
                    "id": next_id,
                    "list_id": list_row["id"],
                    "campaign_id": self.campaign.id,
                    "merchant_id": m.id,
                    "status": status,
                    "assignee_id": m.town.am.id if assigned else None,
                    "pair_id": m.town.pair.id,
                    "deadline_on": assigned + contact_days if assigned else None,
                    "assigned_at": assigned_at,
                    "status_changed_at": changed_at,
                    "closed_reason": entry["reason"] if status == "closed" else None,
                    "closed_note": CLOSED_NOTES.get(entry["reason"]) if status == "closed" else None,
                    "self_applied": False,
                    "created_at": list_row["handed_over_at"],
                }
            )
            next_id += 1

    def _plaques(self) -> None:
        """A handful approved, a couple nominated; never for a vetoed merchant."""
        rng = self.rng_rows
        self.plaque_rows = []
        candidates = [
            m
            for m in self.m_meta
            if m.index in self.plans
            and m.tier in ("development", "growth")
            and m.status == "operating"
            and not m.dishonest
            and self.application_outcome.get(m.index) != "declined"
        ]
        # Prefer merchants with credit granted, the 名特优新 mark and the development class.
        candidates.sort(
            key=lambda m: (
                -(
                    2 * (self.application_outcome.get(m.index) == "granted")
                    + m.distinguished
                    + (m.tier == "development")
                ),
                rng.random(),
            )
        )
        approved = max(2, min(20, round(len(self.m_meta) * 0.003)))
        chosen = candidates[: approved + 3]
        rng.shuffle(chosen)
        next_id = self._id_start(Plaque)
        for k, m in enumerate(chosen):
            nominated_on = min(
                self.plans[m.index].first_on + timedelta(days=rng.randint(5, 40)), self.last_day
            )
            nominated_at = max(
                self._moment(rng, nominated_on), self.first_visit_at[m.index] + timedelta(hours=1)
            )
            nominated_at = min(nominated_at, self.now)
            decided_on = nominated_on + timedelta(days=rng.randint(3, 15))
            approve = k < approved and decided_on <= self.last_day
            checks = [
                {
                    "criterion": "tier",
                    "passed": True,
                    "detail": {"development": "发展型", "growth": "成长型"}[m.tier],
                },
                {"criterion": "registry_status", "passed": True, "detail": "存续（在营）"},
                {"criterion": "dishonest", "passed": True, "detail": "未列入失信被执行人名单"},
                {
                    "criterion": "max_overdue_12m",
                    "passed": True,
                    "detail": f"近12个月逾期{rng.randint(0, 1)}次",
                },
            ]
            row = {
                "id": next_id,
                "campaign_id": self.campaign.id,
                "merchant_id": m.id,
                "status": "approved" if approve else "nominated",
                "number": None,
                "checks": checks,
                "nominated_by_id": m.town.liaison.id,
                "nominated_at": nominated_at,
                "decided_by_id": None,
                "decided_at": None,
                "flagged": False,
                "flag_reason": None,
                "revoked_reason": None,
            }
            if approve:
                decided_at = max(self._moment(rng, decided_on), nominated_at + timedelta(hours=1))
                row["decided_at"] = min(decided_at, self.now)
                row["decided_by_id"] = self.lead.id
            self.plaque_rows.append(row)
            next_id += 1
        # Numbers in the order plaques were approved, from 0001 again each (local) year, as
        # plaques.operations.next_number issues them: SB-2026-0001, …, SB-2027-0001, …
        approved_rows = sorted(
            (r for r in self.plaque_rows if r["status"] == "approved"), key=lambda r: r["decided_at"]
        )
        serials: dict[int, int] = defaultdict(int)
        for row in approved_rows:
            year = local_date(row["decided_at"]).year
            serials[year] += 1
            row["number"] = f"SB-{year}-{serials[year]:04d}"

    def _write(self) -> None:
        for model, rows in (
            (Merchant, self.merchant_rows),
            (Event, self.event_rows),
            (ReferralList, self.list_rows),
            (Visit, self.visit_rows),
            (Need, self.need_rows),
            (FollowUp, self.follow_up_rows),
            (Application, self.application_rows),
            (Referral, self.referral_rows),
            (Plaque, self.plaque_rows),
        ):
            for start in range(0, len(rows), 2000):
                db.session.execute(insert(model.__table__), rows[start : start + 2000])
        db.session.flush()
        if db.session.get_bind().dialect.name == "postgresql":
            # The ids above were given explicitly: move each table's sequence past them.
            for model in (
                Merchant,
                Event,
                ReferralList,
                Visit,
                Need,
                FollowUp,
                Application,
                Referral,
                Plaque,
            ):
                table = model.__tablename__
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    )
                )
