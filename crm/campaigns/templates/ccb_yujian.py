"""遇建美好 贷动三晋: 山西省市场监管局 + 建设银行山西省分行 (seeds/002, 附件4 with its 附件1–2).

The document names no product: the offer is the pre-credit by tier. The demonstration-merchant
criteria are the bank's loan facts about the merchant (see crm.plaques).
"""
from __future__ import annotations

from crm.campaigns.templates.base import Document, Template

DOC = Document("002", "晋市监发〔2024〕86号《“遇建美好 贷动三晋”金融支持个体工商户发展专项活动方案》（建设银行山西省分行）")
_BASE = "附件1 一、预授信基础条件"
_TIERS = "附件1 二、分型预授信产品要素"
_PLAQUE = "附件2 示范标杆商户 一、准入标准"
_VETO = "附件2 示范标杆商户 二、否决条件"


def _tier(name: str, number: str, months: int, revenue: int, cap: int, revenue_quote: str, months_quote: str):
    clause = f"{_TIERS}（{number}）"
    return {
        f"base_conditions.tier_rules.{name}.min_months_trading": DOC.cite(months, clause + "1.", months_quote),
        f"base_conditions.tier_rules.{name}.min_revenue": DOC.cite(revenue, clause + "2.", revenue_quote),
        f"tier_caps.{name}": DOC.cite(cap, clause + "2.", revenue_quote),
    }


TEMPLATE = Template(
    key="ccb_yujian",
    label="遇建美好 贷动三晋（山西 · 建设银行）",
    document=DOC,
    rules={
        "base_conditions.kinds": DOC.cite(["individual"], _BASE + "（一）", "具有合法登记在册的个体工商户营业执照"),
        "base_conditions.min_months_trading": DOC.cite(12, _BASE + "（一）", "且连续正常经营 1 年（含）以上"),
        "base_conditions.min_months_trading_with_experience": DOC.cite(
            6, f"{_TIERS}（一）生存型 1.", "客户在设立经营实体前有本行业从业经验，可适当放宽经营年限至 6 个月"),
        "base_conditions.min_age": DOC.cite(18, _BASE + "（二）", "年满 18 周岁且不超过 65 周岁"),
        "base_conditions.max_age": DOC.cite(65, _BASE + "（二）", "年满 18 周岁且不超过 65 周岁"),
        "base_conditions.nationality": DOC.cite("mainland", _BASE + "（二）", "非港、澳、台及外籍人士，具有完全民事行为能力"),
        **_tier("survival", "一", 12, 100000, 100000, "年营业收入在 10 万元以上，预授信额度原则上不超 10 万元",
                "应连续正常经营 1 年（含）以上"),
        **_tier("growth", "二", 24, 300000, 200000, "年营业收入在 30 万元（含）以上，预授信额度原则上不超 20 万元",
                "客户应连续正常经营 2 年（含）以上"),
        **_tier("development", "三", 24, 600000, 300000, "年营业收入在 60 万元（含）以上，预授信额度原则上不超 30 万元",
                "客户应连续正常经营 2 年（含）以上"),
        "plaque_criteria.tiers": DOC.cite(["development"], _PLAQUE + " 1.", "须符合“发展型”标准的个体工商户"),
        "plaque_criteria.min_loan_months": DOC.cite(24, _PLAQUE + " 2.", "在建设银行累计用款期限 24 个月（含）以上"),
        "plaque_criteria.no_bad_loans": DOC.cite(True, _PLAQUE + " 2.", "并且在建设银行无不良贷款记录"),
        "plaque_criteria.max_overdue_12m": DOC.cite(
            3, _PLAQUE + " 2.", "最近 12 个月内（含 12 个月）累计逾期次数不超过 3 次"),
        "plaque_criteria.min_credit_line": DOC.cite(
            500000, _PLAQUE + " 3.", "在建设银行授信额度在 50 万元以上（含 50 万元）"),
        "plaque_criteria.veto_false_reporting": DOC.cite(True, _VETO + " 1.", "虚假报送数据的个体工商户"),
        "plaque_criteria.veto_statuses": DOC.cite(
            ["revoked", "abnormal"], _VETO + " 2.", "标记为吊销未注销状态、异常状态的个体工商户"),
        "plaque_criteria.veto_dishonest": DOC.cite(
            True, _VETO + " 3.", "列入失信联合惩戒对象名单、失信被执行人名单的个体工商户"),
    },
    settings={"plaque_criteria.number_prefix": "YJ"},
)
