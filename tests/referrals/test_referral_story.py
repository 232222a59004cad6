"""The issue's story end to end: import a messy registry, list a county, assign, work, watch the funnel."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from crm.extensions import db
from crm.referrals.models import Referral, ReferralList
from crm.timeutil import local_now, local_today
from tests import factories
from tests.imports.helpers import write_xlsx
from tests.imports.test_import_rules import code, row


def _client(app, user):
    client = app.test_client()
    assert client.post("/login", data={"username": user.username, "password": factories.PASSWORD}).status_code == 302
    client.get("/lang/en")
    return client


def test_registry_to_bank_and_back(app, world, api, tmp_path):
    liaison = factories.user("liaison_county", ["liaison"], world.orgs["bureau_a"])
    db.session.commit()
    rows = [row(1, date=45296), row(2, town="鲍店镇", district="鲍店市场", date="2024年1月5日"),
            row(3, code=code(3).translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
            row(4, code=code(4)[:-1] + "Y" if code(4)[-1] != "Y" else code(4)[:-1] + "X"), row(1)]
    path = write_xlsx(tmp_path / "registry.xlsx", rows)
    client = _client(app, liaison)
    with open(path, "rb") as handle:
        report = client.post("/imports/", data={"file": (handle, "registry.xlsx")},
                             content_type="multipart/form-data").headers["Location"]
    page = client.get(report).get_data(as_text=True)
    assert re.search(r'data-count="created">3<', page) and re.search(r'data-count="rejected">2<', page)
    client.post(report + "/apply")

    form = {"campaign_id": world.campaign.id, "county_id": world.counties[0].id, "not_listed": "y",
            "name": "长子县送贷名单", "bank_org_id": world.orgs["branch_a"].id, "action": "create"}
    list_url = client.post("/referrals/new", data=form).headers["Location"]
    referral_list = ReferralList.query.one()
    assert Referral.query.filter_by(list_id=referral_list.id).count() == 5  # 3 imported + 2 of the world
    client.post(f"{list_url}/hand-over")

    _client(app, world.users["head_a"]).post(f"{list_url}/assign", data={"mode": "auto"})
    assert Referral.query.filter_by(list_id=referral_list.id, status="assigned").count() == 5

    am = api(world.users["am_a1"])
    visit = am.post("/api/v1/visits", json={"client_id": "story-v1", "campaign_id": world.campaign.id,
                                            "merchant": {"credit_code": code(1)}, "kind": "first",
                                            "visited_at": local_now().isoformat()})
    assert visit.status_code == 201, visit.json
    application = am.post("/api/v1/applications", json={
        "client_id": "story-a1", "campaign_id": world.campaign.id, "credit_code": code(3),
        "applied_amount": 200000, "applied_on": local_today().isoformat()})
    assert application.status_code == 201, application.json
    application_id = application.json["id"]
    assert am.patch(f"/api/v1/applications/{application_id}", json={"granted_amount": 150000}).status_code == 200
    assert am.patch(f"/api/v1/applications/{application_id}", json={"drawn_amount": 100000}).status_code == 200

    progress = client.get(list_url).get_data(as_text=True)
    counts = dict(re.findall(r'data-status="(\w+)"><b[^>]*>(\d+)<', progress))
    assert (counts["assigned"], counts["visited"], counts["drawn"]) == ("3", "1", "1")
    export = client.post(f"{list_url}/export", follow_redirects=True)
    items = list(load_workbook(io.BytesIO(export.data)).worksheets[1].iter_rows(values_only=True))
    statuses = {r[0]: r[7] for r in items[1:]}
    assert (statuses[code(1)], statuses[code(3)]) == ("Visited", "Drawn")
