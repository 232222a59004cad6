"""The demo's rows from its plans: visits, needs, follow-ups, applications, referrals, plaques."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from crm.demo.common import (
    CLOSED_NOTES,
    FOLLOW_UP_REASONS,
    OTHER_NEEDS,
    VISIT_NOTES_FIRST,
    VISIT_NOTES_FOLLOW,
    _Plan,
    _uuid,
)
from crm.demo.rules import application_hash, contact_deadline, plaque_numbers, visit_hash
from crm.plaques.models import Plaque
from crm.referrals.models import Referral
from crm.visits.models import Application, FollowUp, Need, Visit


class HistorySection:
    """A part of demo.build._Builder (which holds the state it reads and writes)."""

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
                "body_hash": visit_hash(client_id, campaign_id, m.code, kind, at),
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
            "body_hash": application_hash(client_id, self.campaign.id, m.code, applied, plan.applied_on),
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
                    "deadline_on": contact_deadline(self.campaign, assigned) if assigned else None,
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
        # Numbers in the order plaques were approved, from 0001 again each (local) year.
        approved = [r for r in self.plaque_rows if r["status"] == "approved"]
        for row, number in zip(approved, plaque_numbers(self.campaign, [r["decided_at"] for r in approved])):
            row["number"] = number
