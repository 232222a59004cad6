"""Programme templates, one module per programme in the seeds: 双百工程 (001), the four Shanxi bank
programmes (002: 中国银行, 山西银行, 晋商银行, 建设银行), 金融管家 (003) and 济源's weekly online
matchmaking (004). Each brings only its own programme's rules, every one cited to its clause; a drive
made from a template is an ordinary Campaign whose rules stay editable (an edit becomes a local setting).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from crm import audit
from crm.campaigns.models import Campaign, CampaignLead
from crm.campaigns.rules import COVERAGE_RULES, nested_rules
from crm.campaigns.templates import (
    boc_huishang,
    ccb_yujian,
    jinshang,
    jiyuan,
    shanxi_bank,
    shuangbai,
    taian_guanjia,
)
from crm.campaigns.templates.base import Cited, Template
from crm.extensions import db
from crm.products.catalogue import seed_products
from crm.products.models import CampaignProduct, Product

TEMPLATES: dict[str, Template] = {
    module.TEMPLATE.key: module.TEMPLATE
    for module in (shuangbai, boc_huishang, shanxi_bank, jinshang, ccb_yujian, taian_guanjia, jiyuan)
}


def template_choices() -> list[SelectChoice]:
    return [SelectChoice(key, template.label) for key, template in TEMPLATES.items()]


def template_label(key: str | None) -> str | None:
    """The programme's name for a drive's template code (a code no template has is shown as it is)."""
    return TEMPLATES[key].label if key in TEMPLATES else key


def template_flat(template: Template) -> dict[str, Cited]:
    """Each rule of a template under its dotted key (crm.campaigns.rules), with its source: the rules, the
    quotas (as data), each product it offers (True) and the settings no document gives (no source)."""
    return {
        **template.rules,
        **{key: Cited(value, {}) for key, value in template.settings.items()},
        **{cited.value.key: Cited(cited.value.as_data(), cited.source) for cited in template.quotas},
        **{f"products.{cited.value}": Cited(True, cited.source) for cited in template.products},
    }


def template_rules(template: Template) -> tuple[dict, dict]:
    """(column values, sources) of a template: dotted keys nested into the drive's rule fields. A programme
    whose document gives no coverage rule has none: not the software's default."""
    flat = template_flat(template)
    values = dict.fromkeys(COVERAGE_RULES) | nested_rules({key: cited.value for key, cited in flat.items()})
    return values, {key: cited.source for key, cited in flat.items() if cited.source}


def create_campaign_from_template(key: str, name: str, bureau_org, bank_org, territory, starts_on: date,
                                  ends_on: date, actor=None) -> Campaign:
    """A new drive with the template's rules, quotas and products, each with its source; a lead who
    creates it leads it."""
    if key not in TEMPLATES:
        raise ValueError(f"unknown template {key!r}")
    template = TEMPLATES[key]
    values, sources = template_rules(template)
    campaign = Campaign(name=name, template=key, bureau_org=bureau_org, bank_org=bank_org, territory=territory,
                        starts_on=starts_on, ends_on=ends_on, rule_sources=sources, **values)
    db.session.add(campaign)
    db.session.flush()
    seed_products(db.session)
    names = [cited.value for cited in template.products]
    products = db.session.scalars(select(Product).where(Product.name.in_(names))).all() if names else []
    for product in products:
        db.session.add(CampaignProduct(campaign_id=campaign.id, product_id=product.id))
    if actor is not None and actor.has_role("lead"):
        db.session.add(CampaignLead(campaign_id=campaign.id, user_id=actor.id))
    audit.record("create", campaign, summary=f"{name} ({template.label})", actor=actor,
                 changes={"template": [None, key], "products": [None, sorted(p.name for p in products)],
                          **{k: [None, v] for k, v in values.items()}})
    return campaign
