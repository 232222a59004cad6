"""Rows the reminder rules look at, built on the shared two-county world."""
from __future__ import annotations

import http.server
import itertools
import json
import socket
import socketserver
import threading
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from crm.events.models import Event
from crm.extensions import db
from crm.plaques.models import Plaque
from crm.referrals.models import Referral, ReferralList
from crm.reminders.models import Reminder
from crm.timeutil import LOCAL_TZ, local_date, to_utc_naive
from crm.visits.models import FollowUp, Need, Visit

_ids = itertools.count(1)
DAY = date(2025, 5, 19)  # a Monday past the 5th: every pair is reminded to plan its joint visit day


def local_moment(day: date, hour: int = 9) -> datetime:
    """An aware Asia/Shanghai moment on that day."""
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


@pytest.fixture
def at():
    return local_moment


class Rows:
    """Builders for one world: follow-ups, needs, referrals, events, visits, plaques."""

    def __init__(self, world):
        self.world = world
        self.campaign = world.campaign

    def drive_dates(self) -> None:
        """A drive from March to 10 July 2025: running on the days the tests walk."""
        self.campaign.starts_on, self.campaign.ends_on = date(2025, 3, 1), date(2025, 7, 10)
        db.session.commit()

    def overdue_follow_ups(self, *owners: tuple[str, str]) -> None:
        """(account manager, merchant) names from the world: a follow-up each, due a week before DAY."""
        for manager, merchant in owners:
            self.follow_up(self.world.users[manager], self.world.merchants[merchant], DAY - timedelta(days=7))

    def _add(self, obj):
        db.session.add(obj)
        db.session.commit()
        return obj

    def follow_up(self, assignee, merchant, due_on: date) -> FollowUp:
        return self._add(FollowUp(campaign_id=self.campaign.id, merchant_id=merchant.id, assignee_id=assignee.id,
                                  due_on=due_on, status="planned"))

    def need(self, owner, merchant, due_on: date) -> Need:
        return self._add(Need(campaign_id=self.campaign.id, merchant_id=merchant.id, text="流动资金 20 万",
                              owner_id=owner.id, due_on=due_on, status="open", opened_on=due_on))

    def referral(self, assignee, merchant, deadline_on: date) -> Referral:
        listing = self._add(ReferralList(campaign_id=self.campaign.id, name=f"名单{next(_ids)}",
                                         bank_org_id=self.world.orgs["bank"].id))
        return self._add(Referral(list_id=listing.id, campaign_id=self.campaign.id, merchant_id=merchant.id,
                                  status="assigned", assignee_id=assignee.id, deadline_on=deadline_on))

    def event(self, kind: str, planned_on: date, pair=None, county=None, status="planned") -> Event:
        return self._add(Event(campaign_id=self.campaign.id, kind=kind, status=status,
                               pair_id=pair.id if pair else None,
                               county_id=county.id if county else (pair.county_id if pair else None),
                               planned_on=planned_on, place="丹朱商圈"))

    def visit(self, author, merchant, day: date) -> Visit:
        moment = to_utc_naive(local_moment(day, 10))
        return self._add(Visit(client_id=f"v{next(_ids)}", body_hash="x", campaign_id=self.campaign.id,
                               merchant_id=merchant.id, author_id=author.id, kind="first", visited_at=moment,
                               visited_on=day))

    def plaque(self, merchant, nominated_by) -> Plaque:
        return self._add(Plaque(campaign_id=self.campaign.id, merchant_id=merchant.id, status="approved",
                                nominated_by_id=nominated_by.id))


@pytest.fixture
def rows(world):
    return Rows(world)


def reminder_log() -> set[tuple[str, str, str]]:
    """{(rule, recipient username, local date created)} of every reminder."""
    from crm.people.models import User

    result = set()
    for reminder in db.session.query(Reminder).all():
        user = db.session.get(User, reminder.recipient_id)
        result.add((reminder.rule, user.username, local_date(reminder.created_at).isoformat()))
    return result


@pytest.fixture
def drive_day() -> date:
    return DAY


@pytest.fixture
def reminded(world, rows, at):
    """A sweep on DAY: am_a1 gets two reminders (plan the pair's day; an overdue follow-up), am_a2 one."""
    from crm.reminders.operations import run_all
    from crm.timeutil import freeze

    rows.drive_dates()
    rows.overdue_follow_ups(("am_a1", "m_a1"))
    with freeze(at(DAY)):
        run_all()
    return world


@pytest.fixture
def log_of():
    return reminder_log


@pytest.fixture
def reminders_of():
    def mine(user) -> list[Reminder]:
        return db.session.scalars(
            select(Reminder).where(Reminder.recipient_id == user.id).order_by(Reminder.id)).all()

    return mine


# ---- delivery targets that a test can stop and start ------------------------------------------

class WebhookTarget:
    """A chat-robot stand-in on 127.0.0.1: records each message; `die_after` closes it mid-run."""

    def __init__(self):
        self.received: list[tuple[str, dict]] = []
        self.answer = b'{"errcode": 0, "errmsg": "ok"}'
        self.die_after: int | None = None
        self.server = None
        self.port = _free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/robot/send?key=test"

    def start(self):
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                target.received.append((self.headers["Idempotency-Key"], json.loads(body)))
                answer = target.answer
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                if target.die_after is not None and len(target.received) >= target.die_after:
                    target.die_after = None
                    threading.Thread(target=target.stop).start()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            server, self.server = self.server, None
            server.shutdown()
            server.server_close()


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP for smtplib: every message lands in `messages`."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.messages: list[bytes] = []
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def close(self):
        self.shutdown()
        self.server_close()


class _SmtpSession(socketserver.StreamRequestHandler):
    def reply(self, line: str):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink ready")
        for raw in self.rfile:
            verb = raw.decode(errors="replace").strip().split(" ")[0].upper()
            if verb == "DATA":
                self.reply("354 go ahead")
                lines = []
                for line in self.rfile:
                    if line in (b".\r\n", b".\n"):
                        break
                    lines.append(line)
                self.server.messages.append(b"".join(lines))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def webhook_target(app, monkeypatch):
    """The stand-in robot, on a host the admin allowed (loopback must be named to be allowed)."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", ["127.0.0.1"])
    target = WebhookTarget().start()
    yield target
    target.stop()


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    yield sink
    sink.close()
