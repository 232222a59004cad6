"""The import in the UI (upload → report → rejected rows → apply) and on the command line."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from crm.audit.models import AuditEvent
from crm.merchants.models import Merchant
from tests import factories
from tests.imports.helpers import write_xlsx
from tests.imports.test_import_rules import code, row


def _client(app, user):
    client = app.test_client()
    assert client.post("/login", data={"username": user.username, "password": factories.PASSWORD}).status_code == 302
    client.get("/lang/en")
    return client


def test_upload_report_download_and_apply(app, world, tmp_path):
    path = write_xlsx(tmp_path / "名录.xlsx", [row(1), row(2, county="火星县"), row(1)])
    client = _client(app, world.users["liaison_a1"])
    with open(path, "rb") as handle:
        response = client.post("/imports/", data={"file": (handle, "名录.xlsx")},
                               content_type="multipart/form-data")
    assert response.status_code == 302
    report_url = response.headers["Location"]
    page = client.get(report_url).get_data(as_text=True)
    assert re.search(r'data-count="created">1<', page) and re.search(r'data-count="rejected">2<', page)
    assert "unknown county 火星县" in page and "duplicate of row 2" in page
    rejected = client.get(report_url + "/rejected.xlsx")
    rows = list(load_workbook(io.BytesIO(rejected.data)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [3, 4]
    assert _client(app, world.users["liaison_a2"]).get(report_url).status_code == 404  # someone else's upload
    done = client.post(report_url + "/apply", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Imported 名录.xlsx: 1 created, 0 updated, 0 unchanged, 2 rejected." in done
    assert "<td>名录.xlsx</td>" in client.get("/imports/").get_data(as_text=True)  # among the user's recent imports
    assert "名录.xlsx" not in _client(app, world.users["liaison_a2"]).get("/imports/").get_data(as_text=True)
    assert Merchant.query.filter_by(credit_code=code(1)).one().name == "测试商店1"
    event = AuditEvent.query.filter_by(action="import").one()
    assert (event.actor_name, event.summary) == ("liaison_a1", "名录.xlsx")
    created = Merchant.query.filter_by(credit_code=code(1)).one()
    create = AuditEvent.query.filter_by(action="create", object_type="merchants", object_id=str(created.id)).one()
    assert (create.actor_name, create.summary, create.at) == ("liaison_a1", "测试商店1", created.created_at)


def test_strict_apply_in_the_ui_changes_nothing(app, world, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [row(1), row(2, county="火星县")])
    client = _client(app, world.users["admin"])
    with open(path, "rb") as handle:
        report_url = client.post("/imports/", data={"file": (handle, "a.xlsx")},
                                 content_type="multipart/form-data").headers["Location"]
    page = client.post(report_url + "/apply", data={"strict": "y"}, follow_redirects=True).get_data(as_text=True)
    assert "strict mode nothing was imported" in page
    assert Merchant.query.filter_by(credit_code=code(1)).count() == 0


def test_other_roles_cannot_import(app, world):
    assert _client(app, world.users["am_a1"]).get("/imports/").status_code == 404


def test_a_wrong_file_type_is_refused(app, world):
    client = _client(app, world.users["admin"])
    page = client.post("/imports/", data={"file": (io.BytesIO(b"x"), "a.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Upload an .xlsx or .csv file." in page


def test_command_line_dry_run_then_strict_then_apply(app, world, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [row(1), row(2, county="火星县")])
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["crm", "import", "merchants", path, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 would be created" in dry.output and "row 3" in dry.output
    strict = runner.invoke(args=["crm", "import", "merchants", path, "--strict"])
    assert strict.exit_code == 1 and Merchant.query.filter_by(credit_code=code(1)).count() == 0
    applied = runner.invoke(args=["crm", "import", "merchants", path, "--user", "admin"])
    assert "1 were created" in applied.output
    assert AuditEvent.query.filter_by(action="import").one().actor_name == "admin"
