"""The circulation notice (通报) as .xlsx: one ranked sheet per view, each with its period and the
definitions of the figures, plus a summary sheet of the totals."""
from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from crm.campaigns.models import Campaign
from crm.formatting import local_dt
from crm.intake.queries import channel_counts
from crm.referrals.queries import chain_grants
from crm.regions.models import Region
from crm.reports.figures import AMOUNT, AVERAGE, FIGURES, RANK_BY, RATE, VIEWS
from crm.reports.operations import ranked
from crm.reports.periods import Period
from crm.reports.rollup import Result, compute_views
from crm.spreadsheets import Workbook

NOTICE_VIEWS = ("county", "pair", "trade", "tier")
HEADER_ROW = 4  # rows 1–3: title, drive and period, ranking note
FORMATS = {AMOUNT: "#,##0.00", RATE: "0.0%", AVERAGE: "0.00"}
HEADER_FILL = PatternFill("solid", fgColor="E6F2ED")


def filename(campaign: Campaign, period: Period) -> str:
    return f"notice-{campaign.id}-{period.code}.xlsx"


def _number_format(figure) -> str:
    if figure.key == "avg_granted_rate":
        return "0.00%"
    return FORMATS.get(figure.kind, "#,##0")


def _heading(sheet, title: str, result: Result, region: Region) -> None:
    period = result.period
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _("%(drive)s · %(place)s · %(start)s to %(end)s · figures as of %(time)s",
                    drive=result.campaign.name, place=region.name, start=period.start.isoformat(),
                    end=period.end.isoformat(), time=local_dt(result.computed_at))
    sheet["A3"] = _("Ranked by merchants visited, then amount granted. Amounts in yuan.")


def _header(sheet, names: list[str]) -> None:
    for column, name in enumerate(names, start=1):
        cell = sheet.cell(HEADER_ROW, column, name)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 3)


def _definitions(sheet, first_row: int) -> None:
    sheet.cell(first_row, 1, _("Definitions")).font = Font(bold=True)
    for offset, figure in enumerate(FIGURES, start=1):
        sheet.cell(first_row + offset, 1, str(figure.label))
        sheet.cell(first_row + offset, 2, str(figure.definition))


def _widths(sheet, count: int) -> None:
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 24
    for column in range(3, count + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 14
    sheet.row_dimensions[HEADER_ROW].height = 32


def _view_sheet(book: Workbook, result: Result, region: Region) -> None:
    by = result.by
    sheet = book.create_sheet(str(VIEWS[by])[:31])
    _heading(sheet, _("Circulation notice by %(view)s", view=str(VIEWS[by]).lower()), result, region)
    _header(sheet, [_("Rank"), str(VIEWS[by]), *[str(f.label) for f in FIGURES]])
    rows = ranked(result.rows, RANK_BY[0])
    for index, row in enumerate([*rows, {**result.totals, "name": _("Total"), "rank": None}]):
        line = HEADER_ROW + 1 + index
        sheet.cell(line, 1, row["rank"])
        sheet.cell(line, 2, str(row["name"]))
        for column, figure in enumerate(FIGURES, start=3):
            cell = sheet.cell(line, column, row[figure.key])
            cell.number_format = _number_format(figure)
            if index == len(rows):
                cell.font = Font(bold=True)
    sheet.cell(HEADER_ROW + 1 + len(rows), 2).font = Font(bold=True)
    _widths(sheet, len(FIGURES) + 2)
    _definitions(sheet, HEADER_ROW + len(rows) + 4)


def _summary_sheet(book: Workbook, result: Result, region: Region) -> None:
    totals = result.totals
    sheet = book.active
    sheet.title = _("Summary")
    _heading(sheet, _("Circulation notice"), result, region)
    _header(sheet, [_("Figure"), _("Value"), _("Definition")])
    for offset, figure in enumerate(FIGURES, start=1):
        line = HEADER_ROW + offset
        sheet.cell(line, 1, str(figure.label))
        sheet.cell(line, 2, totals[figure.key]).number_format = _number_format(figure)
        sheet.cell(line, 3, str(figure.definition)).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    for letter, width in (("A", 24), ("B", 16), ("C", 90)):
        sheet.column_dimensions[letter].width = width


# ---- counted apart: chain grants (一链一策) and applications by channel (扫码 / 服务专窗), issue 19 ----------

def _counted_apart(sheet, campaign: Campaign, period: Period, region: Region) -> None:
    """Lines under the summary's figures: chain grants and self-applications by channel, each with its definition."""
    chains = chain_grants(campaign.id, period.start, period.end, region.id)
    channels = channel_counts(campaign.id, period.start_utc, period.end_utc, region.id)
    lines = [
        (_("Chain grants (一链一策)"), chains["grants"], "#,##0",
         _("Credit granted in the period to merchants on a chain list (a core enterprise and its up- and "
           "downstream merchants): %(chains)s chains, %(amount)s yuan; also counted in the figures above.",
           chains=chains["chains"], amount=f"{chains['amount']:,.2f}")),
        (_("Applications through the QR form"), channels["qr"], "#,##0",
         _("Self-applications received through the pair's QR poster in the period.")),
        (_("Applications at the service window"), channels["window"], "#,##0",
         _("Walk-in applications entered by staff at a 服务专窗 in the period.")),
    ]
    first = HEADER_ROW + len(FIGURES) + 2
    for offset, (name, value, number_format, definition) in enumerate(lines):
        sheet.cell(first + offset, 1, name)
        sheet.cell(first + offset, 2, value).number_format = number_format
        sheet.cell(first + offset, 3, definition).alignment = Alignment(wrap_text=True, vertical="top")


def circulation_notice(campaign: Campaign, period: Period, region: Region) -> BytesIO:
    results = list(compute_views(campaign, period, NOTICE_VIEWS, region).values())
    book = Workbook()
    _summary_sheet(book, results[0], region)
    _counted_apart(book.active, campaign, period, region)
    for result in results:
        _view_sheet(book, result, region)
    stream = BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream
