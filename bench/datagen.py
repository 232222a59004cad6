"""Benchmark data for a whole drive, written fast: COPY on PostgreSQL, big executemany batches on SQLite.

    python bench/datagen.py --url postgresql+psycopg://postgres@127.0.0.1:5432/crm_bench_province --scale province
    python bench/datagen.py --url sqlite:////tmp/crm_bench_city.sqlite3 --scale city

Rows are made in Python from one seeded Random (same seed, same data) and streamed to the database
without the ORM. Ids are assigned here, so rows can refer to each other without round trips; the
sequences are moved past them at the end. The last line printed is the JSON summary (also written to
bench/out/<database>.json): counts, the campaign id and usernames worth benchmarking as.
"""
from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/datagen.py` from a checkout
    sys.path.insert(0, str(ROOT))

from flask import Flask
from sqlalchemy import JSON, func, inspect, literal, select, text
from sqlalchemy.engine import Connection, Engine, make_url

import crm.models  # noqa: F401  (every table)
from crm.auth.passwords import hash_password
from crm.campaigns.models import Campaign, LiaisonPair
from crm.demo import names
from crm.extensions import db
from crm.merchants.credit_code import ALPHABET, check_character
from crm.merchants.models import Merchant
from crm.merchants.operations import initials
from crm.people.models import User, UserRole
from crm.referrals.models import OPEN_STATUSES, Referral
from crm.reports import ledger
from crm.timeutil import local_now, local_today
from crm.visits.models import FollowUp, Visit

PASSWORD = "Bench2025!x"
OUT_DIR = ROOT / "bench" / "out"
# Asia/Shanghai has kept UTC+8 without daylight saving since 1991: local → stored UTC is one subtraction.
UTC_OFFSET = timedelta(hours=8)
# Tables whose secondary indexes are dropped during the load on PostgreSQL and built once afterwards.
BIG_TABLES = ("merchants", "visits", "follow_ups", "referrals", "applications", "needs")


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
CAMPAIGN_DAYS_BEFORE = 150  # the drive began about five months ago …
CAMPAIGN_DAYS_AFTER = 150  # … and ends in about five months

COUNTY_FIRST = "安平和顺兴泰丰乐清宁永定昌盛广"
COUNTY_SECOND = "阳城山川源谷原水台口"
TOWN_FIRST = "东西南北中上下前后新"
TOWN_SECOND = "关庄河店集坪堡村营寨桥"
VILLAGE_CHARS = "张王李赵刘杨郭马韩田牛申秦冯"
DISTRICT_SUFFIX = {"business_district": ("商业街", "商圈", "步行街"), "market": ("农贸市场", "集贸市场", "批发市场")}
NEED_TEXTS = ("希望了解信用贷款额度", "需要办理收款码", "咨询贷款续贷政策", "希望降低贷款利率", "需要开通对公账户",
              "希望上门办理业务", "咨询创业担保贷款", "资金周转困难")
FINANCING_PURPOSES = ("进货周转", "店面装修", "购置设备", "扩大经营", "支付房租")
VISIT_NOTES = ("店主不在，留了名片", "已讲解极速贷产品", "商户暂无资金需求", "约定下周再来", "已加微信")
FOLLOW_UP_REASONS = ("回访融资需求", "送达申请材料", "了解经营情况", "满意度回访")
RESOLUTIONS = ("已放款", "已解释政策，商户认可", "已协调上门办理", "商户暂不需要")
DECLINE_REASONS = ("征信不良", "经营不足一年", "收入证明不足", "超出年龄范围")
CLOSED_REASONS = ("no_need", "not_eligible", "cannot_reach", "declined", "business_closed")
# Open referral statuses (pending … granted) on a list just handed over, and on one two months old.
FRESH_LIST_WEIGHTS = (15, 50, 20, 10, 4, 1)
OLD_LIST_WEIGHTS = (2, 8, 22, 30, 20, 18)


# ---------------------------------------------------------------- the territory and its people, in memory


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


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split total into integers proportional to weights (largest remainders), summing exactly to total."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: counts[i] - shares[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def make_credit_code(division: str, serial: int) -> str:
    """A valid code (prefix 92: individual business), unique per serial: serial → base 31 is one-to-one."""
    n = (serial * 1_000_003 + 7_777) % 31**9  # 1,000,003 is prime, so the map is a bijection mod 31^9
    digits = []
    for _ in range(9):
        n, d = divmod(n, 31)
        digits.append(ALPHABET[d])
    body = "92" + division + "".join(reversed(digits))
    return body + check_character(body)


# ---------------------------------------------------------------- writing rows fast


class Writer:
    """Streams tuples into one table: COPY on PostgreSQL, executemany in big batches on SQLite.

    Columns a model has but the generator does not fill get their Python-side default, so a column
    added to a model later does not break the generator.
    """

    BATCH = 20_000

    def __init__(self, conn: Connection):
        self.conn = conn
        self.raw = conn.connection.driver_connection
        self.postgres = conn.dialect.name == "postgresql"

    def write(self, table_name: str, columns: tuple[str, ...], rows) -> int:
        table = db.metadata.tables[table_name]
        extra = [c for c in table.columns if c.name not in columns and not c.primary_key and c.default is not None
                 and (c.default.is_scalar or c.default.is_callable)]
        extra_values = tuple(c.default.arg(None) if c.default.is_callable else c.default.arg for c in extra)
        all_columns = [table.c[name] for name in columns] + extra
        if self.postgres:
            return self._copy(table_name, all_columns, rows, extra_values)
        return self._insert(table_name, all_columns, rows, extra_values)

    def _copy(self, table_name, columns, rows, extra_values) -> int:
        converters = [json.dumps if isinstance(c.type, JSON) else None for c in columns]
        convert = any(converters)
        names_sql = ", ".join(c.name for c in columns)
        count = 0
        with self.raw.cursor() as cursor, cursor.copy(f"COPY {table_name} ({names_sql}) FROM STDIN") as copy:
            write_row = copy.write_row
            for row in rows:
                row = row + extra_values
                if convert:
                    row = tuple(f(v) if f and v is not None else v for f, v in zip(converters, row))
                write_row(row)
                count += 1
        return count

    def _insert(self, table_name, columns, rows, extra_values) -> int:
        dialect = self.conn.dialect
        processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        active = [(i, p) for i, p in enumerate(processors) if p is not None]
        sql = f"INSERT INTO {table_name} ({', '.join(c.name for c in columns)}) VALUES ({', '.join('?' * len(columns))})"
        cursor = self.raw.cursor()
        count, batch = 0, []
        for row in rows:
            row = list(row + extra_values)
            for i, process in active:
                row[i] = process(row[i])
            batch.append(row)
            if len(batch) >= self.BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
        cursor.close()
        return count


# ---------------------------------------------------------------- the generator


class Generator:
    """One drive at one scale: the territory is planned in memory, then each table is streamed in turn."""

    def __init__(self, scale: Scale, seed: int, writer: Writer, log=print):
        self.scale = scale
        self.rng = Random(seed)
        self.writer = writer
        self.log = log
        self.today = local_today()
        self.now_local = local_now().replace(tzinfo=None)
        self.now = self.now_local - UTC_OFFSET
        self.starts_on = self.today - timedelta(days=CAMPAIGN_DAYS_BEFORE)
        self.ends_on = self.today + timedelta(days=CAMPAIGN_DAYS_AFTER)
        self.days = [self.starts_on + timedelta(days=i) for i in range(CAMPAIGN_DAYS_BEFORE + 1)]
        self.campaign_id = 1
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
        return opening - UTC_OFFSET, seconds

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
        rng = self.rng
        self._write("campaigns", (
            "id", "name", "bureau_org_id", "bank_org_id", "territory_id", "starts_on", "ends_on",
            "district_household_threshold", "district_coverage_ratio", "joint_visit_days_per_month",
            "matchmaking_per_county_per_quarter", "level_visits_per_year", "referral_contact_days",
            "follow_up_interval_days", "need_due_days", "focus_trades", "tier_caps", "base_conditions",
            "plaque_criteria", "reminder_settings"), iter([(
                self.campaign_id, "双百工程（基准数据）", self.bureau_id, self.bank_id, 1, self.starts_on, self.ends_on,
                100, Decimal("0.2"), 1, 1, 3, 7, 30, 15,
                ["wholesale_retail", "lodging_catering", "transport_logistics"],
                {"survival": 100000, "growth": 200000, "development": 300000, "distinguished": 1000000},
                {"min_age": 18, "max_age": 65, "min_months_trading": 12},
                {"tier": "development", "min_months_borrowing": 24, "max_overdue_12m": 3, "min_credit_line": 500000},
                {})]))
        self._write("campaign_leads", ("id", "campaign_id", "user_id"),
                    ((i + 1, self.campaign_id, uid) for i, uid in enumerate(self.lead_ids)))
        for town in self.towns:
            town.pair_id = town.index
        self._write("liaison_pairs", ("id", "campaign_id", "region_id", "county_id", "liaison_id",
                                      "account_manager_id", "name", "intake_token", "active"),
                    ((t.pair_id, self.campaign_id, t.id, t.county.id, t.liaison_id, t.am_id,
                      f"{t.county.name}·{t.name}", f"{rng.getrandbits(128):032x}", True) for t in self.towns))
        products = [
            (1, "极速贷", "邮储银行", Decimal(2000000), 36, "年化3.45%起", {"min_age": 18, "max_age": 65,
                                                                         "min_months_trading": 12}),
            (2, "惠商贷", "中国银行", Decimal(300000), 12, "年化3.8%起", {"tiers": ["growth", "development"]}),
            (3, "晋商普惠贷", "晋商银行", Decimal(500000), 24, "年化4.2%起", {"min_revenue": 300000}),
        ]
        self.product_ids = [p[0] for p in products]
        self._write("products", ("id", "name", "bank_name", "max_amount", "term_months", "rate_text", "rules",
                                 "active"), (p + (True,) for p in products))
        self._write("campaign_products", ("id", "campaign_id", "product_id"),
                    ((pid, self.campaign_id, pid) for pid in self.product_ids))

    # -- merchants

    def write_merchants(self) -> None:
        self._write("merchants", (
            "id", "credit_code", "name", "name_initials", "kind", "operator_name", "operator_phone",
            "operator_birth_date", "registered_on", "trade", "tier", "distinguished", "distinguished_until",
            "registry_status", "dishonest", "county_id", "town_id", "district_id", "address", "annual_revenue",
            "needs_review", "review_reason", "created_at", "updated_at"), self._merchant_rows())

    def _merchant_rows(self):
        rng, random = self.rng, self.rng.random
        today, created = self.today, datetime.combine(self.starts_on, clock(1))
        name_initials: dict[str, str] = {}
        revenue = {"survival": (80_000, 600_000), "growth": (600_000, 1_200_000), "development": (1_200_000, 6_000_000)}
        for district in self.districts:
            town, county = district.town, district.town.county
            village = district.kind == "village"
            for mid in range(district.first, district.first + district.count):
                trade = names.trade(rng, district.kind)
                kind = "small_enterprise" if random() < 0.04 else "individual"
                owner = names.person_name(rng)
                name = names.merchant_name(rng, trade, owner, place=town.name[:2], kind=kind)
                abbreviation = name_initials.get(name)
                if abbreviation is None:
                    abbreviation = name_initials[name] = initials(name)
                tier = rng.choices(("survival", "growth", "development"), (55, 33, 12))[0]
                distinguished = random() < 0.03
                status = rng.choices(("operating", "abnormal", "revoked", "cancelled"), (96, 2, 1, 1))[0]
                flagged = status in ("abnormal", "revoked") and random() < 0.5
                low, high = revenue[tier]
                yield (
                    mid, make_credit_code(county.code, mid), name, abbreviation, kind, owner, names.phone(rng),
                    today - timedelta(days=rng.randint(19 * 365, 64 * 365)),
                    self.starts_on - timedelta(days=rng.randint(30, 3650)), trade, tier, distinguished,
                    today + timedelta(days=rng.randint(-60, 700)) if distinguished else None,
                    status, random() < 0.005, county.id, town.id, None if random() < 0.04 else district.id,
                    names.address(rng, district.address, village), Decimal(rng.randrange(low, high, 1000)),
                    flagged, "registry status changed" if flagged else None, created, created,
                )

    def write_plaques(self) -> None:
        self._write("plaques", ("id", "campaign_id", "merchant_id", "status", "number", "checks", "nominated_by_id",
                                "nominated_at", "decided_by_id", "decided_at", "flagged", "flag_reason"),
                    self._plaque_rows())

    def _plaque_rows(self):
        rng = self.rng
        checks = [{"criterion": "tier", "passed": True, "detail": "development"},
                  {"criterion": "dishonest", "passed": True, "detail": ""}]
        for pid, mid in enumerate(sorted(rng.sample(range(1, self.scale.merchants + 1), self.scale.plaques)), 1):
            status = rng.choices(("approved", "nominated", "rejected", "revoked"), (70, 20, 5, 5))[0]
            nominated_at = datetime.combine(self._past_day(), clock(3))
            decided = status != "nominated"
            flagged = status == "approved" and rng.random() < 0.03  # a registry change since: needs review
            yield (pid, self.campaign_id, mid, status,
                   f"SB{self.starts_on.year}{pid:06d}" if status in ("approved", "revoked") else None, checks,
                   self._town_of(mid).am_id, nominated_at, self.lead_ids[0] if decided else None,
                   min(nominated_at + timedelta(days=rng.randint(1, 20)), self.now) if decided else None,
                   flagged, "registry status changed" if flagged else None)

    # -- events: joint visit days per pair per month, matchmaking per county per quarter

    def write_events(self) -> None:
        self._write("events", (
            "id", "campaign_id", "kind", "status", "pair_id", "county_id", "region_id", "title", "planned_on",
            "held_on", "place", "organizers", "with_briefing", "attendance", "merchants_reached",
            "briefing_audience", "intentions", "signed_amount", "created_by_id", "created_at"), self._event_rows())

    def _months(self) -> list[date]:
        """First days of the months from the drive's start to next month."""
        months, month = [], self.starts_on.replace(day=1)
        while month <= self.today + timedelta(days=31):
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months

    def _event_status(self, day: date) -> tuple[str, date | None]:
        """Past days mostly held, a few cancelled or never recorded; future days planned."""
        if day > self.today:
            return "planned", None
        status = self.rng.choices(("held", "planned", "cancelled"), (92, 5, 3))[0]
        return status, day if status == "held" else None

    def _event_rows(self):
        rng, ids = self.rng, itertools.count(1)
        created = datetime.combine(self.starts_on, clock(2))
        this_month = self.today.replace(day=1)
        for month in self._months():
            for town in self.towns:
                # Some pairs have not planned this month's (or next month's) day yet: the reminders need them.
                if month >= this_month and rng.random() < (0.1 if month == this_month else 0.5):
                    continue
                day = month + timedelta(days=rng.randint(2, 25))
                if not self.starts_on <= day <= self.ends_on:
                    continue
                status, held_on = self._event_status(day)
                event_id = next(ids)
                if held_on:
                    town.jvd_by_day[held_on] = event_id
                briefing = rng.random() < 0.5
                yield (event_id, self.campaign_id, "joint_visit_day", status, town.pair_id, town.county.id, town.id,
                       f"{town.name}联合走访日", day, held_on, town.districts[0].name, "市场监管所、邮储银行", briefing,
                       rng.randint(3, 12) if held_on else None, rng.randint(10, 60) if held_on else None,
                       rng.randint(10, 50) if held_on and briefing else None, rng.randint(0, 8) if held_on else None,
                       None, town.am_id, created)
        quarter = date(self.starts_on.year, (self.starts_on.month - 1) // 3 * 3 + 1, 1)
        while quarter <= self.today:
            for county in self.counties:
                if rng.random() < 0.1:  # a laggard county: no meeting this quarter
                    continue
                day = quarter + timedelta(days=rng.randint(10, 80))
                if not self.starts_on <= day <= self.ends_on:
                    continue
                status, held_on = self._event_status(day)
                yield (next(ids), self.campaign_id, "matchmaking", status, None, county.id, None,
                       f"{county.name}银企对接会", day, held_on, f"{county.name}政务服务中心", "县市场监管局、邮储银行",
                       False, rng.randint(20, 120) if held_on else None, None, None,
                       rng.randint(5, 40) if held_on else None,
                       Decimal(rng.randrange(100, 5000) * 10_000) if held_on else None, self.lead_ids[0], created)
            quarter = (quarter + timedelta(days=95)).replace(day=1)

    # -- visits, in time order (ids grow with visited_at, as they would in production)

    def write_visits(self) -> None:
        self._write("visits", (
            "id", "client_id", "body_hash", "campaign_id", "merchant_id", "author_id", "pair_id", "event_id",
            "kind", "visited_at", "visited_on", "lat", "lng", "accuracy_m", "has_financing_need",
            "financing_amount", "financing_purpose", "satisfaction", "notes", "created_at", "updated_at"),
            self._visit_rows())

    def _day_weights(self, town: Town) -> list[float]:
        weights = []
        for day in self.days:
            weight = (1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.3)[day.weekday()]
            if day in town.jvd_by_day:
                weight *= 4
            if day == self.today and self.now_local.hour < 9:
                weight = 0.0  # nobody has been out yet this morning
            weights.append(weight)
        return weights

    def _visit_rows(self):
        rng, random = self.rng, self.rng.random
        quotas = apportion(self.scale.visits, [t.count * t.activity for t in self.towns])
        per_day = [apportion(q, self._day_weights(t)) if q else [0] * len(self.days)
                   for t, q in zip(self.towns, quotas)]
        ids = itertools.count(1)
        campaign_id = self.campaign_id
        # Satisfaction 1–5 weighted 2:4:14:40:40, drawn with one random() per visit: this loop runs millions of times.
        satisfaction = (1,) * 2 + (2,) * 4 + (3,) * 14 + (4,) * 40 + (5,) * 40
        typing_time = timedelta(minutes=5)
        for d, day in enumerate(self.days):
            opening, seconds = self._working_hours(day)
            for town, counts in zip(self.towns, per_day):
                count = counts[d]
                if not count:
                    continue
                jvd_event = town.jvd_by_day.get(day)
                county = town.county
                for _ in range(count):
                    vid = next(ids)
                    r = random()
                    event_id = None
                    if jvd_event and r < 0.75:
                        kind, event_id = "joint_visit_day", jvd_event
                    elif r < 0.35 or (jvd_event and r < 0.85):
                        kind = "first"
                    elif r < 0.93:
                        kind = "follow_up"
                    else:
                        kind = "briefing"
                    at = opening + timedelta(seconds=int(random() * seconds))
                    located = random() < 0.75
                    need = (random() < 0.3) if kind == "first" else None
                    saved = at + typing_time
                    yield (
                        vid, f"bench-v{vid:09d}", f"{vid:064x}", campaign_id, town.pick(rng), town.am_id,
                        town.pair_id, event_id, kind, at, day,
                        county.lat + random() * 0.3 if located else None,
                        county.lng + random() * 0.3 if located else None,
                        float(5 + int(random() * 76)) if located else None, need,
                        Decimal(rng.randrange(5, 200) * 10_000) if need else None,
                        rng.choice(FINANCING_PURPOSES) if need else None,
                        satisfaction[int(random() * 100)] if kind == "follow_up" else None,
                        rng.choice(VISIT_NOTES) if random() < 0.2 else None,
                        saved, saved,
                    )

    # -- open follow-ups, due around today

    def write_follow_ups(self) -> None:
        self._write("follow_ups", ("id", "campaign_id", "merchant_id", "assignee_id", "due_on", "reason", "status",
                                   "created_at"), self._follow_up_rows())

    def _follow_up_rows(self):
        rng = self.rng
        ids = itertools.count(1)
        quotas = apportion(self.scale.follow_ups, [t.count * t.activity for t in self.towns])
        for town, quota in zip(self.towns, quotas):
            for _ in range(quota):
                due = self.today + timedelta(days=rng.randint(-30, 60))
                created = min(datetime.combine(due - timedelta(days=30), clock(3)), self.now)
                yield (next(ids), self.campaign_id, town.pick(rng), town.am_id, due,
                       rng.choice(FOLLOW_UP_REASONS), "planned", created)

    # -- referral lists (one per county per month) and their names

    def write_referrals(self) -> None:
        months = [m for m in self._months() if m <= self.today]
        lists = [(county, month) for month in months for county in self.counties]
        total = self.scale.referrals_open + self.scale.referrals_done
        sizes = apportion(total, [county.count for county, _ in lists])
        list_rows, plans = [], []
        for list_id, ((county, month), size) in enumerate(zip(lists, sizes), start=1):
            first_day = max(month, self.starts_on)
            last_day = min((month + timedelta(days=32)).replace(day=1) - timedelta(days=1), self.today)
            handed = first_day + timedelta(days=self.rng.randint(0, (last_day - first_day).days))
            handed_at = datetime.combine(handed, clock(2))
            list_rows.append((list_id, self.campaign_id, f"{county.name}{month:%Y-%m}送贷名单", county.bureau_id,
                              county.branch_id, "filter", {"county_id": county.id, "trades": ["wholesale_retail"]},
                              county.towns[0].liaison_id, handed_at, handed_at))
            plans.append((list_id, county, handed, min(size, county.count)))
        self._write("referral_lists", ("id", "campaign_id", "name", "bureau_org_id", "bank_org_id", "source",
                                       "criteria", "created_by_id", "created_at", "handed_over_at"), iter(list_rows))
        self._write("referrals", ("id", "list_id", "campaign_id", "merchant_id", "status", "assignee_id",
                                  "pair_id", "deadline_on", "assigned_at", "status_changed_at", "closed_reason",
                                  "self_applied", "created_at"), self._referral_rows(plans))

    def _referral_rows(self, plans):
        rng = self.rng
        ids = itertools.count(1)
        done_share = self.scale.referrals_done / (self.scale.referrals_open + self.scale.referrals_done)
        open_statuses = list(OPEN_STATUSES)
        for list_id, county, handed, size in plans:
            handed_at = datetime.combine(handed, clock(2))
            age = min(1.0, (self.today - handed).days / 60)  # older lists have got further down the funnel
            open_weights = [f + (o - f) * age for f, o in zip(FRESH_LIST_WEIGHTS, OLD_LIST_WEIGHTS)]
            for mid in rng.sample(range(county.first, county.first + county.count), size):
                town = self._town_of(mid)
                if rng.random() < done_share:
                    status = "drawn" if rng.random() < 0.4 else "closed"
                else:
                    status = rng.choices(open_statuses, open_weights)[0]
                assigned = status != "pending"
                assigned_at = handed_at + timedelta(hours=rng.randint(1, 48)) if assigned else None
                if status in ("pending", "assigned"):
                    changed = assigned_at or handed_at
                else:
                    changed = min(handed_at + timedelta(days=rng.randint(3, 40)), self.now)
                yield (next(ids), list_id, self.campaign_id, mid, status, town.am_id if assigned else None,
                       town.pair_id, handed + timedelta(days=7) if assigned else None, assigned_at, changed,
                       rng.choice(CLOSED_REASONS) if status == "closed" else None, False, handed_at)

    # -- applications with their outcomes, and the needs ledger

    def write_applications(self) -> None:
        self._write("applications", (
            "id", "client_id", "body_hash", "campaign_id", "merchant_id", "product_id", "author_id",
            "applied_amount", "applied_on", "granted_amount", "rate", "granted_on", "declined_reason",
            "declined_on", "drawn_amount", "drawn_on", "first_time_borrower", "created_at", "updated_at"),
            self._application_rows())

    def _application_rows(self):
        rng, random = self.rng, self.rng.random
        ids = itertools.count(1)
        quotas = apportion(self.scale.applications, [t.count * t.activity for t in self.towns])
        for town, quota in zip(self.towns, quotas):
            for _ in range(quota):
                aid = next(ids)
                applied_on = self._past_day()
                applied = Decimal(rng.randrange(5, 200) * 10_000)
                granted = rate = granted_on = reason = declined_on = drawn = drawn_on = None
                decided_on = applied_on + timedelta(days=rng.randint(2, 20))
                outcome = random()
                if decided_on <= self.today and outcome < 0.15:
                    reason, declined_on = rng.choice(DECLINE_REASONS), decided_on
                elif decided_on <= self.today and outcome < 0.88:
                    granted_on = decided_on
                    granted = Decimal(int(applied * Decimal(rng.uniform(0.5, 1.3)) / 1000) * 1000)
                    rate = Decimal(rng.randrange(64, 120)) * Decimal("0.0005")
                    drawn_day = granted_on + timedelta(days=rng.randint(0, 30))
                    if drawn_day <= self.today and random() < 0.85:
                        drawn_on = drawn_day
                        drawn = Decimal(int(granted * Decimal(rng.uniform(0.6, 1.0)) / 1000) * 1000)
                created = datetime.combine(applied_on, clock(3))
                yield (aid, f"bench-a{aid:09d}", f"{aid:064x}", self.campaign_id, town.pick(rng),
                       rng.choice(self.product_ids), town.am_id, applied, applied_on, granted, rate, granted_on,
                       reason, declined_on, drawn, drawn_on, random() < 0.3, created, created)

    def write_needs(self) -> None:
        self._write("needs", ("id", "campaign_id", "merchant_id", "kind", "text", "owner_id", "due_on", "status",
                              "opened_on", "closed_on", "resolution", "closed_by_id"), self._need_rows())

    def _need_rows(self):
        rng = self.rng
        ids = itertools.count(1)
        quotas = apportion(self.scale.needs, [t.count * t.activity for t in self.towns])
        for town, quota in zip(self.towns, quotas):
            for _ in range(quota):
                opened = self._past_day()
                closed_on = opened + timedelta(days=rng.randint(1, 30))
                closed = closed_on <= self.today and rng.random() < 0.7
                yield (next(ids), self.campaign_id, town.pick(rng), "financing" if rng.random() < 0.3 else "other",
                       rng.choice(NEED_TEXTS), town.am_id, opened + timedelta(days=15),
                       "closed" if closed else "open", opened, closed_on if closed else None,
                       rng.choice(RESOLUTIONS) if closed else None, town.am_id if closed else None)


# ---------------------------------------------------------------- schema, database tuning, summary


def prepare_schema(force_reset: bool) -> None:
    """Create the schema in an empty database; refuse one that holds rows (merchants or any) unless told to."""
    if force_reset:
        _drop_every_table()
    else:
        filled = _filled_table()
        if filled:
            raise SystemExit(f"this database already holds data (table {filled}); "
                             "use --force-reset to drop every table first")
    db.create_all()


def _filled_table() -> str | None:
    """The first of the app's tables that exists and has a row, merchants first."""
    existing = set(inspect(db.engine).get_table_names())
    tables = sorted(db.metadata.sorted_tables, key=lambda t: t.name != "merchants")
    with db.engine.connect() as conn:
        for table in tables:
            if table.name in existing and conn.scalar(select(literal(1)).select_from(table).limit(1)):
                return table.name
    return None


def _drop_every_table() -> None:
    """Every table there is, not just today's models: a schema left by any version of them goes."""
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # the rows a dropped table takes with it must not trip foreign keys on the way out
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for name in inspect(conn).get_table_names():
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"' + ("" if sqlite else " CASCADE"))
        conn.commit()
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def _secondary_indexes(conn: Connection) -> list[tuple[str, str]]:
    """(name, definition) of the big tables' indexes that no constraint owns."""
    rows = conn.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
        "AND i.tablename = ANY(:tables) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)"),
        {"tables": list(BIG_TABLES)})
    return [(name, definition) for name, definition in rows]


def _tune_postgres(conn: Connection) -> list[tuple[str, str]]:
    """Skip foreign-key triggers (the generator keeps references right) and build indexes after the load."""
    conn.execute(text("SET LOCAL synchronous_commit = off"))
    conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    if conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
        conn.execute(text("SET LOCAL session_replication_role = replica"))
    indexes = _secondary_indexes(conn)
    for name, _definition in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    return indexes


def _finish_postgres(conn: Connection, indexes: list[tuple[str, str]], log) -> None:
    started = time.perf_counter()
    for _name, definition in indexes:
        conn.execute(text(definition))
    log(f"  {'(indexes)':<18} {len(indexes):>10,} built {time.perf_counter() - started:6.1f} s")
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                              f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"))


def generate(scale_name: str, seed: int = 1, log=print) -> dict:
    """Fill the current app's (empty, schema-created) database; returns the timings per table."""
    engine: Engine = db.engine
    started = time.perf_counter()
    with engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            indexes = _tune_postgres(conn)
        else:
            conn.exec_driver_sql("PRAGMA synchronous=OFF")  # one commit at the end; a crash means regenerate
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
        generator = Generator(SCALES[scale_name], seed, Writer(conn), log)
        generator.run()
        if postgres:
            _finish_postgres(conn, indexes, log)
        ledger.rebuild(conn)  # the figures' ledger, from the records just written
    analyse_started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if postgres else "ANALYZE")
    log(f"  {'(vacuum/analyze)':<18} {'':>10} {time.perf_counter() - analyse_started:13.1f} s")
    seconds = dict(generator.seconds, total=round(time.perf_counter() - started, 1))
    return {"seconds": seconds, "scale": scale_name, "seed": seed}


def summary(conn: Connection) -> dict:
    """Counts per table and the ids worth benchmarking with, read back from the database."""
    counts = {t.name: conn.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
    per_author = conn.execute(select(Visit.author_id, func.count()).group_by(Visit.author_id)
                              .order_by(func.count().desc(), Visit.author_id)).all()
    busiest_id, median_id = per_author[0][0], per_author[len(per_author) // 2][0]
    pair = conn.execute(select(LiaisonPair.liaison_id, LiaisonPair.region_id)
                        .where(LiaisonPair.account_manager_id == busiest_id)).first()
    username = {uid: name for uid, name in conn.execute(select(User.id, User.username))}
    head = conn.scalar(select(User.username).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == "branch_head",
        User.organization_id == select(User.organization_id).where(User.id == busiest_id).scalar_subquery()))
    campaign_id, starts_on = conn.execute(select(Campaign.id, Campaign.starts_on).order_by(Campaign.id)).first()
    return {
        "campaign_id": campaign_id,
        # The generation day, as the drive's dates were laid out from it.
        "today": (starts_on + timedelta(days=CAMPAIGN_DAYS_BEFORE)).isoformat(),
        "password": PASSWORD,
        "users": {"admin": "admin", "lead": "lead", "busiest_am": username[busiest_id],
                  "median_am": username[median_id], "liaison": username[pair.liaison_id], "branch_head": head},
        "busiest_am_visits": per_author[0][1],
        "busiest_am_town_id": pair.region_id,
        "sample_credit_code": conn.scalar(select(Merchant.credit_code).where(Merchant.town_id == pair.region_id)
                                          .order_by(Merchant.id).limit(1)),
        "open_follow_ups": conn.scalar(select(func.count()).where(FollowUp.status == "planned")),
        "open_referrals": conn.scalar(select(func.count()).where(Referral.status.in_(OPEN_STATUSES))),
        "counts": counts,
    }


def database_name(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database or "memory").stem
    return parsed.database or "postgres"


def info_path(url: str) -> Path:
    return OUT_DIR / f"{database_name(url)}.json"


def write_info(url: str, info: dict) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = info_path(url)
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def schema_app(url: str) -> Flask:
    """A bare app on the database: the models and nothing else.

    The full app factory would also import every area's views, and on a tree several people edit at
    once one unfinished view must not stop the data everyone benchmarks on.
    """
    app = Flask("crm_bench")
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})
    db.init_app(app)
    return app


def run(url: str, scale: str, seed: int = 1, force_reset: bool = False, log=print) -> dict:
    """Create the schema, fill it, and return (and save) the summary."""
    app = schema_app(url)
    with app.app_context():
        prepare_schema(force_reset)
        log(f"generating {scale} data into {make_url(url).render_as_string(hide_password=True)}")
        info = generate(scale, seed, log)
        with db.engine.connect() as conn:
            info.update(summary(conn))
        info["database"] = database_name(url)
        db.engine.dispose()
    write_info(url, info)
    return info


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("CRM_BENCH_URL"), required="CRM_BENCH_URL" not in os.environ,
                        help="SQLAlchemy URL of an empty database")
    parser.add_argument("--scale", choices=sorted(SCALES), default="city")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--force-reset", action="store_true", help="drop every table first")
    args = parser.parse_args(argv)
    info = run(args.url, args.scale, args.seed, args.force_reset)
    print("row counts:")
    for table, count in sorted(info["counts"].items()):
        print(f"  {table:<20} {count:>12,}")
    users = info["users"]
    print(f"campaign {info['campaign_id']}; busiest AM {users['busiest_am']} ({info['busiest_am_visits']:,} visits; "
          f"liaison {users['liaison']}, branch head {users['branch_head']}); median AM {users['median_am']}; "
          f"password {info['password']}; generated in {info['seconds']['total']} s")
    print(f"written to {info_path(args.url)}")
    print(json.dumps(info, ensure_ascii=False, default=str))
    return info


if __name__ == "__main__":
    main()
