"""The world generator at benchmark scale: a made-up province (or city) of any size, rows by the million.

Rows are made in Python from one seeded Random (same seed, same data) and written through a
BulkWriter (crm/demo/writers.py): COPY on PostgreSQL, executemany on SQLite. Ids are given here, so
rows refer to each other without round trips. The drive's rules, body hashes, contact deadlines and
plaque numbers come from crm/demo/rules.py, as the demo's do. bench/datagen.py is the command line.

    ScaleGenerator(SCALES["city"], seed, BulkWriter(conn)).run()
"""
from __future__ import annotations

import bisect
import itertools
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from random import Random

from sqlalchemy.orm import Session

from crm.auth.passwords import hash_password
from crm.campaigns.models import Campaign
from crm.demo import names
from crm.demo.rules import TEMPLATE, apportion, drive_rules
from crm.demo.scale_work import ScaleWork
from crm.products.catalogue import seed_products
from crm.timeutil import local_now, local_today, to_utc_naive

PASSWORD = "Bench2025!x"
CAMPAIGN_DAYS_BEFORE = 150  # the drive began about five months ago …
CAMPAIGN_DAYS_AFTER = 150  # … and ends in about five months


@dataclass(frozen=True)
class Scale:
    counties: int
    towns: tuple[int, int]  # per county, fewest–most
    districts: tuple[int, int]  # per town
    merchants: int
    visits: int
    referrals_open: int
    referrals_done: int  # drawn or closed: off the open funnel
    applications: int
    follow_ups: int  # all open (planned)
    needs: int
    plaques: int


SCALES = {
    "province": Scale(120, (8, 12), (3, 7), 1_000_000, 3_000_000, 500_000, 50_000, 200_000, 1_000_000, 300_000,
                      5_000),
    "city": Scale(12, (8, 12), (3, 7), 150_000, 500_000, 50_000, 5_000, 20_000, 100_000, 30_000, 1_000),
    "tiny": Scale(2, (2, 2), (3, 3), 200, 500, 90, 10, 40, 200, 60, 10),
}

COUNTY_FIRST = "安平和顺兴泰丰乐清宁永定昌盛广"
COUNTY_SECOND = "阳城山川源谷原水台口"
TOWN_FIRST = "东西南北中上下前后新"
TOWN_SECOND = "关庄河店集坪堡村营寨桥"
VILLAGE_CHARS = "张王李赵刘杨郭马韩田牛申秦冯"
DISTRICT_SUFFIX = {"business_district": ("商业街", "商圈", "步行街"), "market": ("农贸市场", "集贸市场", "批发市场")}


@dataclass
class District:
    id: int
    town: Town
    name: str
    kind: str
    households: int
    address: str
    code: str
    first: int = 0  # merchants of the district are ids first … first + count - 1
    count: int = 0


@dataclass
class Town:
    id: int
    index: int  # 1-based over the whole drive: am<index>, liaison<index>
    county: County
    name: str
    code: str
    districts: list[District] = field(default_factory=list)
    office_id: int = 0
    pair_id: int = 0
    am_id: int = 0
    liaison_id: int = 0
    first: int = 0
    count: int = 0
    activity: float = 1.0  # how hard the pair works, relative to the others
    reach: float = 1.0  # share of the town's merchants the pair has got round to
    jvd_by_day: dict[date, int] = field(default_factory=dict)  # joint visit days held: day → event id

    def pick(self, rng: Random) -> int:
        """A merchant of the town, the first districts the most often: coverage comes out uneven, as in life."""
        return self.first + int(self.count * self.reach * rng.random() ** 1.4)


@dataclass
class County:
    id: int
    index: int
    name: str
    code: str
    lat: float
    lng: float
    towns: list[Town] = field(default_factory=list)
    bureau_id: int = 0
    branch_id: int = 0
    first: int = 0
    count: int = 0


class ScaleGenerator(ScaleWork):
    """One drive at one scale: the territory is planned in memory, then each table is streamed in turn."""

    def __init__(self, scale: Scale, seed: int, writer, log=print):
        self.scale = scale
        self.rng = Random(seed)
        self.writer = writer
        self.log = log
        self.today = local_today()
        self.now_local = local_now().replace(tzinfo=None)
        self.now = to_utc_naive(self.now_local)
        self.starts_on = self.today - timedelta(days=CAMPAIGN_DAYS_BEFORE)
        self.ends_on = self.today + timedelta(days=CAMPAIGN_DAYS_AFTER)
        self.days = [self.starts_on + timedelta(days=i) for i in range(CAMPAIGN_DAYS_BEFORE + 1)]
        self.campaign: Campaign | None = None
        self.counties: list[County] = []
        self.towns: list[Town] = []
        self.districts: list[District] = []
        self.product_ids: list[int] = []
        self.seconds: dict[str, float] = {}

    # -- bookkeeping

    def _write(self, table: str, columns: tuple[str, ...], rows) -> None:
        started = time.perf_counter()
        count = self.writer.write(table, columns, rows)
        took = time.perf_counter() - started
        self.seconds[table] = round(self.seconds.get(table, 0) + took, 2)
        self.log(f"  {table:<18} {count:>10,} rows {took:8.1f} s {count / max(took, 1e-6):>10,.0f} rows/s")

    def run(self) -> None:
        self.build_territory()
        self.write_people()
        self.write_campaign()
        self.write_merchants()
        self.write_plaques()
        self.write_events()
        self.write_visits()
        self.write_follow_ups()
        self.write_referrals()
        self.write_applications()
        self.write_needs()

    # -- random helpers

    def _working_hours(self, day: date) -> tuple[datetime, int]:
        """08:00 local of the day as stored naive UTC, and the seconds of work from then (never past now)."""
        opening = datetime.combine(day, clock(8))
        seconds = 11 * 3600
        if day == self.today:
            seconds = max(0, min(seconds, int((self.now_local - opening).total_seconds())))
        return to_utc_naive(opening), seconds

    def _past_day(self) -> date:
        return self.days[self.rng.randrange(len(self.days))]

    def _town_of(self, merchant_id: int) -> Town:
        return self.towns[bisect.bisect_right(self._town_starts, merchant_id) - 1]

    # -- territory, organizations, users

    def build_territory(self) -> None:
        rng, scale = self.rng, self.scale
        region_ids = itertools.count(2)  # 1 is the root
        for c in range(scale.counties):
            code = f"14{c // 12 + 1:02d}{c % 12 + 1:02d}"
            name = COUNTY_FIRST[c % 15] + COUNTY_SECOND[c // 15 % 10] + ("区" if c % 4 == 0 else "县")
            county = County(next(region_ids), c + 1, name, code, 35.5 + rng.random() * 3, 111.5 + rng.random() * 2.5)
            self.counties.append(county)
        for county in self.counties:
            for t in range(rng.randint(*scale.towns)):
                suffix = "街道" if t == 0 else ("乡" if t % 5 == 4 else "镇")
                town_name = TOWN_FIRST[t % 10] + TOWN_SECOND[(t + county.index) % 11] + suffix
                town = Town(next(region_ids), len(self.towns) + 1, county, town_name, f"{county.code}{t + 1:03d}",
                            activity=rng.uniform(0.4, 1.8), reach=rng.uniform(0.35, 1.0))
                county.towns.append(town)
                self.towns.append(town)
        for town in self.towns:
            for k in range(rng.randint(*scale.districts)):
                kind = rng.choices(("business_district", "market", "village"), (3, 2, 4))[0]
                if kind == "village":
                    name = f"{VILLAGE_CHARS[(k + town.index) % 14]}家{TOWN_SECOND[k % 11]}村"
                    households = rng.randint(50, 200)
                else:
                    name = town.name[:2] + DISTRICT_SUFFIX[kind][k % 3]
                    households = rng.randint(150, 900)
                district = District(next(region_ids), town, name, kind, households, town.name + name,
                                    f"{town.code}{k + 1:03d}")
                town.districts.append(district)
                self.districts.append(district)
        self._place_merchants()

    def _place_merchants(self) -> None:
        """Merchant ids run district by district, in proportion to households (about a third are registered)."""
        counts = apportion(self.scale.merchants, [d.households for d in self.districts])
        next_id = 1
        for district, count in zip(self.districts, counts):
            district.first, district.count = next_id, count
            next_id += count
        for town in self.towns:
            town.first = town.districts[0].first
            town.count = sum(d.count for d in town.districts)
        for county in self.counties:
            county.first = county.towns[0].first
            county.count = sum(t.count for t in county.towns)
        self._town_starts = [t.first for t in self.towns]

    def write_people(self) -> None:
        root_name = "基准省" if self.scale.counties > 12 else "基准市"
        regions = [(1, None, "city", root_name, "140000", None, None, None)]
        regions += [(c.id, 1, "county", c.name, c.code, None, None, None) for c in self.counties]
        regions += [(t.id, t.county.id, "town", t.name, t.code, None, None, None) for t in self.towns]
        regions += [(d.id, d.town.id, "district", d.name, d.code, d.kind, d.households, d.address)
                    for d in self.districts]
        self._write("regions", ("id", "parent_id", "level", "name", "code", "district_kind", "households",
                                "address"), iter(regions))

        org_ids = itertools.count(1)
        self.bureau_id, self.bank_id = next(org_ids), next(org_ids)
        orgs = [(self.bureau_id, None, "bureau", f"{root_name}市场监督管理局", 1),
                (self.bank_id, None, "bank", f"邮储银行{root_name}分行", 1)]
        for county in self.counties:
            county.bureau_id, county.branch_id = next(org_ids), next(org_ids)
            orgs.append((county.bureau_id, self.bureau_id, "bureau", f"{county.name}市场监督管理局", county.id))
            orgs.append((county.branch_id, self.bank_id, "bank", f"邮储银行{county.name}支行", county.id))
            for town in county.towns:
                town.office_id = next(org_ids)
                orgs.append((town.office_id, county.bureau_id, "bureau", f"{town.name}市场监管所", town.id))
        self._write("organizations", ("id", "parent_id", "kind", "name", "region_id"), iter(orgs))

        user_ids = itertools.count(1)
        users: list[tuple] = []
        roles: list[tuple] = []

        def add(username: str, role: str, org_id: int) -> int:
            uid = next(user_ids)
            users.append((uid, username, names.person_name(self.rng), org_id, names.phone(self.rng)))
            roles.append((uid, uid, role))
            return uid

        add("admin", "admin", self.bureau_id)
        self.lead_ids = [add("lead", "lead", self.bureau_id), add("lead2", "lead", self.bank_id)]
        for county in self.counties:
            add(f"head{county.index}", "branch_head", county.branch_id)
        for town in self.towns:
            town.liaison_id = add(f"liaison{town.index}", "liaison", town.office_id)
            town.am_id = add(f"am{town.index}", "account_manager", town.county.branch_id)
        password_hash = hash_password(PASSWORD)
        self._write("users", ("id", "username", "display_name", "organization_id", "phone", "password_hash",
                              "active"),
                    (u + (password_hash, True) for u in users))
        self._write("user_roles", ("id", "user_id", "role"), iter(roles))

    def write_campaign(self) -> None:
        """The drive, with the template's rules; the catalogue's products, all offered in it."""
        rules = drive_rules()
        self.campaign = Campaign(id=1, name="双百工程（基准数据）", template=TEMPLATE, bureau_org_id=self.bureau_id,
                                 bank_org_id=self.bank_id, territory_id=1, starts_on=self.starts_on,
                                 ends_on=self.ends_on, reminder_settings={}, **rules)
        columns = ("id", "name", "template", "bureau_org_id", "bank_org_id", "territory_id", "starts_on", "ends_on",
                   "reminder_settings", *rules)
        self._write("campaigns", columns, iter([tuple(getattr(self.campaign, c) for c in columns)]))
        self._write("campaign_leads", ("id", "campaign_id", "user_id"),
                    ((i + 1, self.campaign.id, uid) for i, uid in enumerate(self.lead_ids)))
        for town in self.towns:
            town.pair_id = town.index
        rng = self.rng
        self._write("liaison_pairs", ("id", "campaign_id", "region_id", "county_id", "liaison_id",
                                      "account_manager_id", "name", "intake_token", "active"),
                    ((t.pair_id, self.campaign.id, t.id, t.county.id, t.liaison_id, t.am_id,
                      f"{t.county.name}·{t.name}", f"{rng.getrandbits(128):032x}", True) for t in self.towns))
        started = time.perf_counter()
        with Session(bind=self.writer.conn) as session:
            products = seed_products(session)
            session.flush()
            self.product_ids = sorted(p.id for p in products)
        self.seconds["products"] = round(time.perf_counter() - started, 2)
        self._write("campaign_products", ("id", "campaign_id", "product_id"),
                    ((i, self.campaign.id, pid) for i, pid in enumerate(self.product_ids, start=1)))
