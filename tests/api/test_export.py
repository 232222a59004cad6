"""CSV export of the record lists: UTF-8 with BOM, the list's rows and filters, masked phones, no formulas, audited."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.extensions import db
from crm.timeutil import local_today
from tests.api.conftest import record_visit
from tests.api.test_sync import RESOURCES, server_records


def export(client, resource: str, **params) -> list[dict]:
    response = client.get(f"/api/v1/{resource}.csv", query_string=params)
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and f"{resource}.csv" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("resource", RESOURCES)
def test_the_export_has_the_rows_of_the_list(full_world, api, resource):
    lead = api(full_world.users["lead"])
    rows = export(lead, resource)
    listed = server_records(lead, resource)
    assert sorted(int(row["id"]) for row in rows) == sorted(listed) and rows
    assert export(lead, resource, region="沁县") == []
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.object_type, e.actor_name, e.changes["filters"]) for e in audited][-1][1:] == ("lead", {"region": "沁县"})


def test_merchant_names_and_phones_in_the_export(full_world, api):
    lead, banker = api(full_world.users["lead"]), api(full_world.users["am_a1"])
    assert [row["phone"] for row in export(lead, "intake-submissions")] == ["139****5678"]
    assert [row["phone"] for row in export(banker, "intake-submissions")] == ["13912345678"]
    [visit] = export(lead, "visits", to=local_today().isoformat())
    assert visit["merchant.name"] == full_world.merchants["m_a1"].name


def test_a_cell_is_never_a_formula(world, api):
    record_visit(api(world.users["am_a1"]), world, notes="=HYPERLINK(\"http://x\",\"点我\")")
    [row] = export(api(world.users["admin"]), "visits")
    assert row["notes"] == "'=HYPERLINK(\"http://x\",\"点我\")"


def test_the_export_refuses_bad_filters_and_is_documented(world, api):
    response = api(world.users["admin"]).get("/api/v1/needs.csv", query_string={"status": "lost"})
    assert response.status_code == 422 and "status" in response.get_json()["error"]["fields"]
    operation = api(world.users["admin"]).get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/needs.csv"]["get"]
    assert "text/csv" in operation["responses"]["200"]["content"]
    assert "cursor" not in {p["name"] for p in operation["parameters"]}
