"""山西银行 百亿送贷 / 惠商保: 山西省市场监管局 + 山西银行 (seeds/002, 附件2)."""
from __future__ import annotations

from crm.campaigns.templates.base import Document, Template

DOC = Document("002", "晋市监发〔2024〕81号《关于合作开展金融支持经营主体发展的活动方案》（山西银行）")
_MATCH = "三、（二）4. 分型分类引领，强化精准服务"

TEMPLATE = Template(
    key="shanxi_bank",
    label="百亿送贷 · 惠商保（山西 · 山西银行）",
    document=DOC,
    rules={
        "base_conditions.nationality": DOC.cite(
            "citizen", "四、（一）1.", "借款人为具有完全民事行为能力的中国公民"),
        "base_conditions.min_age": DOC.cite(20, "四、（一）2.", "借款人申请年龄为 20 至 65 周岁"),
        "base_conditions.max_age": DOC.cite(65, "四、（一）2.", "借款人申请年龄为 20 至 65 周岁"),
        "base_conditions.min_months_trading": DOC.cite(24, "四、（二）2.", "实际经营满2年"),
    },
    products=(
        DOC.cite("惠商易贷", "三、（一）1. 惠商易贷；" + _MATCH, "生存型…可匹配山西银行“惠商易贷”产品"),
        DOC.cite("税e贷", "三、（一）3. 税 e 贷；" + _MATCH, "成长型…可匹配山西银行“税 e 贷”“微业贷”“创担贷”产品"),
        DOC.cite("微业贷", "三、（一）2. 微业贷；" + _MATCH, "成长型…可匹配山西银行“税 e 贷”“微业贷”“创担贷”产品"),
        DOC.cite("房抵e贷", "三、（一）4. 房抵 e 贷；" + _MATCH, "发展型…可匹配山西银行“税 e 贷”“微业贷”“房抵 e 贷”“创担贷”产品"),
        DOC.cite("创担贷", _MATCH, "发展型…可匹配山西银行“税 e 贷”“微业贷”“房抵 e 贷”“创担贷”产品"),
    ),
)
