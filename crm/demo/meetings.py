"""The demo's joint visit days, matchmaking meetings and level visits."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from crm.dates import add_months, month_end, month_start, quarter_start
from crm.demo.common import CANCEL_NOTES, CITY_BANK, CITY_BUREAU
from crm.events.models import Event


class EventsSection:
    """A part of demo.build._Builder (which holds the state it reads and writes)."""

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

    def _city_event(self, kind: str, day, held: bool, **values) -> dict:
        """An event of the city bureau and the city branch together (a lead records it unless said otherwise)."""
        values.setdefault("created_by_id", self.lead.id)
        if held:
            values.update(status="held", held_on=day)
        return self._event(
            kind=kind, region_id=self.city.id, planned_on=day, organizers=f"{CITY_BUREAU}、{CITY_BANK}", **values
        )

    def _events(self) -> None:
        rng = self.rng_events
        self.event_rows: list[dict] = []
        self.next_event_id = self._id_start(Event)
        self.joint_days: list[tuple[dict, object]] = []  # (event row, town) for held joint visit days
        today = self.today
        current = month_start(today)
        months = []
        m = self.starts_on
        while m < current:
            months.append(m)
            m = add_months(m, 1)

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
                        month_end(day),
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
            day = self._weekday_in(rng, max(today, current + timedelta(days=2)), month_end(today))
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
        q = quarter_start(self.starts_on)
        while q <= today:
            end = month_end(add_months(q, 2))
            quarters.append((q, end))
            q = add_months(q, 3)
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
        self._city_event(
            "joint_meeting",
            kick,
            held=True,
            title="“双百工程”普惠授信活动启动暨政银联席会议",
            place="长治市市场监督管理局三楼会议室",
            attendance=rng.randint(30, 50),
            notes="部署活动方案，明确“一镇一专员”结对名单",
        )
        for qi in past:
            q_end = quarters[qi][1]
            day = self._weekday_in(rng, q_end + timedelta(days=3), q_end + timedelta(days=12))
            if day >= today:
                continue
            self._city_event(
                "joint_meeting",
                day,
                held=True,
                title=f"“双百工程”第{(quarters[qi][0].month - 1) // 3 + 1}季度推进联席会议",
                place="邮储银行长治市分行会议室",
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
            self._city_event(
                "joint_meeting", day, held=False, title="“双百工程”年度总结会", place="长治市市场监督管理局三楼会议室"
            )

        # Level visits (结对子 at each level, ≥3 a year): the city pair twice, each county pair once or twice.
        for n in range(2):
            day = self._weekday_in(
                rng,
                self.starts_on + timedelta(days=15 + 70 * n),
                min(self.starts_on + timedelta(days=45 + 70 * n), self.last_day - timedelta(days=1)),
            )
            self._city_event(
                "level_visit", day, held=True, level="city", title="市局—市分行结对走访", notes="共同走访重点商圈，听取商户意见"
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
