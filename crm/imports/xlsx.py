"""Spreadsheets in: an .xlsx is a zip whose central directory declares how far it expands, read before parsing.

A 2.7 MB file can declare 600 MB of sheet XML; parsing it would hold that much memory for seconds.
"""
from __future__ import annotations

import zipfile

from flask import current_app
from flask_babel import gettext as _

from crm.imports.parsing import CellError


def check_declared_size(path: str) -> None:
    """Refuse (CellError) an .xlsx whose members declare more than XLSX_MAX_EXPANDED_MB in all.

    Files that are not zips (.xls) are left to the parser, which says whether it can read them."""
    if not zipfile.is_zipfile(path):
        return
    limit_mb = current_app.config["XLSX_MAX_EXPANDED_MB"]
    with zipfile.ZipFile(path) as archive:
        expanded = sum(member.file_size for member in archive.infolist())
    if expanded > limit_mb * 1024 * 1024:
        raise CellError(_("This spreadsheet expands to %(size)s MB, more than the %(limit)s MB allowed; "
                          "split it into smaller files.", size=expanded // (1024 * 1024), limit=limit_mb))
