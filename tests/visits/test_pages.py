"""The field-work pages: Today, the visit form (without JavaScript), corrections, applications,
the needs ledger, the merchant timeline, and what keeps the form light and offline."""
from __future__ import annotations

import gzip
import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from crm.plaques.models import Plaque
from crm.timeutil import freeze, local_now, local_today, utcnow
from crm.visits import operations
from crm.visits.models import Application, FollowUp, Need, Visit


def _english(client):
    client.get("/lang/en")
    return client


def test_today_shows_follow_ups_referrals_the_joint_visit_day_and_the_big_button(world, db, login, make_payload):
    am = world.users["am_a1"]
    operations.record_visit(am, make_payload(next_follow_up_on=(local_today() + timedelta(days=2)).isoformat()))
    db.session.commit()
    client = _english(login(am))
    page = client.get("/visits/").get_data(as_text=True)
    for text in ("Record a visit", "Follow-ups due", "Referrals by deadline", "Joint visit day this month",
                 "Not planned yet", "张三干洗店", "Needs nearing their deadline"):
        assert text in page
    assert client.get("/").headers["Location"].endswith("/visits/")


def _form(world, **overrides) -> dict:
    data = {
        "client_id": "form-1", "campaign_id": str(world.campaign.id),
        "credit_code": world.merchants["m_a1"].credit_code, "kind": "first",
        "visited_at": local_now().strftime("%Y-%m-%dT%H:%M"), "lat": "36.1", "lng": "113.1", "accuracy": "30",
        "has_need": "yes", "amount": "50000", "purpose": "买设备", "need": ["办理社保", "", ""],
        "notes": "", "next_follow_up_on": (local_today() + timedelta(days=20)).isoformat(),
    }
    data.update(overrides)
    return data


def test_the_form_records_a_visit_with_a_storefront_photo(world, db, login):
    client = _english(login(world.users["am_a1"]))
    form = client.get("/visits/new").get_data(as_text=True)
    assert 'name="client_id"' in form and "Storefront" in form
    photo = io.BytesIO()
    Image.new("RGB", (800, 600), "blue").save(photo, "JPEG")
    photo.seek(0)
    response = client.post("/visits/new", data={**_form(world), "photo0": (photo, "shop.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    visit = db.session.scalar(select(Visit))
    assert (visit.lat, visit.financing_amount, len(visit.photos)) == (36.1, 50000, 1)
    assert [n.text for n in db.session.scalars(select(Need).order_by(Need.id))] == ["买设备", "办理社保"]
    assert db.session.scalar(select(FollowUp)).due_on == local_today() + timedelta(days=20)
    # A double tap sends the same form again: still one visit.
    assert client.post("/visits/new", data=_form(world)).status_code == 302
    assert len(db.session.scalars(select(Visit)).all()) == 1
    merchant_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "First visit" in merchant_page and "📍 36.10000, 113.10000" in merchant_page
    assert client.get(f"/visits/photos/{visit.photos[0].id}").mimetype == "image/jpeg"


def test_the_form_shows_each_problem_and_stores_nothing(world, db, login):
    client = _english(login(world.users["am_a1"]))
    response = client.post("/visits/new", data=_form(world, kind="", amount="abc", credit_code="",
                                                    new_credit_code="1234", new_name="", new_trade="other",
                                                    new_region_id=str(world.districts[0].id)))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Please correct the marked fields." in page
    assert "This field is required." in page and "Must be a number." in page and "18 characters" in page
    assert db.session.scalar(select(Visit)) is None


def test_corrections_and_the_edit_window(world, db, login, client, make_payload):
    start = utcnow()
    with freeze(start):
        visit, _ = operations.record_visit(world.users["am_a1"], make_payload())
        db.session.commit()
    with freeze(start + timedelta(hours=30)):
        _english(login(world.users["am_a1"]))
        assert client.get(f"/visits/{visit.id}/edit").status_code == 403
        client.post("/logout")
        login(world.users["head_a"])
        values = {"kind": "briefing", "visited_at": local_now().strftime("%Y-%m-%dT%H:%M"), "notes": "补充"}
        assert client.post(f"/visits/{visit.id}/edit", data=values).status_code == 302
    assert (visit.kind, visit.notes) == ("briefing", "补充")
    client.post("/logout")
    login(world.users["am_b1"])
    assert client.get(f"/visits/{visit.id}/edit").status_code == 404


def test_applications_and_outcomes_from_the_merchant_page(world, db, login):
    client = _english(login(world.users["am_a1"]))
    merchant = world.merchants["m_a1"]
    url = f"/visits/applications/new?merchant={merchant.id}"
    values = {"client_id": "a-1", "campaign_id": world.campaign.id, "applied_amount": "100000",
              "applied_on": local_today().isoformat()}
    assert client.post(url, data=values).status_code == 302
    application = db.session.scalar(select(Application))
    outcome = f"/visits/applications/{application.id}"
    assert "Rate (% a year)" in client.get(outcome).get_data(as_text=True)
    assert client.post(outcome, data={"granted_amount": "80000", "rate": "3.45", "first_time_borrower": "y"}
                       ).status_code == 302
    assert (application.rate, application.first_time_borrower) == (__import__("decimal").Decimal("0.0345"), True)
    page = client.post(outcome, data={"declined_reason": "资料不全"})
    assert page.status_code == 422 and "either granted or declined" in page.get_data(as_text=True)
    timeline = client.get(f"/merchants/{merchant.id}").get_data(as_text=True)
    assert "Granted 8" in timeline and "3.45%" in timeline and "First-time borrower" in timeline


def test_the_timeline_shows_needs_referrals_and_plaques(world, db, login, make_payload):
    operations.record_visit(world.users["am_a1"], make_payload())
    db.session.add(Plaque(campaign_id=world.campaign.id, merchant_id=world.merchants["m_a1"].id,
                          nominated_by_id=world.users["liaison_a1"].id, status="approved", number="SB-001"))
    db.session.commit()
    page = _english(login(world.users["am_a1"])).get(f"/merchants/{world.merchants['m_a1'].id}")
    text = page.get_data(as_text=True)
    for expected in ("Financing need", "想了解线上缴税", "Plaque", "SB-001", "Correct"):
        assert expected in text


def test_the_needs_ledger_filters_and_closes(world, db, login, make_payload):
    am = world.users["am_a1"]
    operations.record_visit(am, make_payload(needs=[{"text": "逾期的事", "due_on": local_today().isoformat()}]))
    db.session.commit()
    overdue = db.session.scalar(select(Need).where(Need.text == "逾期的事"))
    overdue.due_on = local_today() - timedelta(days=2)
    db.session.commit()
    client = _english(login(am))
    page = client.get("/needs/?state=overdue").get_data(as_text=True)
    assert "逾期的事" in page and "进货周转" not in page and "Overdue" in page
    assert client.post(f"/needs/{overdue.id}/close", data={"resolution": "", "next": "/needs/"}).status_code == 302
    assert overdue.status == "open"
    client.post(f"/needs/{overdue.id}/close", data={"resolution": "已办结"})
    assert overdue.status == "closed"
    assert "已办结" in client.get("/needs/?state=closed").get_data(as_text=True)
    client.post("/logout")
    assert "逾期的事" not in _english(login(world.users["am_b1"])).get("/needs/?state=all").get_data(as_text=True)


def test_the_service_worker_and_the_light_shell(world, login):
    client = login(world.users["am_a1"])
    worker = client.get("/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/" and worker.mimetype == "application/javascript"
    source = worker.get_data(as_text=True)
    assert "__VERSION__" not in source and '"/visits/new"' in source and "/static/js/visits.js?v=" in source
    page = client.get("/visits/new", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.data).decode()
    scripts = [part.split('"')[0] for part in html.split('src="')[1:]]
    assert [s.split("?v=")[0] for s in scripts] == ["/static/js/page.js", "/static/js/store.js", "/static/js/sender.js",
                                                    "/static/js/credit_code.js", "/static/js/fieldbook.js",
                                                    "/static/js/visits.js"]
    script = scripts[-1]
    static = client.get(script, headers={"Accept-Encoding": "gzip"})
    assert static.headers["Content-Encoding"] == "gzip" and "immutable" in static.headers["Cache-Control"]
