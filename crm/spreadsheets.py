"""The one way the app writes .xlsx and CSV: text a spreadsheet would run as a formula is written as text.

A merchant, a pair or an uploaded row named `=HYPERLINK(...)` would otherwise become a live formula in the
notice or an export (CSV/formula injection). Every export builds its workbook with `Workbook` from here;
a test keeps openpyxl's own Workbook out of every other module.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from openpyxl import Workbook as _OpenpyxlWorkbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
