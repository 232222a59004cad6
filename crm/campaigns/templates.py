"""Drives as templates: 双百工程 (Changzhi, PSBC) and CCB 遇建美好 (Shanxi), each with its rules,
per-tier caps, base conditions, plaque criteria and products. A drive made from a template is an
ordinary Campaign: every rule stays editable.
"""
from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from crm import audit
from crm.campaigns.models import Campaign, CampaignLead
from crm.extensions import db
from crm.products.catalogue import seed_products
from crm.products.models import CampaignProduct, Product

LIVELIHOOD_TRADES = ["wholesale_retail", "lodging_catering", "transport_logistics"]

TEMPLATES: dict[str, dict] = {
    # seeds/001: 长治市市场监管局 + 邮储银行长治市分行, 2025-06 to 2025-12.
    "shuangbai": {
        "label": "双百工程",
        "rules": {
            "district_household_threshold": 100,  # 商圈走访应达到100户以上
            "district_coverage_ratio": Decimal("0.2"),  # 或覆盖率20%以上
            "joint_visit_days_per_month": 1,  # 每月开展“联合走访日”
            "matchmaking_per_county_per_quarter": 1,  # 每县（区）每季度至少1场银企对接会
            "level_visits_per_year": 3,
            "referral_contact_days": 7,
            "follow_up_interval_days": 30,
            "need_due_days": 15,
            "visit_distance_m": 500,
            "focus_trades": LIVELIHOOD_TRADES,
            # DOMAIN.md: CCB and BOC pre-credit caps by tier; 名特优新 (growth/development) up to 1M,
            # and no more than 20% of the business's revenue (BOC 惠商贷).
            "tier_caps": {"survival": 100000, "growth": 200000, "development": 300000, "distinguished": 1000000,
                          "revenue_share_cap": 0.2},
            # 极速贷: licensed, trading ≥ 1 year, operator 18–65.
            "base_conditions": {"min_age": 18, "max_age": 65, "min_months_trading": 12},
            "plaque_criteria": {"veto_statuses": ["revoked", "abnormal", "cancelled"], "veto_dishonest": True,
                                "max_overdue_12m": 3, "min_months_trading": 12, "number_prefix": "SB"},
        },
        "products": ["极速贷"],
    },
    # seeds/002 附件1–2: 山西省市场监管局 + 建设银行山西省分行 “遇建美好 贷动三晋”.
    "ccb_yujian": {
        "label": "遇建美好 贷动三晋",
        "rules": {
            "district_household_threshold": 100,
            "district_coverage_ratio": Decimal("0.2"),
            "joint_visit_days_per_month": 1,
            "matchmaking_per_county_per_quarter": 1,
            "level_visits_per_year": 3,  # 有效拜访频率不少于3次/年
            "referral_contact_days": 7,
            "follow_up_interval_days": 30,
            "need_due_days": 15,
            "visit_distance_m": 500,
            "focus_trades": LIVELIHOOD_TRADES,
            "tier_caps": {"survival": 100000, "growth": 200000, "development": 300000},
            "base_conditions": {
                "min_age": 18, "max_age": 65, "min_months_trading": 12, "kinds": ["individual"],
                "tier_rules": {
                    "survival": {"min_months_trading": 12, "min_revenue": 100000},
                    "growth": {"min_months_trading": 24, "min_revenue": 300000},
                    "development": {"min_months_trading": 24, "min_revenue": 600000},
                },
            },
            # 示范标杆商户: development class, ≥ 24 months of loan use, ≤ 3 overdue in 12 months,
            # credit line ≥ 500k; vetoed when revoked/abnormal or on the dishonest list.
            "plaque_criteria": {"tiers": ["development"], "veto_statuses": ["revoked", "abnormal"],
                                "veto_dishonest": True, "max_overdue_12m": 3, "min_months_trading": 24,
                                "min_credit_line": 500000, "number_prefix": "YJ"},
        },
        "products": ["善新贷"],
    },
}


def template_choices() -> list[tuple[str, str]]:
    return [(key, value["label"]) for key, value in TEMPLATES.items()]


def create_campaign_from_template(template: str, name: str, bureau_org, bank_org, territory, starts_on: date,
                                  ends_on: date, actor=None) -> Campaign:
    """A new drive with the template's rules, tiers, caps and products; a lead who creates it leads it."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}")
    spec = copy.deepcopy(TEMPLATES[template])
    campaign = Campaign(name=name, template=template, bureau_org=bureau_org, bank_org=bank_org,
                        territory=territory, starts_on=starts_on, ends_on=ends_on, **spec["rules"])
    db.session.add(campaign)
    db.session.flush()
    seed_products(db.session)
    products = db.session.scalars(select(Product).where(Product.name.in_(spec["products"]))).all()
    for product in products:
        db.session.add(CampaignProduct(campaign_id=campaign.id, product_id=product.id))
    if actor is not None and actor.has_role("lead"):
        db.session.add(CampaignLead(campaign_id=campaign.id, user_id=actor.id))
    audit.record("create", campaign, summary=f"{name} ({template})", actor=actor,
                 changes={"template": [None, template], "products": [None, sorted(p.name for p in products)],
                          **{k: [None, v] for k, v in spec["rules"].items()}})
    return campaign
