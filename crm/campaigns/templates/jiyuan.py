"""济源 weekly online matchmaking: 每周三一次线上银企对接 (seeds/004)."""
from __future__ import annotations

from crm.campaigns.rules import Quota
from crm.campaigns.templates.base import Document, Template

DOC = Document("004", "济管财金〔2022〕25号《济源示范区金融业高质量服务小微企业的指导意见》")

TEMPLATE = Template(
    key="jiyuan",
    label="线上银企对接（济源）",
    document=DOC,
    quotas=(
        DOC.cite(Quota("matchmaking", 1, "week", "drive", weekday=3), "二、（七）全面推广应用信用信息平台，加强银企对接",
                 "利用各种信息共享平台和技术手段，坚持每周三一次常态化开展线上银企对接活动"),
    ),
)
