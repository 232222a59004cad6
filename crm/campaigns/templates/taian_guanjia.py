"""金融管家 (泰安): a bank team paired to a set of enterprises, their needs logged and closed (seeds/003).

The collection of practices gives no number a drive could enforce (no visit count, no deadline for a
need, no cap): the template brings the drive's shape and leaves every number to the drive's lead.
"""
from __future__ import annotations

from crm.campaigns.templates.base import Document, Template

DOC = Document("003", "泰金监字〔2023〕2号《2022年全市金融创新典型做法》（新泰市、肥城市“金融管家”）")

TEMPLATE = Template(key="taian_guanjia", label="金融管家（泰安）", document=DOC)
