"""中国银行 “三型四类”普惠授信 (惠商贷): 山西省市场监管局 + 中国银行山西省分行 (seeds/002, 附件1)."""
from __future__ import annotations

from crm.campaigns.rules import Quota
from crm.campaigns.templates.base import Document, Template

DOC = Document("002", "晋市监发〔2024〕80号《“三型四类”普惠授信行动方案》（中国银行山西省分行）")
_CAPS = "服务方案 四、（一）2.（3）贷款额度"
# The bank reports the overdue periods (crm.bankfacts); the exception for small, short, non-malicious arrears
# is the bank's judgement case by case, so the check shows the figures and leaves it to the bank.
_OVERDUE = "服务方案 三、准入条件（三）"
_OVERDUE_QUOTE = ("原则上借款人或配偶近两年无连续3期或累计6期及以上逾期记录。〔单笔逾期金额小于人民币500元（含）、"
                  "每次逾期不超过10天等非恶意拖欠的可视具体情况除外〕")

TEMPLATE = Template(
    key="boc_huishang",
    label="“三型四类”惠商贷（山西 · 中国银行）",
    document=DOC,
    rules={
        "tier_caps.survival": DOC.cite(100000, _CAPS, "生存型：…其信用类最高额度上限不超过10万元"),
        "tier_caps.growth": DOC.cite(200000, _CAPS, "成长型：信用类最高额度上限不超过20万元"),
        "tier_caps.development": DOC.cite(300000, _CAPS, "发展型：信用类最高额度上限不超过30万元"),
        "tier_caps.distinguished": DOC.cite(
            1000000, _CAPS, "对于“成长型”“发展型”培育清单中，符合“名特优新”资质的个体工商户，其信用类最高额度上限不超过100万元"),
        "tier_caps.revenue_share_cap": DOC.cite(
            0.2, _CAPS, "设定不超过其经营主体营业收入20%的信用总量"),
        "base_conditions.min_months_trading": DOC.cite(
            12, "服务方案 三、准入条件（一）", "经营实体成立一年及以上，拥有合法有效经营资质及经营实体"),
        "base_conditions.tiers": DOC.cite(
            ["survival", "growth", "development"], "服务方案 三、准入条件（二）",
            "经营实体在“全省个体工商户名录库”中被标记为“三型”的个体工商户"),
        "base_conditions.no_overdue_run_24m": DOC.cite(3, _OVERDUE, _OVERDUE_QUOTE),
        "base_conditions.no_overdue_periods_24m": DOC.cite(6, _OVERDUE, _OVERDUE_QUOTE),
        "base_conditions.kinds": DOC.cite(
            ["individual"], "服务方案 二、贷款对象", "本方案服务对象为…个体工商户分型分类名录库中…优质个体工商户客群的经营者"),
    },
    quotas=(
        DOC.cite(Quota("level_visit", 3, "year", "level_pair"), "服务方案 八、（二）",
                 "二级分支行对接市级市场监管局，县域机构对接县级市场监管局，各层级有效拜访频率不少于3次/年"),
    ),
    products=tuple(
        DOC.cite(name, clause, quote) for name, clause, quote in (
            ("惠商贷", "服务方案 四、（一）2. 线下渠道", "“惠商贷”产品是指向依法核准登记的个体工商户实际经营者个人发放的…线下个人经营贷款"),
            ("商E贷", "服务方案 四、（一）1. 线上渠道", "“惠如愿·商E贷”…贷款期限1年（含）…最高额度不超过100万元"),
            ("益农快贷", "服务方案 四、（一）1. 线上渠道", "“益农快贷”…种植类客户最高50万元，养殖类客户最高100万元"),
            ("烟商E贷", "服务方案 四、（一）1. 线上渠道", "“烟商E贷”…为全省烟草零售商借款人提供…贷款额度最高人民币100万元"),
        )
    ),
)
