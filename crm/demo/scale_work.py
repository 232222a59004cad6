"""The benchmark-scale drive's merchants and field work, table by table (a part of ScaleGenerator).

Statuses and outcomes are drawn by weight, not followed merchant by merchant as the demo does: at a
million merchants the tables must come out at the sizes asked for, exactly. What the app derives
from a record — a body hash, a contact deadline, a plaque number — is derived by the app's rules.
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from crm.demo import names
from crm.demo.rules import application_hash, apportion, contact_deadline, plaque_numbers, visit_hash
from crm.merchants.credit_code import ALPHABET, check_character
from crm.merchants.operations import initials
from crm.referrals.models import OPEN_STATUSES
from crm.timeutil import local_date

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
REVENUE = {"survival": (80_000, 600_000), "growth": (600_000, 1_200_000), "development": (1_200_000, 6_000_000)}


def make_credit_code(division: str, serial: int) -> str:
    """A valid code (prefix 92: individual business), unique per serial: serial → base 31 is one-to-one."""
    n = (serial * 1_000_003 + 7_777) % 31**9  # 1,000,003 is prime, so the map is a bijection mod 31^9
    digits = []
    for _ in range(9):
        n, d = divmod(n, 31)
        digits.append(ALPHABET[d])
    body = "92" + division + "".join(reversed(digits))
    return body + check_character(body)


class ScaleWork:
    """Merchants, plaques, events, visits, follow-ups, referrals, applications and needs."""

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
                low, high = REVENUE[tier]
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
                    iter(self._plaque_rows()))

    def _plaque_rows(self) -> list[tuple]:
        rng = self.rng
        checks = [{"criterion": "tier", "passed": True, "detail": "development"},
                  {"criterion": "dishonest", "passed": True, "detail": ""}]
        rows = []
        for pid, mid in enumerate(sorted(rng.sample(range(1, self.scale.merchants + 1), self.scale.plaques)), 1):
            status = rng.choices(("approved", "nominated", "rejected", "revoked"), (70, 20, 5, 5))[0]
            nominated_at = datetime.combine(self._past_day(), clock(3))
            decided = status != "nominated"
            flagged = status == "approved" and rng.random() < 0.03  # a registry change since: needs review
            rows.append([pid, self.campaign.id, mid, status, None, checks, self._town_of(mid).am_id, nominated_at,
                         self.lead_ids[0] if decided else None,
                         min(nominated_at + timedelta(days=rng.randint(1, 20)), self.now) if decided else None,
                         flagged, "registry status changed" if flagged else None])
        # A plaque approved (and maybe revoked since) has the number it was issued, in order of approval.
        numbered = [row for row in rows if row[3] in ("approved", "revoked")]
        for row, number in zip(numbered, plaque_numbers(self.campaign, [row[9] for row in numbered])):
            row[4] = number
        return [tuple(row) for row in rows]

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
        campaign_id = self.campaign.id
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
                yield (event_id, campaign_id, "joint_visit_day", status, town.pair_id, town.county.id, town.id,
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
                yield (next(ids), campaign_id, "matchmaking", status, None, county.id, None,
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

    def _day_weights(self, town) -> list[float]:
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
        campaign_id = self.campaign.id
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
                    merchant_id, client_id = town.pick(rng), f"bench-v{vid:09d}"
                    code = make_credit_code(county.code, merchant_id)
                    yield (
                        vid, client_id, visit_hash(client_id, campaign_id, code, kind, at), campaign_id, merchant_id,
                        town.am_id, town.pair_id, event_id, kind, at, day,
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
                yield (next(ids), self.campaign.id, town.pick(rng), town.am_id, due,
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
            list_rows.append((list_id, self.campaign.id, f"{county.name}{month:%Y-%m}送贷名单", county.bureau_id,
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
                assigned_at = min(handed_at + timedelta(hours=rng.randint(1, 48)), self.now) if assigned else None
                if status in ("pending", "assigned"):
                    changed = assigned_at or handed_at
                else:
                    changed = min(handed_at + timedelta(days=rng.randint(3, 40)), self.now)
                yield (next(ids), list_id, self.campaign.id, mid, status, town.am_id if assigned else None,
                       town.pair_id, contact_deadline(self.campaign, local_date(assigned_at)) if assigned else None,
                       assigned_at, changed, rng.choice(CLOSED_REASONS) if status == "closed" else None, False,
                       handed_at)

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
        campaign_id = self.campaign.id
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
                merchant_id, client_id = town.pick(rng), f"bench-a{aid:09d}"
                code = make_credit_code(town.county.code, merchant_id)
                yield (aid, client_id, application_hash(client_id, campaign_id, code, applied, applied_on),
                       campaign_id, merchant_id, rng.choice(self.product_ids), town.am_id, applied, applied_on,
                       granted, rate, granted_on, reason, declined_on, drawn, drawn_on, random() < 0.3, created,
                       created)

    def write_needs(self) -> None:
        self._write("needs", ("id", "campaign_id", "merchant_id", "kind", "text", "owner_id", "due_on", "status",
                              "opened_on", "closed_on", "resolution", "closed_by_id"), self._need_rows())

    def _need_rows(self):
        rng = self.rng
        ids = itertools.count(1)
        due_days = timedelta(days=self.campaign.need_due_days)
        quotas = apportion(self.scale.needs, [t.count * t.activity for t in self.towns])
        for town, quota in zip(self.towns, quotas):
            for _ in range(quota):
                opened = self._past_day()
                closed_on = opened + timedelta(days=rng.randint(1, 30))
                closed = closed_on <= self.today and rng.random() < 0.7
                yield (next(ids), self.campaign.id, town.pick(rng), "financing" if rng.random() < 0.3 else "other",
                       rng.choice(NEED_TEXTS), town.am_id, opened + due_days,
                       "closed" if closed else "open", opened, closed_on if closed else None,
                       rng.choice(RESOLUTIONS) if closed else None, town.am_id if closed else None)
