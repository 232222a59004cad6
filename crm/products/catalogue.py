"""The product catalogue: 极速贷 (双百工程), the products of the banking association's 普惠金融推进月
leaflet (seeds/000) and those the programme notices name (crm.products.programmes), with their amounts, terms, rates and
conditions expressed as eligibility rules.

Rule keys (see Product.rules): min_age, max_age, min_months_trading, tiers, trades, kinds,
min_revenue, caps {credit, guarantee, mortgage}. A product limited to a county names it by
division code in "region_codes"; seed_products() turns those into "region_ids".
Conditions that no rule can check (a tobacco licence, a tax rating …) are kept in the description.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from crm.products.models import Product
from crm.products.programmes import PROGRAMME_PRODUCTS, PSBC_CHANGZHI
from crm.regions.models import Region

PRODUCTS: list[dict] = [
    {
        "name": "极速贷",
        "bank_name": PSBC_CHANGZHI,
        "description": (
            "个体工商户专属信贷产品（“双百工程”主推）。长治市范围内合法登记的个体工商户，连续正常经营1年（含）以上；"
            "经营者18–65周岁，信用良好，贷款用于生产经营。信用类单户最高200万元，法人保证最高500万元，抵押类最高1000万元；"
            "信用类额度使用期最长3年，非信用类最长5年；额度内随借随还、循环支用、按日计息。"
            "邮储手机银行“我要经营”线上申请。"
        ),
        "max_amount": 2_000_000,
        "term_months": 36,
        "rate_text": "根据客户风险评级定价，可用优惠券和低价额度；随借随还，按日计息",
        "rules": {
            "min_age": 18,
            "max_age": 65,
            "min_months_trading": 12,
            "kinds": ["individual"],
            "region_codes": ["140400"],  # 长治市范围内
            "caps": {"credit": 2_000_000, "guarantee": 5_000_000, "mortgage": 10_000_000},
        },
    },
    {
        "name": "种植e贷",
        "bank_name": "中国工商银行长治分行",
        "description": "18–65周岁，具备融资对应作物至少一个完整生长周期的种植经验。",
        "max_amount": 3_000_000,
        "term_months": 12,
        "rate_text": "年利率3.45%",
        "rules": {"min_age": 18, "max_age": 65, "min_months_trading": 12, "trades": ["agriculture"]},
    },
    {
        "name": "纳税e贷",
        "bank_name": "中国农业银行长治市分行",
        "description": (
            "企业生产经营2年以上，企业主年满18周岁且不超过65周岁，非港、澳、台及外籍人士；"
            "企业近12个月纳税总额1万元（含）以上，纳税信用等级M级（含）以上。额度1–300万元，期限1天–1年。"
        ),
        "max_amount": 3_000_000,
        "term_months": 12,
        "rate_text": "参数化定价：综合客户资质、贷款成本、风险覆盖、合理收益确定",
        "rules": {"min_age": 18, "max_age": 65, "min_months_trading": 24, "kinds": ["small_enterprise"]},
    },
    {
        "name": "善新贷",
        "bank_name": "中国建设银行长治分行",
        "description": (
            "获得“专精特新”中小企业、高新技术企业、科技型中小企业、创新型中小企业等资质的小微企业；"
            "企业主18–65周岁。期限最长3年（科技型、创新型中小企业最长1年），循环使用、随借随还。"
        ),
        "max_amount": 10_000_000,
        "term_months": 36,
        "rate_text": "年利率低至3.95%",
        "rules": {"min_age": 18, "max_age": 65, "kinds": ["small_enterprise"]},
    },
    {
        "name": "普惠税贷",
        "bank_name": "浦发银行长治分行",
        "description": "小微企业，上年度纳税评级B级以上。",
        "max_amount": 5_000_000,
        "term_months": 12,
        "rate_text": "区间利率，根据评分卡在LPR基础上加点",
        "rules": {"kinds": ["small_enterprise"]},
    },
    {
        "name": "小微信秒贷",
        "bank_name": "中信银行长治分行",
        "description": (
            "年龄20（含）至60（含）周岁；自主支付最高50万元，受托支付最高150万元；"
            "单笔期限最长12个月，信用资质较好的客户最长36个月。"
        ),
        "max_amount": 1_500_000,
        "term_months": 12,
        "rate_text": "年利率4.35%起（固定或浮动）",
        "rules": {"min_age": 20, "max_age": 60},
    },
    {
        "name": "创业担保贷",
        "bank_name": "晋商银行长治分行",
        "description": (
            "取得人社部门资格核实证明的个人可申请个人创业贷款，单户最高30万元，期限最长2年；"
            "符合条件的小微企业可申请带动就业贷款，单户最高300万元，期限最长3年。财政贴息。"
        ),
        "max_amount": 300_000,
        "term_months": 24,
        "rate_text": "个人创业贷款固定利率，LPR加点不超过1.5个百分点（财政贴息）",
        "rules": {"min_age": 18, "kinds": ["individual"]},
    },
    {
        "name": "烟商贷",
        "bank_name": "襄垣农商银行",
        "description": "持有烟草专卖零售许可证，视资产状况授信。",
        "max_amount": 1_000_000,
        "term_months": 6,
        "rate_text": "年利率6.60%",
        "rules": {"trades": ["wholesale_retail"], "region_codes": ["140423"]},
    },
    {
        "name": "晋享e贷",
        "bank_name": "壶关农商银行",
        "description": "自然人最高500万元（含），小微企业最高1000万元（含）；期限原则上最长3年。",
        "max_amount": 10_000_000,
        "term_months": 36,
        "rate_text": "年利率3.6%–7.2%，以实际审批为准",
        "rules": {"region_codes": ["140427"]},
    },
    {
        "name": "民宿贷",
        "bank_name": "壶关县晋融村镇银行",
        "description": "壶关县辖内从事民宿、农家乐经营的个人、小微企业。",
        "max_amount": 2_000_000,
        "term_months": 36,
        "rate_text": "年利率5.50%",
        "rules": {"trades": ["lodging_catering"], "region_codes": ["140427"]},
    },
    *PROGRAMME_PRODUCTS,
]


def seed_products(session) -> list[Product]:
    """Create the catalogue's products that are not there yet (by bank and name); return all of them.

    Region-limited products get "region_ids" for the regions with the named division codes, when
    those regions exist.
    """
    existing = {(p.bank_name, p.name): p for p in session.scalars(select(Product))}
    codes = {c for item in PRODUCTS for c in item["rules"].get("region_codes", [])}
    region_ids = (
        dict(session.execute(select(Region.code, Region.id).where(Region.code.in_(codes))).all())
        if codes
        else {}
    )
    products = []
    for item in PRODUCTS:
        product = existing.get((item["bank_name"], item["name"]))
        if product is None:
            rules = dict(item["rules"])
            ids = [region_ids[c] for c in rules.get("region_codes", []) if c in region_ids]
            if ids:
                rules["region_ids"] = ids
            product = Product(
                name=item["name"],
                bank_name=item["bank_name"],
                description=item["description"],
                max_amount=None if item["max_amount"] is None else Decimal(item["max_amount"]),
                term_months=item["term_months"],
                rate_text=item["rate_text"],
                rules=rules,
                active=True,
            )
            session.add(product)
        products.append(product)
    session.flush()
    return products
