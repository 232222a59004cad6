"""CSV and .xlsx exports of the record lists: CSV as Excel opens it (UTF-8 with BOM), the workbook as openpyxl and
calamine read it, the same rows as the list, filters, masked phones, no formulas, audited."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from crm import spreadsheets
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


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_rows(client, resource: str, **params) -> tuple[list[dict], list[dict]]:
    """The .xlsx export read by openpyxl and by calamine: each as rows of text keyed by the header (every sheet)."""
    response = client.get(f"/api/v1/{resource}.xlsx", query_string=params)
    assert response.status_code == 200
    assert response.mimetype == XLSX and f"{resource}.xlsx" in response.headers["Content-Disposition"]
    data = response.get_data()
    book = load_workbook(io.BytesIO(data), read_only=True)
    by_openpyxl = [_keyed([list(row) for row in sheet.iter_rows(values_only=True)]) for sheet in book.worksheets]
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(data))
    by_calamine = [_keyed(calamine.get_sheet_by_name(name).to_python()) for name in calamine.sheet_names]
    assert book.sheetnames == calamine.sheet_names
    return [row for sheet in by_openpyxl for row in sheet], [row for sheet in by_calamine for row in sheet]


def _keyed(rows: list[list]) -> list[dict]:
    header, *body = rows
    return [{name: _text(value) for name, value in zip(header, row, strict=False)} for row in body]


def _text(value) -> str:
    """A cell as text, whole numbers without a trailing .0 (calamine reads every number as a float, the CSV
    writes an amount as 100000.0)."""
    if value is None:
        return ""
    if isinstance(value, str) and re.fullmatch(r"-?\d+\.0", value):
        return value[:-2]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.mark.parametrize("resource", RESOURCES)
def test_csv_and_workbook_have_the_same_rows(full_world, api, resource):
    lead = api(full_world.users["lead"])
    by_openpyxl, by_calamine = workbook_rows(lead, resource)
    from_csv = [{name: _text(value) for name, value in row.items()} for row in export(lead, resource)]
    assert from_csv
    assert by_openpyxl == from_csv
    assert by_calamine == from_csv
    assert workbook_rows(lead, resource, region="沁县") == ([], [])


def test_a_workbook_longer_than_a_sheet_goes_on(world, api, monkeypatch):
    writer, admin = api(world.users["am_a1"]), api(world.users["admin"])
    ids = [record_visit(writer, world, notes=f"第{n}次\x01") for n in range(5)]
    monkeypatch.setattr(spreadsheets, "SHEET_ROWS", 3)  # a header and two rows per sheet
    response = admin.get("/api/v1/visits.xlsx")
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    assert book.sheetnames == ["visits", "visits (2)", "visits (3)"]
    by_openpyxl, by_calamine = workbook_rows(admin, "visits")
    assert [int(row["id"]) for row in by_openpyxl] == ids
    assert by_openpyxl == by_calamine
    assert by_openpyxl[0]["notes"] == "第0次"  # a control character no workbook can hold is dropped
    assert export(admin, "visits")[0]["notes"] == "第0次\x01"


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
    admin = api(world.users["admin"])
    [row] = export(admin, "visits")
    assert row["notes"] == "'=HYPERLINK(\"http://x\",\"点我\")"
    by_openpyxl, by_calamine = workbook_rows(admin, "visits")
    assert by_openpyxl[0]["notes"] == by_calamine[0]["notes"] == row["notes"]
    [exported] = db.session.scalars(select(AuditEvent).where(AuditEvent.summary == "visits.xlsx")).all()
    assert exported.actor_name == "admin"


def test_the_export_refuses_bad_filters_and_is_documented(world, api):
    response = api(world.users["admin"]).get("/api/v1/needs.csv", query_string={"status": "lost"})
    assert response.status_code == 422 and "status" in response.get_json()["error"]["fields"]
    operation = api(world.users["admin"]).get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/needs.csv"]["get"]
    assert "text/csv" in operation["responses"]["200"]["content"]
    assert "cursor" not in {p["name"] for p in operation["parameters"]}
    workbook = api(world.users["admin"]).get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/needs.xlsx"]["get"]
    assert XLSX in workbook["responses"]["200"]["content"]
    assert api(world.users["admin"]).get("/api/v1/needs.xlsx", query_string={"statu": "open"}).status_code == 422
