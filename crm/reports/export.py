"""The circulation notice (通报) as .xlsx, laid out from crm/reports/notice.py: the notice itself
(findings and totals), the rankings by county, town and pair, the referral funnel, the quotas, the
laggards and the definitions. Amounts in 万元, as on the dashboard, with the unit in every heading."""
from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from crm.campaigns.coverage import has_rule
from crm.campaigns.models import Campaign
from crm.campaigns.rulebook import source_text
from crm.campaigns.targets import drive_targets
from crm.formatting import WAN, local_dt, wan
from crm.intake.queries import channel_counts
from crm.referrals.queries import chain_grants
from crm.regions.models import Region
from crm.reports import notice as notices
from crm.reports.figures import AMOUNT, AVERAGE, BY_KEY, FIGURES, RATE, VIEWS, change_class, heading
from crm.reports.periods import Period
from crm.spreadsheets import Workbook

HEADER_ROW = 4  # rows 1–3: title, drive and period, unit and comparison
FORMATS = {AMOUNT: "#,##0.00", RATE: "0.0%", AVERAGE: "0.00"}
HEADER_FILL = PatternFill("solid", fgColor="E6F2ED")
# A change that is progress in green, one that is not in red (figures.change_class, as on the dashboard).
CHANGE_COLOURS = {"rep-up": "1E7B4F", "rep-down": "B42318"}
# The columns of the ranking sheets: the drive's work, then its lending.
RANKING_FIGURES = ("merchants_visited", "visits", "households", "districts", "districts_meeting_rule",
                   "joint_visit_days_held", "joint_visit_days_due", "matchmaking_meetings", "referrals",
                   "referrals_overdue", "applications", "applied_amount", "granted_amount", "drawn_amount",
                   "grant_rate", "drawdown_rate", "utilization_rate", "first_time_borrowers", "avg_granted_rate",
                   "avg_satisfaction", "needs_open", "needs_closed")


def filename(campaign: Campaign, period: Period) -> str:
    return f"notice-{campaign.id}-{period.code}.xlsx"


def _number_format(key: str) -> str:
    if key == "avg_granted_rate":
        return "0.00%"
    return FORMATS.get(BY_KEY[key].kind, "#,##0")


def _value(key: str, value):
    """A figure as the notice writes it: amounts in 万元."""
    if value is not None and BY_KEY[key].kind == AMOUNT:
        return round(value / WAN, 6)
    return value


def _met(met: bool | None) -> str:
    return "—" if met is None else (_("Met") if met else _("Not met"))


def _heading(sheet, title: str, notice: notices.Notice) -> None:
    period, result = notice.period, notice.results["county"]
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _("%(drive)s · %(place)s · %(start)s to %(end)s · figures as of %(time)s",
                    drive=notice.campaign.name, place=notice.region.name, start=period.start.isoformat(),
                    end=period.end.isoformat(), time=local_dt(result.computed_at))
    line = _("Amounts in 10k yuan.")
    if notice.comparison is not None:
        line += " " + _("Changes %(against)s (%(start)s to %(end)s).", against=notice.comparison.label,
                        start=notice.comparison.period.start.isoformat(),
                        end=notice.comparison.period.end.isoformat())
    sheet["A3"] = line


def _header(sheet, names: list[str], frozen_columns: int = 2) -> None:
    for column, name in enumerate(names, start=1):
        cell = sheet.cell(HEADER_ROW, column, name)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, frozen_columns + 1)
    sheet.row_dimensions[HEADER_ROW].height = 44


def _widths(sheet, widths: dict[int, float], count: int, default: float = 13) -> None:
    for column in range(1, count + 1):
        sheet.column_dimensions[get_column_letter(column)].width = widths.get(column, default)


def _rows(sheet, rows: list[list], first: int = HEADER_ROW + 1, bold_last: bool = False) -> None:
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(first + offset, column, value)
            if bold_last and offset == len(rows) - 1:
                cell.font = Font(bold=True)


def _notice_sheet(book: Workbook, notice: notices.Notice) -> None:
    sheet = book.active
    sheet.title = _("Notice")
    _heading(sheet, _("Circulation notice: %(drive)s", drive=notice.campaign.name), notice)
    _header(sheet, [_("Findings")], frozen_columns=0)
    line = HEADER_ROW + 1
    for text in notice.findings:
        sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=3)
        sheet.cell(line, 1, text).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[line].height = 15 * (1 + len(text) // 60)
        line += 1
    line += 1
    change = _("Change") + (f" ({notice.comparison.label})" if notice.comparison else "")
    for column, name in enumerate((_("Figure"), _("Value"), change), start=1):
        cell = sheet.cell(line, column, name)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for figure in FIGURES:
        line += 1
        change = notice.changes.get(figure.key)
        sheet.cell(line, 1, heading(figure))
        sheet.cell(line, 2, _value(figure.key, notice.totals[figure.key])).number_format = _number_format(figure.key)
        cell = sheet.cell(line, 3, _value(figure.key, change[0]) if change else None)
        cell.number_format = _number_format(figure.key)
        if colour := CHANGE_COLOURS.get(change_class(figure.key, change)):
            cell.font = Font(color=colour)
    _widths(sheet, {1: 30, 2: 16, 3: 60}, 3)


def _ranking_sheet(book: Workbook, notice: notices.Notice, by: str) -> None:
    sheet = book.create_sheet(str(VIEWS[by])[:31])
    _heading(sheet, _("Ranking by %(view)s", view=str(VIEWS[by]).lower()), notice)
    result, towns = notice.results[by], notice.results[by].geography.towns
    counties = result.geography.counties
    place = {"town": lambda key: counties.get(towns[key][0]) if key in towns else None}.get(by)
    extra = [str(VIEWS["county"])] if place else []
    _header(sheet, [_("Rank"), str(VIEWS[by]), *extra, *[heading(BY_KEY[key]) for key in RANKING_FIGURES]])
    rows = [*notice.rankings[by], {**result.totals, "name": _("Total"), "rank": None, "key": None}]
    for offset, row in enumerate(rows):
        line = HEADER_ROW + 1 + offset
        values = [row["rank"], str(row["name"]), *([place(row["key"])] if place else [])]
        for column, value in enumerate(values, start=1):
            sheet.cell(line, column, value)
        for column, key in enumerate(RANKING_FIGURES, start=len(values) + 1):
            cell = sheet.cell(line, column, _value(key, row[key]))
            cell.number_format = _number_format(key)
        if offset == len(rows) - 1:
            for cell in sheet[line]:
                cell.font = Font(bold=True)
    _widths(sheet, {1: 6, 2: 24, 3: 13 + 5 * bool(place)}, len(RANKING_FIGURES) + 2 + len(extra))


def _funnel_sheet(book: Workbook, notice: notices.Notice) -> None:
    sheet = book.create_sheet(_("Referral funnel"))
    _heading(sheet, _("Referral funnel"), notice)
    _header(sheet, [_("Stage"), _("Merchants"), _("Share of the stage before"), _("Share of those handed over")])
    handed_over, before, rows = notice.funnel[0][1], None, []
    for stage, count in notice.funnel:
        rows.append([notices.stage_name(stage), count, count / before if before else None,
                     count / handed_over if handed_over else None])
        before = count
    _rows(sheet, rows)
    for line in range(HEADER_ROW + 1, HEADER_ROW + 1 + len(rows)):
        sheet.cell(line, 3).number_format = sheet.cell(line, 4).number_format = "0.0%"
    first = HEADER_ROW + len(rows) + 3
    sheet.cell(first - 1, 1, _("By county")).font = Font(bold=True)
    names = [str(VIEWS["county"]), *[notices.stage_name(stage) for stage, _count in notice.funnel]]
    for column, name in enumerate(names, start=1):
        cell = sheet.cell(first, column, name)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    _rows(sheet, [[name, *[count for _stage, count in stages]] for name, stages in notice.county_funnels], first + 1)
    _widths(sheet, {1: 24}, len(names), 16)


def _quota_sheet(book: Workbook, notice: notices.Notice) -> None:
    sheet = book.create_sheet(_("Quotas"))
    _heading(sheet, _("Quotas by county"), notice)
    _header(sheet, [str(VIEWS["county"]), _("Joint visit days held"), _("Joint visit days due"),
                    _("Joint visit days"), _("Matchmaking meetings held"), _("Matchmaking meetings due"),
                    _("Matchmaking meetings"), _("Districts walked"), _("Walked districts meeting the rule"),
                    _("County covered"), _("Coverage"), _("All quotas")], frozen_columns=1)
    _rows(sheet, [[q.name, q.joint_days_held, q.joint_days_due, _met(q.joint_days_met), q.meetings_held,
                   "—" if q.meetings_due is None else q.meetings_due, _met(q.meetings_met), q.districts_walked,
                   "—" if q.districts_meeting_rule is None else q.districts_meeting_rule, _("Yes") if q.covered else _("No"), _met(q.coverage_met),
                   _met(not q.missed())] for q in notice.quotas])
    _widths(sheet, {1: 24}, 12)


def _laggard_sheet(book: Workbook, notice: notices.Notice) -> None:
    sheet = book.create_sheet(_("Laggards"))
    _heading(sheet, _("Laggards to be urged"), notice)
    _header(sheet, [_("Name"), _("Level"), _("Missed")], frozen_columns=1)
    levels = {"county": VIEWS["county"], "town": VIEWS["town"], "pair": VIEWS["pair"]}
    _rows(sheet, [[lag.name, str(levels[lag.level]), _(", ").join(lag.reasons)] for lag in notice.laggards])
    _widths(sheet, {1: 30, 2: 14, 3: 50}, 3)


def _definitions_sheet(book: Workbook, notice: notices.Notice) -> None:
    sheet = book.create_sheet(_("Definitions"))
    _heading(sheet, _("Definitions"), notice)
    _header(sheet, [_("Figure"), _("Definition")], frozen_columns=1)
    rows = [[heading(figure), str(figure.definition)] for figure in FIGURES]
    rows += [[_("Ranking"), _("Places are ranked by merchants visited, then amount granted, then name.")],
             [_("Joint visit days"), _("Met when the joint visit days held reach those due.")],
             [_("Matchmaking meetings"), _("Met when the county held at least one per quarter of the period; a "
                                           "month is not assessed.")],
             [_("Coverage"), _("Met when the county is covered in the period and every district walked there "
                               "(a merchant visited since the drive's start) meets the rule.")
              if has_rule(notice.campaign) else _("Not assessed: the drive has no coverage rule.")],
             [_("Laggards"), _("Counties missing a quota, pairs short of their joint visit days, towns without a "
                               "visit in the period.")]]
    rows += [[target.name, _("Target %(value)s, %(measured)s. %(source)s", value=target.value,
                             measured=target.measured, source=source_text(target.source))]
             for target in drive_targets(notice.campaign)]
    _rows(sheet, rows)
    for line in range(HEADER_ROW + 1, HEADER_ROW + 1 + len(rows)):
        sheet.cell(line, 2).alignment = Alignment(wrap_text=True, vertical="top")
    _widths(sheet, {1: 30, 2: 100}, 2)


# ---- counted apart: chain grants (一链一策) and applications by channel (扫码 / 服务专窗), issue 19 ----------

def _counted_apart(sheet, campaign: Campaign, period: Period, region: Region) -> None:
    """Lines under the summary's figures: chain grants and self-applications by channel, each with its definition."""
    chains = chain_grants(campaign.id, period.start, period.end, region.id)
    channels = channel_counts(campaign.id, period.start_utc, period.end_utc, region.id)
    lines = [
        (_("Chain grants (一链一策)"), chains["grants"], "#,##0",
         _("Credit granted in the period to merchants on a chain list (a core enterprise and its up- and "
           "downstream merchants): %(chains)s chains, %(amount)s (10k yuan); also counted in the figures above.",
           chains=chains["chains"], amount=wan(chains["amount"]))),
        (_("Applications through the QR form"), channels["qr"], "#,##0",
         _("Self-applications received through the pair's QR poster in the period.")),
        (_("Applications at the service window"), channels["window"], "#,##0",
         _("Walk-in applications entered by staff at a 服务专窗 in the period.")),
    ]
    first = sheet.max_row + 2
    for offset, (name, value, number_format, definition) in enumerate(lines):
        sheet.cell(first + offset, 1, name)
        sheet.cell(first + offset, 2, value).number_format = number_format
        sheet.cell(first + offset, 3, definition).alignment = Alignment(wrap_text=True, vertical="top")


def circulation_notice(campaign: Campaign, period: Period, region: Region) -> BytesIO:
    notice = notices.build(campaign, period, region)
    book = Workbook()
    _notice_sheet(book, notice)
    _counted_apart(book.active, campaign, period, region)
    for by in notices.NOTICE_VIEWS:
        _ranking_sheet(book, notice, by)
    _funnel_sheet(book, notice)
    _quota_sheet(book, notice)
    _laggard_sheet(book, notice)
    _definitions_sheet(book, notice)
    stream = BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream
