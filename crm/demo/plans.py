"""What happens to each merchant and each referred name, decided before any row is made."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from crm.demo.common import (
    APPLY_SHARE,
    DECLINE_REASONS,
    FOCUS_TRADES,
    NEED_SHARE,
    PURPOSES,
    TIER_WEIGHTS,
    VISIT_SHARE,
    _Plan,
)
from crm.referrals.models import ReferralList


class PlansSection:
    """A part of demo.build._Builder (which holds the state it reads and writes)."""

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
