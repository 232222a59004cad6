"""晋商普惠: 山西省市场监管局 + 晋商银行 (seeds/002, 附件3)."""
from __future__ import annotations

from crm.campaigns.rules import Quota
from crm.campaigns.templates.base import Document, Template

DOC = Document("002", "晋市监发〔2024〕82号《“晋商普惠”授信活动方案》（晋商银行）")
_BASE = "附件1 晋商普惠授信标准 一、授信基础条件"

TEMPLATE = Template(
    key="jinshang",
    label="晋商普惠（山西 · 晋商银行）",
    document=DOC,
    rules={
        "base_conditions.min_months_trading": DOC.cite(
            24, _BASE + "（一）", "具有合法登记在册的营业执照，且连续正常经营 2 年（含）以上"),
        "base_conditions.min_age": DOC.cite(
            18, _BASE + "（二）", "申请人要求年龄在 18 周岁（含 18 周岁）至 65 周岁（含 65 周岁）之间"),
        "base_conditions.max_age": DOC.cite(
            65, _BASE + "（二）", "申请人要求年龄在 18 周岁（含 18 周岁）至 65 周岁（含 65 周岁）之间"),
        # The bank's own count of individual inclusive-finance customers, this year against last: a target
        # of the bank as a whole, which the drive's records cannot measure (crm.campaigns.targets).
        "targets.customer_growth": DOC.cite(
            0.3, "二、工作目标", "力争在2024年实现个人普惠客户数较上一年提升30%，惠及更多个人普惠客户"),
    },
    quotas=(
        DOC.cite(Quota("level_visit", 3, "year", "level_pair"), "四、（一）加强组织协调",
                 "晋商银行各分支机构与各级市场监管部门做好协同配合，各层级当年有效拜访频次不少于3次"),
    ),
    products=(
        DOC.cite("晋商e贷·码上贷", "附件3 “晋商 e 贷 · 码上贷”业务方案",
                 "单户最高 50 万元。授信期限最长 36 个月，单笔用信期限最长 13 个月"),
    ),
)
