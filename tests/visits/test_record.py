"""record_visit and its companions, called directly (no HTTP)."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from crm.api.payload import Conflict, Invalid, NotFound
from crm.audit.models import AuditEvent
from crm.auth.scoping import can_edit_visit
from crm.events.models import Event
from crm.merchants.models import Merchant
from crm.signals import visit_recorded
from crm.timeutil import freeze, local_today, utcnow
from crm.visits import operations
from crm.visits.models import FollowUp, Need, Photo, Visit
from tests.factories import merchant as make_merchant


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_visit_opens_its_needs_and_plans_the_next_follow_up(world, db, make_payload):
    am = world.users["am_a1"]
    seen = []
    visit_recorded.connect(seen.append, weak=False)
    try:
        visit, created = operations.record_visit(am, make_payload())
        db.session.commit()
    finally:
        visit_recorded.disconnect(seen.append)
    assert created and seen == [visit]
    assert visit.pair_id == world.pairs[0].id and visit.event_id is None
    assert (visit.lat, visit.accuracy_m) == (36.19, 12)
    needs = db.session.scalars(select(Need).order_by(Need.id)).all()
    assert [(n.kind, n.text, n.owner_id, n.status) for n in needs] == [
        ("financing", "进货周转", am.id, "open"), ("other", "想了解线上缴税", am.id, "open")]
    assert needs[1].due_on == visit.visited_on + timedelta(days=world.campaign.need_due_days)
    follow_up = db.session.scalar(select(FollowUp))
    assert follow_up.due_on == visit.visited_on + timedelta(days=world.campaign.follow_up_interval_days)
    assert (follow_up.assignee_id, follow_up.status, follow_up.source_visit_id) == (am.id, "planned", visit.id)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "visits")).action == "create"


def test_the_same_client_id_is_stored_once_and_a_different_body_conflicts(world, db, make_payload):
    am = world.users["am_a1"]
    body = make_payload()
    first, _ = operations.record_visit(am, body)
    db.session.commit()
    again, created = operations.record_visit(am, dict(body))
    assert (again.id, created) == (first.id, False)
    assert (count(db, Visit), count(db, Need), count(db, FollowUp)) == (1, 2, 1)
    with pytest.raises(Conflict):
        operations.record_visit(am, {**body, "notes": "changed"})
    with pytest.raises(Conflict):  # another person cannot replay someone's id
        operations.record_visit(world.users["am_a2"], body)


def test_a_follow_up_visit_settles_the_planned_follow_up_and_asks_satisfaction(world, db, make_payload):
    am = world.users["am_a1"]
    operations.record_visit(am, make_payload())
    db.session.commit()
    planned = db.session.scalar(select(FollowUp))
    follow, _ = operations.record_visit(am, make_payload(kind="follow_up", satisfaction=5, next_follow_up_on=None))
    db.session.commit()
    assert (planned.status, planned.done_visit_id) == ("done", follow.id)
    assert follow.satisfaction == 5
    assert count(db, FollowUp) == 1  # explicit null: nothing new planned


def test_a_visit_on_the_pairs_joint_visit_day_belongs_to_it(world, db, make_payload):
    day = Event(campaign_id=world.campaign.id, kind="joint_visit_day", pair_id=world.pairs[0].id,
                planned_on=local_today(), status="planned")
    db.session.add(day)
    db.session.commit()
    visit, _ = operations.record_visit(world.users["am_a1"], make_payload(kind="joint_visit_day"))
    assert visit.event_id == day.id


def test_invalid_input_names_each_field_and_stores_nothing(world, db, make_payload):
    body = make_payload(kind="chat", visited_at="2025-07-01T09:30:00", satisfaction=9,
                        location={"lat": 200, "lng": 113}, needs=[{"text": ""}],
                        financing_need={"has_need": True, "amount": "lots"},
                        merchant={"credit_code": "123", "name": "新开的店"})
    with pytest.raises(Invalid) as err:
        operations.record_visit(world.users["am_a1"], body)
    db.session.rollback()
    assert set(err.value.fields) == {"kind", "visited_at", "satisfaction", "location.lat", "needs.0.text",
                                     "financing_need.amount", "merchant.credit_code"}
    assert (count(db, Visit), count(db, Need), count(db, Merchant)) == (0, 0, 3)


def test_satisfaction_belongs_to_follow_ups_and_visits_cannot_be_in_the_future(world, make_payload):
    future = (utcnow() + timedelta(hours=2)).isoformat() + "+00:00"
    with pytest.raises(Invalid) as err:
        operations.record_visit(world.users["am_a1"], make_payload(satisfaction=4, visited_at=future))
    assert set(err.value.fields) == {"satisfaction", "visited_at"}


def test_a_merchant_met_on_the_spot_is_registered_with_a_checked_credit_code(world, db, make_payload):
    from crm.merchants import credit_code

    code = credit_code.make()
    body = make_payload(merchant={"credit_code": code, "name": "赵六修车铺", "trade": "resident_services"})
    visit, _ = operations.record_visit(world.users["am_a1"], body)
    db.session.commit()
    merchant = visit.merchant
    assert (merchant.credit_code, merchant.name_initials, merchant.town_id) == (code, "zlxcp", world.towns[0].id)


def test_out_of_scope_merchants_and_drives_are_not_found(world, make_payload):
    am = world.users["am_a1"]
    with pytest.raises(NotFound):
        operations.record_visit(am, make_payload("m_b1"))
    with pytest.raises(NotFound):
        operations.record_visit(am, make_payload(campaign_id=world.campaign.id + 99))


def test_a_new_merchant_outside_the_users_area_is_refused(world, db, make_payload):
    from crm.merchants import credit_code

    body = make_payload(merchant={"credit_code": credit_code.make(), "name": "外县小店",
                                  "region_id": world.districts[2].id})
    with pytest.raises(Invalid) as err:
        operations.record_visit(world.users["am_a1"], body)
    db.session.rollback()
    assert "merchant.region_id" in err.value.fields and count(db, Merchant) == 3


def test_the_author_corrects_for_24_hours_then_only_the_branch_head(world, db, make_payload):
    am, head = world.users["am_a1"], world.users["head_a"]
    start = utcnow()
    with freeze(start):
        visit, _ = operations.record_visit(am, make_payload())
        db.session.commit()
    with freeze(start + timedelta(hours=23)):
        assert can_edit_visit(visit, am)
        changes = operations.update_visit(visit, am, make_payload(kind="briefing", notes="改过", financing_need=None))
        db.session.commit()
    assert changes["notes"] == ["老板在店", "改过"] and changes["kind"] == ["first", "briefing"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update", AuditEvent.object_type == "visits"))
    assert event.changes["notes"] == ["老板在店", "改过"]
    with freeze(start + timedelta(hours=25)):
        assert not can_edit_visit(visit, am)
        assert can_edit_visit(visit, head)
        assert not can_edit_visit(visit, world.users["head_b"])


def _jpeg_with_exif(width=3000, height=2000, orientation=6) -> io.BytesIO:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation  # rotate 90° when shown
    exif[0x010F] = "PhoneMaker"
    stream = io.BytesIO()
    image.save(stream, "JPEG", exif=exif.tobytes())
    stream.seek(0)
    return stream


def test_photos_are_turned_upright_resized_and_stripped_once_per_position(world, db, make_payload):
    visit, _ = operations.record_visit(world.users["am_a1"], make_payload())
    photo, created = operations.add_photo(visit, 0, _jpeg_with_exif())
    db.session.commit()
    assert created and (photo.width, photo.height) == (1067, 1600)
    with Image.open(operations.photo_path(photo)) as stored:
        assert stored.size == (1067, 1600) and not stored.getexif() and "exif" not in stored.info
    again, created = operations.add_photo(visit, 0, _jpeg_with_exif())
    assert (again.id, created) == (photo.id, False) and count(db, Photo) == 1
    with pytest.raises(Invalid):
        operations.add_photo(visit, 1, io.BytesIO(b"not a photo"))
    with pytest.raises(Invalid):
        operations.add_photo(visit, 3, _jpeg_with_exif())


def test_closing_a_need_records_how_it_was_resolved(world, db, make_payload):
    am = world.users["am_a1"]
    operations.record_visit(am, make_payload())
    need = db.session.scalar(select(Need).where(Need.kind == "other"))
    with pytest.raises(Invalid):
        operations.close_need(need, am, "  ")
    operations.close_need(need, am, "已协助开通电子税务局")
    assert (need.status, need.closed_on, need.closed_by_id) == ("closed", local_today(), am.id)
    with pytest.raises(Conflict):
        operations.close_need(need, am, "again")


def test_an_application_is_granted_or_declined_and_drawn_within_the_grant(world, db):
    am = world.users["am_a1"]
    body = {"client_id": "app-1", "campaign_id": world.campaign.id,
            "credit_code": world.merchants["m_a1"].credit_code, "applied_amount": "200000",
            "applied_on": local_today().isoformat()}
    application, created = operations.create_application(am, body)
    assert created and operations.create_application(am, dict(body)) == (application, False)
    with pytest.raises(Invalid) as err:
        operations.update_application(application, am, {"drawn_amount": 1000})
    assert set(err.value.fields) == {"drawn_amount"}
    operations.update_application(application, am, {"granted_amount": 150000, "rate": "0.0345",
                                                    "first_time_borrower": True})
    assert application.granted_on == local_today() and application.first_time_borrower
    with pytest.raises(Invalid):
        operations.update_application(application, am, {"drawn_amount": 160000})
    operations.update_application(application, am, {"drawn_amount": 150000})
    with pytest.raises(Conflict):
        operations.update_application(application, am, {"declined_reason": "征信不良"})


def test_new_merchants_in_the_world_are_searchable_by_initials(world, db):
    make_merchant("张三干洗店二号", world.districts[0])
    db.session.commit()
    from crm.merchants.queries import merchants_for

    names = [m.name for m in db.session.scalars(merchants_for(world.users["am_a1"], q="zsgx"))]
    assert names == ["张三干洗店", "张三干洗店二号"]
