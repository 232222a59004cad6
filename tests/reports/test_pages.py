"""The dashboard, its drill-down and scoping, the circulation notice and the printable report."""
from __future__ import annotations

from io import BytesIO

from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.formatting import local_dt
from crm.reports.figures import FIGURES
from crm.timeutil import utcnow


def as_of() -> str:
    """What a report says of its figures' age: the moment they were read (the clock is frozen)."""
    return f"figures as of {local_dt(utcnow())}"


def signed_in(login, client, user):
    login(user)
    client.get("/lang/en")
    return client


def test_lead_opens_the_quarter_and_drills_into_a_county(drive, client, login):
    c = signed_in(login, client, drive.world.users["lead"])
    page = c.get(f"/reports/?campaign={drive.campaign.id}&period=2025Q3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Progress of 双百工程" in html and "2025-07-01 – 2025-09-30" in html
    assert 'data-figure="merchants_visited">5<' in html
    # Every figure's definition is its tooltip.
    for figure in FIGURES:
        assert f'title="{escape(str(figure.definition))}"' in html
    assert "<svg" in html and "长子县" in html and "沁县" in html
    # Change against Q2 (one visit then, six now).
    assert "+5 (+500.0%)" in html
    county = c.get(f"/reports/?campaign={drive.campaign.id}&period=2025Q3&region={drive.county_a.id}")
    text = county.get_data(as_text=True)
    assert county.status_code == 200 and "丹朱镇" in text and "鲍店镇" in text and "定昌镇" not in text
    town = c.get(f"/reports/?campaign={drive.campaign.id}&period=2025Q4&region={drive.world.towns[0].id}")
    assert "丹朱商圈" in town.get_data(as_text=True)
    # A town lies in one county: no county tiles there, as there are on the county's page.
    assert 'data-figure="counties"' in text and 'data-figure="counties_covered"' in text
    assert 'data-figure="counties' not in town.get_data(as_text=True)


def test_views_by_pair_trade_tier_and_product(drive, client, login):
    c = signed_in(login, client, drive.world.users["lead"])
    for view, expected in (("pair", "长子县·丹朱镇"), ("trade", "Lodging &amp; catering"), ("tier", "Survival"),
                           ("product", "Amount granted")):
        page = c.get(f"/reports/?campaign={drive.campaign.id}&period=all&view={view}")
        assert page.status_code == 200 and expected in page.get_data(as_text=True), view


def test_a_bad_period_falls_back_to_the_drive_to_date(drive, client, login):
    c = signed_in(login, client, drive.world.users["lead"])
    page = c.get(f"/reports/?campaign={drive.campaign.id}&period=2031Q1")
    assert page.status_code == 200
    assert "2025-06-01 – 2025-10-15" in page.get_data(as_text=True)


def test_branch_head_sees_only_their_county(drive, client, login):
    c = signed_in(login, client, drive.world.users["head_a"])
    page = c.get(f"/reports/?campaign={drive.campaign.id}&period=2025Q3")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "丹朱镇" in html and "沁县" not in html
    assert 'data-figure="merchants_visited">3<' in html
    assert c.get(f"/reports/?campaign={drive.campaign.id}&region={drive.county_b.id}").status_code == 404
    assert c.get(f"/reports/?campaign={drive.campaign.id}&region={drive.world.city.id}").status_code == 404


def test_account_manager_and_strangers_find_no_dashboard(drive, client, login):
    c = signed_in(login, client, drive.world.users["am_a1"])
    assert c.get(f"/reports/?campaign={drive.campaign.id}").status_code == 404
    assert c.get("/reports/notice.xlsx").status_code == 404


def test_circulation_notice_opens_cleanly_and_is_audited(drive, client, login, db):
    c = signed_in(login, client, drive.world.users["lead"])
    response = c.get(f"/reports/notice.xlsx?campaign={drive.campaign.id}&period=2025Q3")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == ["Notice", "County", "Town", "Liaison pair", "Referral funnel", "Quotas", "Laggards",
                               "Definitions"]
    county = book["County"]
    assert "2025-07-01 to 2025-09-30" in county["A2"].value and as_of() in county["A2"].value
    assert county["A3"].value.startswith("Amounts in 10k yuan.")
    assert county.freeze_panes == "C5"
    header = [cell.value for cell in county[4]]
    assert header[:4] == ["Rank", "County", "Merchants visited", "Visits"]
    visited = header.index("Merchants visited") + 1
    granted = header.index("Amount granted (10k yuan)") + 1
    rate = header.index("Grant rate") + 1
    # Ranked: 长子县 (3 merchants visited) before 沁县 (2); then the total.
    assert [county.cell(r, 2).value for r in (5, 6, 7)] == ["长子县", "沁县", "Total"]
    assert [county.cell(r, 1).value for r in (5, 6, 7)] == [1, 2, None]
    assert [county.cell(r, visited).value for r in (5, 6, 7)] == [3, 2, 5]
    assert county.cell(5, granted).value == 20 and county.cell(5, granted).number_format == "#,##0.00"
    assert county.cell(5, rate).value == 2.0 and county.cell(5, rate).number_format == "0.0%"
    definitions = [book["Definitions"].cell(r, 1).value for r in range(5, book["Definitions"].max_row + 1)]
    assert "Grant rate" in definitions and "Utilization rate" in definitions
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event is not None and event.actor_name == "lead" and "2025Q3" in event.summary


def test_printable_report(drive, client, login, db):
    c = signed_in(login, client, drive.world.users["lead"])
    page = c.get(f"/reports/print?campaign={drive.campaign.id}&period=2025Q3")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Progress report: 双百工程" in html
    assert "From 2025-07-01 to 2025-09-30, 5 merchants were visited (6 visits)." in html  # the findings
    assert "Amount granted (10k yuan)" in html
    assert "Ranking by liaison pair" in html and "Definitions" in html and as_of() in html
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export")) is not None


def test_a_lead_without_a_drive_sees_an_empty_page(drive, client, login, db):
    from tests import factories

    other = factories.user("lead2", ["lead"], drive.world.orgs["bureau_b"])
    db.session.commit()
    c = signed_in(login, client, other)
    page = c.get("/reports/")
    assert page.status_code == 200 and "no drive whose progress you may see" in page.get_data(as_text=True)
    assert c.get(f"/reports/?campaign={drive.campaign.id}").status_code == 404
