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
rows after them through the session's writer (crm/demo/writers.py), with ids allocated here. The
rules they follow (body hashes, deadlines, plaque numbers, the drive's rules) are crm/demo/rules.py's.
"""

from __future__ import annotations

import random
import secrets
import string
from datetime import date, datetime, time, timedelta
from time import perf_counter

from sqlalchemy import func, select

from crm.auth.passwords import hash_password
from crm.campaigns.models import Campaign, CampaignLead, LiaisonPair
from crm.campaigns.rule_changes import sync_template
from crm.dates import add_months
from crm.demo.common import CAMPAIGN_NAME
from crm.demo.history import HistorySection
from crm.demo.meetings import EventsSection
from crm.demo.plans import PlansSection
from crm.demo.rules import TEMPLATE
from crm.demo.world import WorldSection
from crm.demo.writers import OrmWriter
from crm.events.models import Event
from crm.extensions import db
from crm.merchants.models import Merchant
from crm.people.models import Organization, User
from crm.plaques.models import Plaque
from crm.products.models import CampaignProduct, Product
from crm.referrals.models import Referral, ReferralList
from crm.regions.models import Region
from crm.reports import ledger
from crm.timeutil import local_now, local_today, to_utc_naive, utcnow
from crm.visits.models import Application, FollowUp, Need, Visit


def bring_demo_drive_to_template() -> int:
    """On a database the demo built earlier, its drive brought to the template's current rules (a lead's
    local settings kept): the demo shows the programme as its document now reads. The rules changed."""
    campaign = db.session.scalar(select(Campaign).where(Campaign.name == CAMPAIGN_NAME, Campaign.template == TEMPLATE)
                                 .order_by(Campaign.id).limit(1))
    if campaign is None:
        return 0
    changed = len(sync_template(campaign))
    db.session.commit()
    return changed


def build_demo(seed: int = 1, password: str | None = None, merchants: int = 5000) -> dict:
    """Fill an empty database with a realistic drive; return counts, users and the password."""
    started = perf_counter()
    _refuse_unless_empty()
    if password is None:
        password = random_password()
    builder = _Builder(seed=seed, merchant_count=merchants)
    users = builder.run(hash_password(password))
    ledger.rebuild(db.session.connection())  # the rows went in bulk, past the ledger's flush hooks
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




class _Builder(WorldSection, EventsSection, PlansSection, HistorySection):
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
        self.starts_on = add_months(self.today, -5)
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

    def _write(self) -> None:
        """The rows made from the plans, through the session (the world above them went through the ORM)."""
        writer = OrmWriter(db.session)
        tables = (
            (Merchant, self.merchant_rows),
            (Event, self.event_rows),
            (ReferralList, self.list_rows),
            (Visit, self.visit_rows),
            (Need, self.need_rows),
            (FollowUp, self.follow_up_rows),
            (Application, self.application_rows),
            (Referral, self.referral_rows),
            (Plaque, self.plaque_rows),
        )
        for model, rows in tables:
            if rows:
                columns = tuple(rows[0])
                writer.write(model.__tablename__, columns, (tuple(row[c] for c in columns) for row in rows))
        db.session.flush()
        writer.move_sequences(model.__tablename__ for model, _rows in tables)  # the ids above were given here
