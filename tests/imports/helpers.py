"""Writing small registry files for the import tests."""
from __future__ import annotations

import csv

from openpyxl import Workbook
from sqlalchemy import inspect

from crm.extensions import db

HEADER_ZH = ["统一社会信用代码", "名称", "经营者", "联系电话", "成立日期", "行业", "分型", "名特优新", "登记状态",
             "县区", "乡镇", "商圈", "年营业收入"]


def write_xlsx(path, rows, header=HEADER_ZH) -> str:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名录")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return str(path)


def write_csv(path, rows, header=HEADER_ZH, encoding="utf-8") -> str:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def merchant_indexes() -> set[str]:
    """The merchants table's indexes by name (a big insert on SQLite sets some aside and must put them back)."""
    return {index["name"] for index in inspect(db.session.connection()).get_indexes("merchants")}
