"""Joint visit days, meetings and their quotas; the events API."""
from __future__ import annotations

import itertools
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from crm.campaigns.rules import event_quota
from crm.events import operations as ops
from crm.events.models import Event
from crm.extensions import db
from crm.timeutil import freeze
from crm.visits.models import Visit

_ids = itertools.count(1)
JULY_15 = datetime(2025, 7, 15, 4, 0)  # 12:00 in Shanghai


@pytest.fixture(autouse=True)
def english(app):
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def drive(world):
    world.campaign.starts_on, world.campaign.ends_on = date(2025, 6, 1), date(2025, 12, 31)
    db.session.commit()
    return world


def visit(world, author, on: date, pair=None):
    moment = datetime(on.year, on.month, on.day, 2, 0)
    v = Visit(client_id=f"e{next(_ids)}", body_hash="x", campaign_id=world.campaign.id,
              merchant_id=world.merchants["m_a1"].id, author_id=author.id, pair_id=pair.id if pair else None,
              kind="joint_visit_day", visited_at=moment, visited_on=on)
    db.session.add(v)
    return v


def test_plan_and_hold_a_july_day_links_the_visits(drive):
    pair, am, liaison = drive.pairs[0], drive.users["am_a1"], drive.users["liaison_a1"]
    with freeze(JULY_15):
        day = ops.plan_event(drive.campaign, {"kind": "joint_visit_day", "pair_id": pair.id,
                                              "region_id": drive.districts[0].id, "planned_on": date(2025, 7, 10),
                                              "with_briefing": True}, am)
        assert day.county_id == drive.counties[0].id
        by_am = visit(drive, am, date(2025, 7, 12), pair)
        by_liaison = visit(drive, liaison, date(2025, 7, 12))
        other_day = visit(drive, am, date(2025, 7, 13), pair)
        db.session.flush()
        ops.record_held(day, {"held_on": date(2025, 7, 12), "attendance": 12, "merchants_reached": 30,
                              "briefing_audience": 25}, am)
        db.session.commit()
        assert (by_am.event_id, by_liaison.event_id, other_day.event_id) == (day.id, day.id, None)
        assert day.status == "held"
        cells = ops.month_cells(drive.campaign, [pair.id])[pair.id]
        states = {c.month.month: c.state for c in cells}
        assert states[6] == "missed" and states[7] == "held" and states[8] == "future"
        # A second day in July is refused: one a month.
        with pytest.raises(ops.EventError) as err:
            ops.plan_event(drive.campaign, {"kind": "joint_visit_day", "pair_id": pair.id,
                                            "region_id": drive.towns[0].id, "planned_on": date(2025, 7, 20)}, am)
        assert "planned_on" in err.value.fields


def test_day_place_must_be_in_the_pairs_county_and_not_held_in_the_future(drive):
    pair = drive.pairs[0]
    with freeze(JULY_15), pytest.raises(ops.EventError) as err:
        ops.plan_event(drive.campaign, {"kind": "joint_visit_day", "pair_id": pair.id,
                                        "region_id": drive.districts[2].id, "planned_on": date(2025, 7, 10)},
                       drive.users["am_a1"])
    assert set(err.value.fields) == {"region_id"}
    with freeze(JULY_15), pytest.raises(ops.EventError) as err:
        ops.plan_event(drive.campaign, {"kind": "briefing", "planned_on": date(2025, 7, 20),
                                        "held_on": date(2025, 7, 20)}, drive.users["am_a1"])
    assert set(err.value.fields) == {"held_on"}
    assert db.session.scalars(select(Event)).all() == []


def test_matchmaking_quota_shows_the_county_behind(drive):
    a, b = drive.counties
    with freeze(JULY_15):
        ops.plan_event(drive.campaign, {"kind": "matchmaking", "county_id": a.id, "planned_on": date(2025, 7, 3),
                                        "held_on": date(2025, 7, 3), "attendance": 40, "intentions": 6}, None)
        ops.plan_event(drive.campaign, {"kind": "matchmaking", "county_id": b.id, "planned_on": date(2025, 8, 3)},
                       None)
        table = ops.quota_table(drive.campaign, event_quota(drive.campaign, "matchmaking", "county"))
        quota = {row.name: {c.label: c.state for c in row.cells} for row in table.rows}
    assert quota[a.name] == {"2025 Q2": "missed", "2025 Q3": "met", "2025 Q4": "future"}
    assert quota[b.name]["2025 Q3"] == "behind"


def test_level_visit_quota_is_counted_per_county(drive):
    """各层级有效拜访频率不少于3次/年 (002, BOC 八、(二); 晋商 四、(一)): each county's bureau–bank pair needs
    its own three visits a year; three visits in one county leave the other county behind."""
    a, b = drive.counties
    with freeze(JULY_15):
        for n in range(3):
            for level, county in (("city", None), ("county", a)):
                ops.plan_event(drive.campaign, {"kind": "level_visit", "level": level, "county_id": county and county.id,
                                                "planned_on": date(2025, 7, 1 + n), "held_on": date(2025, 7, 1 + n)},
                               None)
        with pytest.raises(ops.EventError) as err:  # a county-level visit names its county
            ops.plan_event(drive.campaign, {"kind": "level_visit", "level": "county", "planned_on": date(2025, 7, 9)},
                           None)
        assert "county_id" in err.value.fields
        table = ops.quota_table(drive.campaign, event_quota(drive.campaign, "level_visit", "level_pair"))
    states = {row.name: row.cells[0].state for row in table.rows}
    assert states == {"Province": "behind", "City": "met", a.name: "met", b.name: "behind"}
    assert [cell.label for cell in table.rows[0].cells] == ["2025"]


def test_a_weekly_quota_for_the_whole_drive(drive):
    """004: 坚持每周三一次常态化开展线上银企对接活动 — one online matchmaking a week, counted for the drive."""
    drive.campaign.quotas = [{"event": "matchmaking", "count": 1, "cadence": "week", "scope": "drive", "weekday": 3}]
    a = drive.counties[0]
    with freeze(JULY_15):  # a Tuesday
        for day in (date(2025, 7, 2), date(2025, 7, 16)):
            ops.plan_event(drive.campaign, {"kind": "matchmaking", "county_id": a.id, "planned_on": day,
                                            "held_on": day if day < JULY_15.date() else None}, None)
        table = ops.quota_table(drive.campaign, event_quota(drive.campaign, "matchmaking"))
    [row] = table.rows
    cells = {cell.label: cell for cell in row.cells}
    # The weeks of 2025-06-01 … 2025-12-31 but the first: the drive starts on a Sunday, no Wednesday in it.
    assert row.name == drive.campaign.name and len(row.cells) == 31 and "2025-05-26" not in cells
    assert cells["2025-06-02"].state == "missed"
    assert (cells["2025-06-30"].state, cells["2025-07-07"].state) == ("met", "missed")
    assert (cells["2025-07-14"].state, cells["2025-07-14"].planned) == ("behind", 1)
    assert cells["2025-07-21"].state == "future"


def test_pages(drive, login, monkeypatch):
    pair = drive.pairs[0]
    client = login(drive.users["am_a1"])
    client.get("/lang/en")
    with freeze(JULY_15):
        response = client.post(f"/events/new?campaign={drive.campaign.id}", data={
            "kind": "joint_visit_day", "planned_on": "2025-07-10", "pair_id": str(pair.id),
            "region_id": str(drive.towns[0].id), "with_briefing": "y"})
        assert response.status_code == 302
        event = db.session.scalar(select(Event))
        held = client.post(f"/events/{event.id}/held", data={"held_on": "2025-07-10", "attendance": "8",
                                                             "merchants_reached": "20"})
        assert held.status_code == 302
        assert "Held" in client.get(f"/events/pairs/{pair.id}").get_data(as_text=True)
        lead = login(drive.users["lead"])
        lead.get("/lang/en")  # signing in starts a new session, in the default language
        grid = lead.get(f"/events/joint-days?campaign={drive.campaign.id}")
        assert "Missed" in grid.get_data(as_text=True)
        # Many pairs (here: more than none): one line per county until a county is chosen.
        from crm.events import views

        monkeypatch.setattr(views, "MAX_PAIRS", 0)
        summary = lead.get(f"/events/joint-days?campaign={drive.campaign.id}").get_data(as_text=True)
        county_line = summary[summary.index(f"county={pair.county_id}"):].split("</tr>")[0]
        assert "data-by-county" in summary and pair.name not in summary
        assert re.search(r'data-month="2025-07">1<', county_line)  # July: one pair held its day
        chosen = lead.get(f"/events/joint-days?campaign={drive.campaign.id}&county={pair.county_id}")
        assert pair.name in chosen.get_data(as_text=True)
        index = lead.get(f"/events/?campaign={drive.campaign.id}").get_data(as_text=True)
        assert "Behind their quota" in index
        quotas = lead.get(f"/events/quotas?campaign={drive.campaign.id}").get_data(as_text=True)
        assert "At least 3 per Year, for each: Level pair" in quotas and "At least 1 per Quarter" in quotas
    # Another pair's account manager may not plan this pair's day.
    with freeze(JULY_15):
        other = login(drive.users["am_b1"])
        refused = other.post(f"/events/new?campaign={drive.campaign.id}", data={
            "kind": "joint_visit_day", "planned_on": "2025-07-11", "pair_id": str(pair.id),
            "region_id": str(drive.towns[0].id)})
    assert refused.status_code in (200, 404), refused.headers.get("Location")
    assert len(db.session.scalars(select(Event)).all()) == 1


def test_photos_of_a_held_day_are_resized_and_served_in_scope(drive, login):
    import io

    from PIL import Image

    from crm.visits.models import Photo

    pair = drive.pairs[0]
    with freeze(JULY_15):
        day = ops.plan_event(drive.campaign, {"kind": "joint_visit_day", "pair_id": pair.id,
                                              "region_id": drive.towns[0].id, "planned_on": date(2025, 7, 10)},
                             drive.users["am_a1"])
        db.session.commit()
        big = io.BytesIO()
        Image.new("RGB", (3200, 2400), "red").save(big, "JPEG")
        client = login(drive.users["liaison_a1"])
        response = client.post(f"/events/{day.id}/held", data={
            "held_on": "2025-07-10", "attendance": "6", "photos": [(io.BytesIO(big.getvalue()), "day.jpg")]},
            content_type="multipart/form-data")
        assert response.status_code == 302
        photo = db.session.scalar(select(Photo).where(Photo.event_id == day.id))
        assert max(photo.width, photo.height) <= 1600
        assert client.get(f"/events/photos/{photo.id}").status_code == 200
        not_a_photo = client.post(f"/events/{day.id}/held", data={
            "held_on": "2025-07-10", "photos": [(io.BytesIO(b"not an image"), "x.jpg")]},
            content_type="multipart/form-data")
        assert not_a_photo.status_code == 200
        assert len(db.session.scalars(select(Photo).where(Photo.event_id == day.id)).all()) == 1
        outsider = login(drive.users["am_b1"])
        assert outsider.get(f"/events/{day.id}/held").status_code == 404


def test_the_place_picker_narrows_to_the_county_chosen(world, login):
    """Each town and district offered names its county, which the county picker narrows by (static/js/page.js)."""
    page = login(world.users["lead"]).get(f"/events/new?campaign={world.campaign.id}").get_data(as_text=True)
    assert re.search(r'<select[^>]*data-narrows="region_id"[^>]*name="county_id"', page)
    region = page[page.index('name="region_id"'):]
    region = region[:region.index("</select>")]
    parents = {int(v): int(p) for p, v in re.findall(r'data-parent="(\d+)" value="(\d+)"', region)}
    towns = {t.id: t.parent_id for t in world.towns if t.id in parents}
    assert towns and all(parents[t] == county for t, county in towns.items())
    assert set(parents.values()) <= {c.id for c in world.counties}
