"""The demo drive's fixed numbers, word lists and small helpers, shared by the builder's sections."""

from __future__ import annotations

import base64
import random
import uuid
from dataclasses import dataclass, field
from datetime import date

from crm.demo.rules import drive_rules

CAMPAIGN_NAME = "双百工程普惠授信活动"
CITY_BUREAU = "长治市市场监督管理局"
CITY_BANK = "中国邮政储蓄银行长治市分行"
FOCUS_TRADES = drive_rules()["focus_trades"]  # the drive's rule: the livelihood trades
TIER_WEIGHTS = {"survival": 55, "growth": 30, "development": 15}
# Annual revenue ranges by tier (yuan), after the Shanxi Bank and CCB descriptions in DOMAIN.md.
REVENUE = {
    "survival": (60_000, 600_000),
    "growth": (400_000, 1_500_000),
    "development": (1_200_000, 6_000_000),
}

VISIT_SHARE = 0.35  # merchants visited at least once
NEED_SHARE = 0.40  # first visits that find a financing need
APPLY_SHARE = 0.60  # financing needs that become an application

PURPOSES = (
    "进货周转",
    "店面装修",
    "购置货车",
    "扩大经营规模",
    "购置设备",
    "节日备货",
    "支付租金",
    "开设分店",
)
OTHER_NEEDS = (
    ("申请免费收款二维码牌和云喇叭", "已上门安装收款设备并开通商户收款"),
    ("咨询个体工商户转型升级为企业的办理流程", "基层所已现场指导，材料已预审"),
    ("希望协调市场周边临时停车位", "已反馈市场管理方，增设临时停车区"),
    ("咨询商标注册流程", "已提供商标注册指南并协助网上提交"),
    ("希望参加线上营销培训", "已邀请参加县局组织的电商培训"),
    ("营业执照经营地址变更", "已指导通过“一网通办”完成变更"),
    ("咨询创业担保贷款贴息政策", "已讲解贴息政策，转介人社部门核实资格"),
    ("申请POS机具费率优惠", "已按小微商户优惠费率办理"),
    ("反映手机银行操作不熟练", "客户经理上门演示，已会操作"),
)
VISIT_NOTES_FIRST = (
    "介绍极速贷产品及线上申请流程，留存宣传折页",
    "商户经营稳定，已添加微信便于后续联系",
    "现场讲解随借随还、按日计息",
    "店主外出，与店员沟通并留下联系方式",
    "商户对线上申请有兴趣，约定下周回访",
    "了解经营流水及备货周期",
    "已扫码关注邮储银行公众号",
)
VISIT_NOTES_FOLLOW = (
    "回访了解用款情况，经营正常",
    "商户反映审批速度快，满意",
    "回访收集意见：希望额度再提高",
    "了解节日备货资金需求",
    "回访时商户建议增加网点营业时间",
    "商户已推荐同市场两户商户",
)
FOLLOW_UP_REASONS = ("首访后例行回访", "跟进融资需求办理进度", "了解贷款使用情况及满意度", "回访收集意见建议")
DECLINE_REASONS = (
    "征信存在多次逾期记录",
    "负债率偏高",
    "经营流水不足，暂不符合授信条件",
    "无法提供有效经营证明",
)
CLOSED_NOTES = {
    "no_need": "商户表示近期无融资需求",
    "not_eligible": "经初步审查不符合准入条件",
    "cannot_reach": "多次电话联系未接通，上门未见经营者",
    "declined": "申请未获批准",
    "business_closed": "实地走访发现已停业",
    "duplicate": "与第一批名单重复",
}
CANCEL_NOTES = ("因降雨天气取消，顺延至下月", "与县局专项检查冲突，未能安排")


@dataclass
class _Plan:
    """What happens to one merchant during the drive, decided before any row is made."""

    first_on: date
    kind: str = "first"
    event_id: int | None = None
    by_liaison: bool = False
    need: bool = False
    amount: int = 0
    purpose: str = ""
    applied_on: date | None = None
    outcome: str | None = None  # pending | granted | declined
    decided_on: date | None = None
    declined_reason: str | None = None
    drawn_on: date | None = None
    extra: dict = field(default_factory=dict)


def _token(rng: random.Random) -> str:
    """Like secrets.token_urlsafe(16), but from the seeded stream."""
    return base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "big")).rstrip(b"=").decode()


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
