"""晋商银行's target (002 晋商普惠 二、工作目标: 力争在2024年实现个人普惠客户数较上一年提升30%) is a rule of the
晋商 drive with its clause. It counts the bank's own individual inclusive-finance customers against last year,
which no record of the drive holds: the rules page, the dashboard and the notice's definitions show it as a
target, not measured from records, and never with a figure."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.factories import template_drive

CLAUSE = "二、工作目标"


@pytest.fixture
def jinshang(world):
    return template_drive(world, "jinshang")


def test_the_target_is_shown_with_its_clause_and_not_measured(world, jinshang, login):
    client = login(world.users["lead"])
    rules = client.get(f"/campaigns/{jinshang.id}/rules").get_data(as_text=True)
    row = re.search(r'<tr data-rule="targets.customer_growth">(.*?)</tr>', rules, re.DOTALL).group(1)
    assert "个人普惠客户数较上一年提升" in row and "30%（无法从记录中计量）" in row
    assert CLAUSE in row and "力争在2024年实现个人普惠客户数较上一年提升30%" in row
    dashboard = client.get(f"/reports/?campaign={jinshang.id}&period=all").get_data(as_text=True)
    card = re.search(r'data-target="customer_growth">(.*?)</li>', dashboard, re.DOTALL).group(1)
    assert "30%" in card and "无法从记录中计量" in card and CLAUSE in card
    # A drive without targets (双百工程, 001 gives none) shows no target card.
    assert "data-target=" not in client.get(f"/reports/?campaign={world.campaign.id}").get_data(as_text=True)


def test_the_notice_defines_the_target_as_not_measured(world, jinshang, login):
    client = login(world.users["lead"])
    book = load_workbook(BytesIO(client.get(f"/reports/notice.xlsx?campaign={jinshang.id}&period=all").data))
    definitions = {row[0]: row[1] for row in book.worksheets[-1].iter_rows(values_only=True) if row[0]}
    target = definitions["个人普惠客户数较上一年提升"]
    assert "目标 30%，无法从记录中计量" in target and CLAUSE in target
    assert definitions["商圈覆盖"] == "不考核：本活动未设商圈覆盖规则。"  # 晋商's document gives no coverage rule
