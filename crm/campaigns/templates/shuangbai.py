"""双百工程: 长治市市场监督管理局 + 邮储银行长治市分行, 2025-06 to 2025-12-31 (seeds/001).

001 sets no tier caps, no revenue-share cap and no pre-credit conditions of the drive's own (those of
极速贷 are the product's); its only plaque criterion is honest trading (诚信经营户).
"""
from __future__ import annotations

from decimal import Decimal

from crm.campaigns.rules import Quota
from crm.campaigns.templates.base import Document, Template

DOC = Document("001", "长市监发〔2025〕50号《“双百工程”普惠授信活动方案》")
_DISTRICTS = "原则上商圈走访应达到100户以上或覆盖率20%以上。"

TEMPLATE = Template(
    key="shuangbai",
    label="双百工程（长治 · 邮储银行）",
    document=DOC,
    rules={
        "district_household_threshold": DOC.cite(100, "四、（一）加强宣传走访", _DISTRICTS),
        "district_coverage_ratio": DOC.cite(Decimal("0.2"), "四、（一）加强宣传走访", _DISTRICTS),
        "focus_trades": DOC.cite(
            ["wholesale_retail", "lodging_catering", "transport_logistics"], "四、（三）创新服务方式",
            "聚焦批发零售、住宿餐饮、交通物流等民生类行业产业客群"),
        "plaque_criteria.veto_dishonest": DOC.cite(
            True, "五、（三）2. 联合宣传推广", "对诚信经营户授予“双百示范商户”牌匾"),
    },
    quotas=(
        DOC.cite(Quota("joint_visit_day", 1, "month", "pair"), "五、（三）1. “一镇一专员”结对服务",
                 "服务动作：每月开展“联合走访日”（重点商圈/乡镇驻点办公）"),
        DOC.cite(Quota("matchmaking", 1, "quarter", "county"), "五、（一）1. 县域全覆盖计划",
                 "按季度开展“普惠金融进乡镇”活动，每县（区）至少举办 1 场银企对接会"),
    ),
    products=(
        DOC.cite("极速贷", "附件：个体工商户专属信贷产品“极速贷”", "用“极速贷”产品拓宽金融服务范围"),
        *(DOC.cite(name, "五、（二）1. “民生贷”产品矩阵",
                   "量身适配“商贸贷、农贸贷、连锁贷、医药贷、烟草贷、运输贷、住宿餐饮贷”等专属金融服务")
          for name in ("商贸贷", "农贸贷", "连锁贷", "医药贷", "烟草贷", "运输贷", "住宿餐饮贷")),
    ),
    settings={"plaque_criteria.number_prefix": "SB"},
)
