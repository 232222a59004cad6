"""Building and exporting a referral list as background jobs: the page follows the job, the list appears
whole or not at all, and the export waits as a file for the user who asked for it."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.extensions import db
from crm.jobs import queue
from crm.referrals import operations
from crm.referrals.models import Referral, ReferralList
from crm.reports import ledger
from tests import factories
from tests.api.openapi_check import assert_matches
from tests.referrals.helpers import make_list


@pytest.fixture
def run_jobs(app, tmp_path):
    """Jobs wait in a real queue (a SQLite file) until run_jobs() does them, as a worker would."""
    kept, immediate = app.extensions["jobs"], app.config["JOBS_URL"]
    app.config["JOBS_URL"] = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    queue.init_app(app)
    huey = app.extensions["jobs"][0]

    def run_all():
        db.session.commit()
        while (task := huey.dequeue()) is not None:
            huey.execute(task)
        db.session.expire_all()

    yield run_all
    app.extensions["jobs"], app.config["JOBS_URL"] = kept, immediate


def _client(app, user):
    client = app.test_client()
    assert client.post("/login", data={"username": user.username, "password": factories.PASSWORD}).status_code == 302
    client.get("/lang/en")
    return client


def _build_form(world, **extra):
    return {"campaign_id": world.campaign.id, "county_id": world.counties[0].id, "not_listed": "y",
            "name": "长子县第二批", "bank_org_id": world.orgs["branch_a"].id, "action": "create", **extra}


def test_a_build_waits_for_a_worker_shows_its_progress_then_leads_to_the_whole_list(app, world, run_jobs):
    make_list(world, [world.merchants["m_a1"]])  # already on a list of the drive: left out
    client = _client(app, world.users["admin"])
    job_url = client.post("/referrals/new", data=_build_form(world)).headers["Location"]
    assert re.fullmatch(r"/referrals/jobs/[0-9a-f]{32}", job_url)
    page = client.get(job_url).get_data(as_text=True)
    assert "Waiting for a worker" in page and "Checked against the drive’s lists" in page
    assert client.get(job_url + "/progress.json").get_json()["status"] == "queued"
    assert _client(app, world.users["lead"]).get(job_url).status_code == 404  # someone else's job
    assert ReferralList.query.count() == 1  # nothing built before a worker takes the job

    run_jobs()
    progress = client.get(job_url + "/progress.json").get_json()
    assert progress["error"] is None
    assert (progress["status"], progress["read"], progress["checked"], progress["written"]) == ("done", 2, 1, 1)
    done = client.get(job_url, follow_redirects=True)
    built = db.session.scalar(select(ReferralList).where(ReferralList.name == "长子县第二批"))
    assert done.request.path == f"/referrals/{built.id}"
    assert "List created with 1 names" in done.get_data(as_text=True)
    assert [r.merchant_id for r in Referral.query.filter_by(list_id=built.id)] == [world.merchants["m_a2"].id]
    assert (built.source, built.criteria["county_id"]) == ("filter", world.counties[0].id)


def test_a_build_from_codes_says_how_many_codes_could_not_go_on_it(app, world):
    client = _client(app, world.users["liaison_a1"])
    codes = f"{world.merchants['m_a1'].credit_code}\n{world.merchants['m_b1'].credit_code}\nnot-a-code"
    page = client.post("/referrals/new", data=_build_form(world, codes=codes), follow_redirects=True)
    assert "List created with 1 names" in page.get_data(as_text=True)
    assert "2 of the codes could not go on the list" in page.get_data(as_text=True)
    assert ReferralList.query.one().source == "upload"


def test_a_build_that_fails_after_writing_items_leaves_no_list_and_says_why(app, world, monkeypatch):
    monkeypatch.setattr(operations, "INSERT_BATCH", 1)  # items written one by one before it fails

    def lost(*_args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ledger, "referrals_listed", lost)
    client = _client(app, world.users["liaison_a1"])
    page = client.post("/referrals/new", data=_build_form(world), follow_redirects=True).get_data(as_text=True)
    assert "The list was not built; nothing was saved" in page and "the database went away" in page
    assert db.session.scalar(select(func.count(ReferralList.id))) == 0
    assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_an_export_is_written_by_a_worker_and_offered_to_whoever_asked(app, world, run_jobs):
    referral_list = make_list(world, [world.merchants["m_a1"]])
    head = _client(app, world.users["head_a"])
    job_url = head.post(f"/referrals/{referral_list.id}/export").headers["Location"]
    assert "Writing the workbook" in head.get(job_url).get_data(as_text=True)
    assert head.get(job_url + "/file").status_code == 404  # not written yet

    run_jobs()
    page = head.get(job_url).get_data(as_text=True)
    assert "The workbook is ready: 1 rows" in page
    download = head.get(job_url + "/file")
    rows = list(load_workbook(io.BytesIO(download.data)).worksheets[1].iter_rows(values_only=True))
    phone = world.merchants["m_a1"].operator_phone
    assert rows[1][3] == phone[:3] + "****" + phone[-4:]  # masked for the branch head, as on the page
    assert _client(app, world.users["lead"]).get(job_url + "/file").status_code == 404  # not theirs
    export = AuditEvent.query.filter_by(action="export", object_type="referral_lists").one()
    assert (export.actor_name, export.changes["rows"]) == ("head_a", 1)


def test_the_api_builds_a_list_from_filters_in_the_background(app, world, api, run_jobs):
    client = api(world.users["admin"])
    started = client.post("/api/v1/referral-list-builds", json={
        "campaign_id": world.campaign.id, "name": "长子县批发零售", "bank_org_id": world.orgs["branch_a"].id,
        "filters": {"county_id": world.counties[0].id}})
    assert started.status_code == 202, started.json
    assert_matches(started, "POST", "/api/v1/referral-list-builds")
    assert started.headers["Location"] == started.json["progress_url"]
    assert (started.json["status"], started.json["list_id"]) == ("queued", None)
    assert api(world.users["lead"]).get(started.json["progress_url"]).status_code == 404  # not theirs

    run_jobs()
    done = client.get(started.json["progress_url"])
    assert_matches(done, "GET", "/api/v1/referral-list-builds/{job_id}")
    built = db.session.get(ReferralList, done.json["list_id"])
    assert (done.json["status"], done.json["names"], built.name) == ("done", 2, "长子县批发零售")


def test_the_api_refuses_a_build_with_bad_filters_and_builds_nothing(world, api):
    client = api(world.users["admin"])
    refused = client.post("/api/v1/referral-list-builds", json={
        "campaign_id": world.campaign.id, "name": "x", "bank_org_id": world.orgs["branch_a"].id,
        "filters": {"trade": "spaceships", "colour": "red"}})
    assert refused.status_code == 422
    assert_matches(refused, "POST", "/api/v1/referral-list-builds")
    assert set(refused.json["error"]["fields"]) == {"filters.trade", "filters.colour"}
    assert api(world.users["am_a1"]).post("/api/v1/referral-list-builds", json={}).status_code == 404
    assert ReferralList.query.count() == 0


def test_a_built_list_counts_in_the_figures_as_its_items_do(app, world):
    client = _client(app, world.users["admin"])
    client.post("/referrals/new", data=_build_form(world))
    assert Referral.query.count() == 2
    assert ledger.check(db.session.connection(), repair=False) == {}
