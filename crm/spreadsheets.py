"""The one way the app writes .xlsx and CSV: text a spreadsheet would run as a formula is written as text.

A merchant, a pair or an uploaded row named `=HYPERLINK(...)` would otherwise become a live formula in the
notice or an export (CSV/formula injection). Every export builds its workbook with `Workbook` from here;
a test keeps openpyxl's own Workbook out of every other module.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator

from openpyxl import Workbook as _OpenpyxlWorkbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_ROWS = 1_048_576  # Excel's rows per sheet, the header included
CHUNK = 64 * 1024


def neutralise(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _WriteOnlySheet(WriteOnlyWorksheet):
    def append(self, row):
        super().append([neutralise(value) for value in row])


class Workbook(_OpenpyxlWorkbook):
    """openpyxl's Workbook that cannot hold a formula: streamed rows are neutralised as they are appended,
    the cells of an ordinary workbook when it is saved."""

    def create_sheet(self, title=None, index=None):
        if not self.write_only:
            return super().create_sheet(title, index)
        sheet = _WriteOnlySheet(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet

    def save(self, filename):
        if not self.write_only:
            for sheet in self.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                            cell.value = neutralise(cell.value)
        super().save(filename)


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text line by line, for streaming: UTF-8 with a BOM (so Excel reads it as such), no formulas."""
    yield "\ufeff" + _csv_line(header)
    for row in rows:
        yield _csv_line([neutralise(value) for value in row])


def _csv_line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


def xlsx_chunks(title: str, header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """A write-only workbook, streamed: rows go to a temporary file as they come (openpyxl writes cells as
    inline strings, so memory stays constant), then the file is sent in chunks. A list longer than a sheet
    continues on the next one ("visits (2)"), each with the header."""
    with tempfile.TemporaryFile() as file:
        workbook = Workbook(write_only=True)
        sheet, filled, sheets = None, SHEET_ROWS, 0
        for row in rows:
            if filled >= SHEET_ROWS:
                sheets += 1
                sheet = workbook.create_sheet(title if sheets == 1 else f"{title} ({sheets})")
                sheet.append(header)
                filled = 1
            sheet.append([_cell(value) for value in row])
            filled += 1
        if sheet is None:
            workbook.create_sheet(title).append(header)
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(CHUNK):
            yield chunk


def _cell(value):
    """Text without the control characters a workbook cannot hold (openpyxl refuses them)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
