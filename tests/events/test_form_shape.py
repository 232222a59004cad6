"""The event pages check what they submit with the API's declaration of an event: the same limits,
the same refusals, nothing stored when a field is refused."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from crm.events.models import Event
from crm.extensions import db
from crm.timeutil import freeze

JULY_15 = datetime(2025, 7, 15, 4, 0)


def test_the_page_refuses_what_the_api_refuses(world, api, login):
    world.campaign.starts_on, world.campaign.ends_on = date(2025, 6, 1), date(2025, 12, 31)
    declared = api(world.users["lead"]).get("/api/v1/openapi.json").get_json()["components"]["schemas"]["EventInput"]
    limit = declared["properties"]["title"]["anyOf"][0]["maxLength"]
    client = login(world.users["lead"])
    client.get("/lang/en")
    url = f"/events/new?campaign={world.campaign.id}"
    body = {"kind": "matchmaking", "planned_on": "2025-07-03", "county_id": str(world.counties[0].id)}
    with freeze(JULY_15):
        form = client.get(url).get_data(as_text=True)
        assert f'maxlength="{limit}"' in form  # the browser's hint is the declaration's limit
        too_long = client.post(url, data={**body, "title": "会" * (limit + 1)})
        assert too_long.status_code == 200 and f"At most {limit} characters." in too_long.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0
        assert client.post(url, data={**body, "title": "会" * limit}).status_code == 302
        event = db.session.scalar(select(Event))
        negative = client.post(f"/events/{event.id}/held", data={"held_on": "2025-07-03", "attendance": "-4"})
        assert negative.status_code == 200 and db.session.get(Event, event.id).status == "planned"
        held = client.post(f"/events/{event.id}/held", data={"held_on": "2025-07-03", "attendance": "40"})
    assert held.status_code == 302 and db.session.get(Event, event.id).attendance == 40
