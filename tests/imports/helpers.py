"""Writing small registry files for the import tests."""
from __future__ import annotations

import csv

from openpyxl import Workbook

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
