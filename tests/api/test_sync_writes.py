"""Every list synced through HTTP while another client writes between the pages: first a full sync by cursor,
then a catch-up by updated_since; each time the client ends with exactly the server's records."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.events.models import Event
from crm.extensions import db
from crm.plaques.models import Plaque
from crm.referrals.models import IntakeSubmission, Referral
from crm.timeutil import freeze, local_today
from crm.visits.models import Application, FollowUp, Need, Visit
from tests import factories
from tests.api.conftest import NEEDS, apply_for, record_visit
from tests.api.test_sync import RESOURCES, delete_row, server_records, sync

START = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
MODELS = {"visits": Visit, "applications": Application, "needs": Need, "follow-ups": FollowUp,
          "referrals": Referral, "plaques": Plaque, "intake-submissions": IntakeSubmission, "events": Event}
# A text field each write changes: the client must end with the new value.
TOUCHED = {"visits": "notes", "applications": "declined_reason", "needs": "text", "follow-ups": "reason",
           "referrals": "closed_note", "plaques": "flag_reason", "intake-submissions": "purpose", "events": "notes"}


def create(resource: str, world, writer, admin) -> None:
    """Another client adds a record of the kind: through the API where it writes them, else as the server does."""
    later = (local_today() + timedelta(days=3)).isoformat()
    if resource == "visits":
        record_visit(writer, world)
    elif resource == "applications":
        apply_for(writer, world, uuid.uuid4().hex, 120000)
    elif resource == "needs":
        record_visit(writer, world, needs=NEEDS)
    elif resource == "follow-ups":
        record_visit(writer, world, next_follow_up_on=later)
    elif resource == "referrals":
        response = admin.post("/api/v1/referral-lists", json={
            "campaign_id": world.campaign.id, "bank_org_id": world.orgs["bank"].id, "name": uuid.uuid4().hex[:8],
            "credit_codes": [_new_merchant(world).credit_code]})
        assert response.status_code == 201, response.get_json()
    elif resource == "events":
        response = admin.post(f"/api/v1/campaigns/{world.campaign.id}/events", json={
            "kind": "matchmaking", "planned_on": later, "county_id": world.counties[0].id})
        assert response.status_code == 201, response.get_json()
    else:
        template = db.session.scalars(select(MODELS[resource]).order_by(MODELS[resource].id)).first()
        copy = {column.key: getattr(template, column.key) for column in MODELS[resource].__mapper__.column_attrs
                if column.key not in ("id", "number", "referral_id")}
        db.session.add(MODELS[resource](**copy))
        db.session.commit()


def _new_merchant(world):
    merchant = factories.merchant("新开张小店", world.merchants["m_a2"].district)
    db.session.commit()
    return merchant


def touch(resource: str, record_id: int, text: str) -> None:
    record = db.session.get(MODELS[resource], record_id)
    setattr(record, TOUCHED[resource], text)
    db.session.commit()


def newest(resource: str) -> int:
    return db.session.scalar(select(MODELS[resource].id).order_by(MODELS[resource].id.desc()))


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_list_syncs_by_cursor_then_updated_since_while_another_client_writes(full_world, api, resource):
    world, reader = full_world, api(full_world.users["admin"])
    writer, admin = api(world.users["am_a1"]), api(world.users["admin"])
    with freeze(START):
        for _ in range(3):
            create(resource, world, writer, admin)
    first = min(db.session.scalars(select(MODELS[resource].id)))

    def write_during_full_sync(page: int) -> None:
        create(resource, world, writer, admin)  # beyond the cursor: arrives on a later page
        if page == 1:
            touch(resource, first, "第一页之后改的")  # already sent: arrives again, changed

    state: dict = {}
    with freeze(START + timedelta(minutes=10)):
        sync(reader, resource, state, between_pages=write_during_full_sync, limit=2)
    assert state == server_records(reader, resource)
    assert state[first][TOUCHED[resource]] == "第一页之后改的"
    synced_at = START + timedelta(hours=1)

    # Later the client comes back with only the moment of its last sync; writes go on while it pages.
    with freeze(synced_at + timedelta(minutes=5)):
        create(resource, world, writer, admin)
        doomed = newest(resource)
        create(resource, world, writer, admin)
        touch(resource, first, "之后又改了")

    def write_during_catch_up(page: int) -> None:
        if page == 1:
            delete_row(MODELS[resource], doomed)  # on the first page already: must come as a tombstone
            create(resource, world, writer, admin)

    with freeze(synced_at + timedelta(minutes=10)):
        sync(reader, resource, state, between_pages=write_during_catch_up, limit=1,
             updated_since=synced_at.isoformat())
    truth = server_records(reader, resource)
    assert state == truth and doomed not in state
    assert set(truth) == set(db.session.scalars(select(MODELS[resource].id)))
    assert state[first][TOUCHED[resource]] == "之后又改了"
