"""Products the programme notices name (seeds/001 and 002), as each document states them.

A product the notice only names (the 民生贷 matrix of 001) has no amount or term: those are the bank's
to state. Rule keys as in crm.products.catalogue.
"""
from __future__ import annotations

PSBC_CHANGZHI = "中国邮政储蓄银行长治市分行"
BOC_SHANXI = "中国银行山西省分行"
SHANXI_BANK = "山西银行"
JINSHANG = "晋商银行"


def _item(name, bank, description, max_amount=None, term_months=None, rate_text=None, **rules) -> dict:
    return {"name": name, "bank_name": bank, "description": description, "max_amount": max_amount,
            "term_months": term_months, "rate_text": rate_text, "rules": rules}


_MINSHENG = ("“双百工程”“民生贷”产品矩阵（长市监发〔2025〕50号 五、（二）1.）：对批发零售、住宿餐饮、交通物流等民生类"
             "行业产业客群量身适配的专属金融服务，开辟绿色通道，优先办理。额度、期限以银行审批为准。")
_BOC_USE = "仅用于借款人日常生产经营周转。"
_GROWN = ["growth", "development"]

PROGRAMME_PRODUCTS: list[dict] = [
    *(_item(name, PSBC_CHANGZHI, _MINSHENG)
      for name in ("商贸贷", "农贸贷", "连锁贷", "医药贷", "烟草贷", "运输贷", "住宿餐饮贷")),
    _item("惠商贷", BOC_SHANXI,
          "“三型四类”线下个人经营贷款（晋市监发〔2024〕80号）：经营实体成立一年及以上，被标记为“三型”或认定为“名特优新”"
          "且在有效期内；授信总量不超过营业收入20%；生存型≤10万元，成长型≤20万元，发展型≤30万元，“名特优新”≤100万元。"
          + _BOC_USE,
          1_000_000, 12, "利率执行区间3.5%至4.0%（年利率可低至3.5%）",
          tiers=["survival", "growth", "development"], kinds=["individual"], min_months_trading=12),
    _item("商E贷", BOC_SHANXI, "“惠如愿·商E贷”：药商、酒商等17个重点场景领域个体工商户的信用类线上个人经营贷款。" + _BOC_USE,
          1_000_000, 12, "年利率可低至3.5%", kinds=["individual"]),
    _item("益农快贷", BOC_SHANXI, "从事种植业、养殖业的农户的信用类线上个人经营贷款：种植类最高50万元，养殖类最高100万元。"
          + _BOC_USE, 1_000_000, 12, "年利率可低至3.5%", trades=["agriculture"]),
    _item("烟商E贷", BOC_SHANXI, "全省烟草零售商借款人的信用类线上个人经营贷款（授权获取烟草购销数据）。" + _BOC_USE,
          1_000_000, 12, "年利率可低至3.5%", trades=["wholesale_retail"]),
    _item("惠商易贷", SHANXI_BANK, "线上经营性贷款，匹配“生存型”个体工商户；授信期限内随借随还。",
          100_000, 24, "贷款利率最低可达3.8%", tiers=["survival"]),
    _item("税e贷", SHANXI_BANK, "依法纳税的小微企业主的经营性信用贷款，匹配“成长型”“发展型”。",
          2_000_000, 12, "贷款利率低至4%", tiers=_GROWN),
    _item("微业贷", SHANXI_BANK, "与微众银行合作的联合贷款，纯信用、全线上，匹配“成长型”“发展型”。",
          3_000_000, None, None, tiers=_GROWN),
    _item("房抵e贷", SHANXI_BANK, "个体工商户和小微企业主的房产抵押贷款，匹配“发展型”。",
          5_000_000, 120, "贷款利率低至3.8%", tiers=["development"], caps={"mortgage": 5_000_000}),
    _item("创担贷", SHANXI_BANK, "匹配“成长型”“发展型”（晋市监发〔2024〕81号 三、（二）4.）；额度、期限以银行审批为准。",
          tiers=_GROWN),
    _item("晋商e贷·码上贷", JINSHANG,
          "个体工商户经营者或小微企业法定代表人的线上小额信用贷款：单户最高50万元，授信期限最长36个月，单笔用信期限最长13个月；"
          "按月结息，随借随还。", 500_000, 36, "固定利率，年化起息3.75%，根据客户评级确定"),
]
