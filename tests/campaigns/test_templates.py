"""One template per programme in the seeds, each rule as its document states it and cited to its clause.

Each table has one row per clause: (rule key, the document's number, where the clause is). The template
must have exactly these rules: a rule of another programme in it fails the test.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.campaigns.models import Campaign
from crm.campaigns.rules import rule_source
from crm.campaigns.templates import TEMPLATES, create_campaign_from_template, template_rules
from crm.extensions import db
from crm.products.models import CampaignProduct, Product

Q = "quotas"
SHUANGBAI = [  # seeds/001 长市监发〔2025〕50号
    ("district_household_threshold", 100, "四、（一）"),  # 原则上商圈走访应达到100户以上
    ("district_coverage_ratio", Decimal("0.2"), "四、（一）"),  # 或覆盖率20%以上
    ("focus_trades", ["wholesale_retail", "lodging_catering", "transport_logistics"], "四、（三）"),
    ("plaque_criteria.veto_dishonest", True, "五、（三）2."),  # 对诚信经营户授予“双百示范商户”牌匾
    (f"{Q}.joint_visit_day.pair.month", 1, "五、（三）1."),  # 每月开展“联合走访日”
    (f"{Q}.matchmaking.county.quarter", 1, "五、（一）1."),  # 按季度…每县（区）至少举办 1 场银企对接会
    ("products.极速贷", None, "附件"),
    *((f"products.{name}", None, "五、（二）1.")  # “民生贷”产品矩阵
      for name in ("商贸贷", "农贸贷", "连锁贷", "医药贷", "烟草贷", "运输贷", "住宿餐饮贷")),
]
BOC = [  # seeds/002 晋市监发〔2024〕80号, 服务方案
    ("tier_caps.survival", 100000, "四、（一）2.（3）"),  # 生存型…不超过10万元
    ("tier_caps.growth", 200000, "四、（一）2.（3）"),  # 成长型…不超过20万元
    ("tier_caps.development", 300000, "四、（一）2.（3）"),  # 发展型…不超过30万元
    ("tier_caps.distinguished", 1000000, "四、（一）2.（3）"),  # 名特优新…不超过100万元
    ("tier_caps.revenue_share_cap", 0.2, "四、（一）2.（3）"),  # 不超过其经营主体营业收入20%
    ("base_conditions.min_months_trading", 12, "三、准入条件（一）"),  # 经营实体成立一年及以上
    ("base_conditions.tiers", ["survival", "growth", "development"], "三、准入条件（二）"),
    ("base_conditions.kinds", ["individual"], "二、贷款对象"),
    # 原则上借款人或配偶近两年无连续3期或累计6期及以上逾期记录: the document's "no N", checked on bank facts
    ("base_conditions.no_overdue_run_24m", 3, "三、准入条件（三）"),
    ("base_conditions.no_overdue_periods_24m", 6, "三、准入条件（三）"),
    (f"{Q}.level_visit.level_pair.year", 3, "八、（二）"),  # 各层级有效拜访频率不少于3次/年
    ("products.惠商贷", None, "四、（一）2."),
    ("products.商E贷", None, "四、（一）1."),
    ("products.益农快贷", None, "四、（一）1."),
    ("products.烟商E贷", None, "四、（一）1."),
]
SHANXI_BANK = [  # seeds/002 晋市监发〔2024〕81号
    ("base_conditions.nationality", "citizen", "四、（一）1."),  # 具有完全民事行为能力的中国公民
    ("base_conditions.min_age", 20, "四、（一）2."),  # 20 至 65 周岁
    ("base_conditions.max_age", 65, "四、（一）2."),
    ("base_conditions.min_months_trading", 24, "四、（二）2."),  # 实际经营满2年
    ("products.惠商易贷", None, "三、（二）4."),
    ("products.税e贷", None, "三、（二）4."),
    ("products.微业贷", None, "三、（二）4."),
    ("products.房抵e贷", None, "三、（二）4."),
    ("products.创担贷", None, "三、（二）4."),
]
JINSHANG = [  # seeds/002 晋市监发〔2024〕82号
    ("base_conditions.min_months_trading", 24, "附件1"),  # 连续正常经营 2 年（含）以上
    ("base_conditions.min_age", 18, "附件1"),
    ("base_conditions.max_age", 65, "附件1"),
    (f"{Q}.level_visit.level_pair.year", 3, "四、（一）"),  # 各层级当年有效拜访频次不少于3次
    ("targets.customer_growth", 0.3, "二、工作目标"),  # 力争在2024年实现个人普惠客户数较上一年提升30%
    ("products.晋商e贷·码上贷", None, "附件3"),
]
CCB = [  # seeds/002 晋市监发〔2024〕86号, 附件1 预授信标准 and 附件2 示范标杆商户
    ("base_conditions.kinds", ["individual"], "附件1 一、"),
    ("base_conditions.min_months_trading", 12, "附件1 一、"),  # 连续正常经营 1 年（含）以上
    ("base_conditions.min_months_trading_with_experience", 6, "附件1 二、"),  # 可适当放宽经营年限至 6 个月
    ("base_conditions.min_age", 18, "附件1 一、"),
    ("base_conditions.max_age", 65, "附件1 一、"),
    ("base_conditions.nationality", "mainland", "附件1 一、"),  # 非港、澳、台及外籍人士
    ("base_conditions.tier_rules.survival.min_months_trading", 12, "附件1 二、分型预授信产品要素（一）"),
    ("base_conditions.tier_rules.survival.min_revenue", 100000, "附件1 二、分型预授信产品要素（一）"),
    ("tier_caps.survival", 100000, "附件1 二、分型预授信产品要素（一）"),
    ("base_conditions.tier_rules.growth.min_months_trading", 24, "附件1 二、分型预授信产品要素（二）"),
    ("base_conditions.tier_rules.growth.min_revenue", 300000, "附件1 二、分型预授信产品要素（二）"),
    ("tier_caps.growth", 200000, "附件1 二、分型预授信产品要素（二）"),
    ("base_conditions.tier_rules.development.min_months_trading", 24, "附件1 二、分型预授信产品要素（三）"),
    ("base_conditions.tier_rules.development.min_revenue", 600000, "附件1 二、分型预授信产品要素（三）"),
    ("tier_caps.development", 300000, "附件1 二、分型预授信产品要素（三）"),
    ("plaque_criteria.tiers", ["development"], "附件2 示范标杆商户 一、准入标准 1."),
    ("plaque_criteria.min_loan_months", 24, "附件2 示范标杆商户 一、准入标准 2."),
    ("plaque_criteria.no_bad_loans", True, "附件2 示范标杆商户 一、准入标准 2."),
    ("plaque_criteria.max_overdue_12m", 3, "附件2 示范标杆商户 一、准入标准 2."),
    ("plaque_criteria.min_credit_line", 500000, "附件2 示范标杆商户 一、准入标准 3."),
    ("plaque_criteria.veto_false_reporting", True, "附件2 示范标杆商户 二、否决条件 1."),
    ("plaque_criteria.veto_statuses", ["revoked", "abnormal"], "附件2 示范标杆商户 二、否决条件 2."),
    ("plaque_criteria.veto_dishonest", True, "附件2 示范标杆商户 二、否决条件 3."),
]
TAIAN: list = []  # seeds/003: the practices give no number a drive could enforce
JIYUAN = [  # seeds/004 济管财金〔2022〕25号
    (f"{Q}.matchmaking.drive.week", {"event": "matchmaking", "count": 1, "cadence": "week", "scope": "drive",
                                      "weekday": 3}, "二、（七）"),  # 坚持每周三一次常态化开展线上银企对接活动
]
TABLES = {"shuangbai": ("001", SHUANGBAI), "boc_huishang": ("002", BOC), "shanxi_bank": ("002", SHANXI_BANK),
          "jinshang": ("002", JINSHANG), "ccb_yujian": ("002", CCB), "taian_guanjia": ("003", TAIAN),
          "jiyuan": ("004", JIYUAN)}
ROWS = [(key, *row) for key, (_doc, rows) in TABLES.items() for row in rows]


def _stored(campaign: Campaign, key: str):
    """The value the drive holds under a dotted rule key."""
    name, *path = key.split(".")
    if name == "quotas":
        event, scope, cadence = path
        found = [q for q in campaign.quotas if (q["event"], q["scope"], q["cadence"]) == (event, scope, cadence)]
        return found[0] if len(found) == 1 else None
    value = getattr(campaign, name)
    for part in path:
        value = value[part]
    return value


def test_every_programme_in_the_seeds_has_a_template_with_only_its_own_rules():
    assert set(TEMPLATES) == set(TABLES)
    for key, (_doc, rows) in TABLES.items():
        _values, sources = template_rules(TEMPLATES[key])
        assert set(sources) == {row[0] for row in rows}, key


@pytest.fixture()
def drives(world):
    made = {key: create_campaign_from_template(key, f"drive {key}", world.orgs["bureau"], world.orgs["bank"],
                                               world.city, date(2026, 1, 1), date(2026, 12, 31))
            for key in TEMPLATES}
    db.session.commit()
    return made


@pytest.mark.parametrize(("template", "key", "value", "clause"), ROWS, ids=[f"{r[0]}:{r[1]}" for r in ROWS])
def test_each_rule_as_the_document_gives_it_with_its_clause(drives, template, key, value, clause):
    campaign = drives[template]
    source = rule_source(campaign, key)
    assert (source.kind, source.doc) == ("document", TABLES[template][0])
    assert clause in source.clause and source.quote and source.title
    if key.startswith("products."):
        linked = db.session.scalars(select(Product.name).join(
            CampaignProduct, CampaignProduct.product_id == Product.id).where(CampaignProduct.campaign_id == campaign.id))
        assert key.removeprefix("products.") in set(linked)
    elif key.startswith("quotas.") and not isinstance(value, dict):
        assert _stored(campaign, key)["count"] == value
    else:
        assert _stored(campaign, key) == value


def test_what_the_shuangbai_drive_does_not_have(drives):
    """001 sets no tier caps, no revenue cap, no level visits and no plaque criterion beyond honest trading."""
    sb = drives["shuangbai"]
    assert sb.tier_caps == {} and sb.base_conditions == {}
    assert {q["event"] for q in sb.quotas} == {"joint_visit_day", "matchmaking"}
    assert sb.plaque_criteria == {"veto_dishonest": True, "number_prefix": "SB"}
    # Periods no document gives stay the software's defaults, labelled so.
    for key in ("referral_contact_days", "follow_up_interval_days", "need_due_days", "plaque_criteria.number_prefix"):
        assert rule_source(sb, key).kind == "default"
    assert {q["event"] for q in drives["ccb_yujian"].quotas} == set()  # CCB's notice has no level-visit rule


def test_only_shuangbai_has_the_coverage_rule(drives):
    """100 households or 20% is 001's (四、（一）); the other programmes' drives have no coverage rule at all."""
    for key, drive in drives.items():
        coverage = (drive.district_household_threshold, drive.district_coverage_ratio)
        assert coverage == ((100, Decimal("0.2")) if key == "shuangbai" else (None, None)), key


def test_product_rules_as_the_documents_state_them(drives):
    products = {p.name: p for p in db.session.scalars(select(Product))}
    jisudai = products["极速贷"].rules
    assert jisudai["region_codes"] == ["140400"]  # 长治市范围内
    assert (jisudai["min_months_trading"], jisudai["min_age"], jisudai["max_age"]) == (12, 18, 65)
    assert jisudai["caps"] == {"credit": 2_000_000, "guarantee": 5_000_000, "mortgage": 10_000_000}
    assert products["晋商e贷·码上贷"].max_amount == 500_000 and products["晋商e贷·码上贷"].term_months == 36
    assert products["惠商易贷"].max_amount == 100_000 and products["惠商易贷"].rules["tiers"] == ["survival"]
    assert products["益农快贷"].rules["trades"] == ["agriculture"]


def test_page_for_leads_creates_a_drive_and_shows_its_rules(world, login):
    assert login(world.users["am_a1"]).get("/campaigns/new-from-template").status_code == 404
    client = login(world.users["lead"])
    response = client.post("/campaigns/new-from-template", data={
        "template": "ccb_yujian", "name": "遇建美好 长治", "bureau_org_id": world.orgs["bureau"].id,
        "bank_org_id": world.orgs["bank"].id, "territory_id": world.city.id, "starts_on": "2026-01-01",
        "ends_on": "2026-12-31"})
    created = db.session.scalar(select(Campaign).where(Campaign.name == "遇建美好 长治"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/campaigns/{created.id}/rules")
    assert created.template == "ccb_yujian" and created.plaque_criteria["number_prefix"] == "YJ"
    assert [r.user_id for r in created.lead_rows] == [world.users["lead"].id]  # the lead who made it leads it
    bad = client.post("/campaigns/new-from-template", data={
        "template": "ccb_yujian", "name": "倒序", "bureau_org_id": world.orgs["bureau"].id,
        "bank_org_id": world.orgs["bank"].id, "territory_id": world.city.id, "starts_on": "2026-12-01",
        "ends_on": "2026-01-01"})
    assert bad.status_code == 200 and db.session.scalar(select(Campaign).where(Campaign.name == "倒序")) is None
