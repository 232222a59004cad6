"""every rule of a drive with its source; event quotas as data with a cadence and a scope

campaigns.quotas replaces joint_visit_days_per_month, matchmaking_per_county_per_quarter and
level_visits_per_year; campaigns.rule_sources names each rule's document and clause, or marks it a
local setting. Existing drives keep their numbers: a rule that matches 双百工程 (001) on a 双百 drive is
cited to 001; every other rule a drive already had is marked a local setting recorded before rules
carried their sources, and the three periods no document gives stay defaults unless changed.

Revision ID: 5e1f0c7a9d21
Revises: 982042daf1ef
Create Date: 2026-12-02 01:40:00

"""
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = '5e1f0c7a9d21'
down_revision = '982042daf1ef'
branch_labels = None
depends_on = None

DOC_001 = {"doc": "001", "title": "长市监发〔2025〕50号《“双百工程”普惠授信活动方案》"}
DISTRICTS = {**DOC_001, "clause": "四、（一）加强宣传走访", "quote": "原则上商圈走访应达到100户以上或覆盖率20%以上。"}
CITED_001 = {
    "district_household_threshold": (100, DISTRICTS),
    "district_coverage_ratio": (Decimal("0.2"), DISTRICTS),
    "focus_trades": (["wholesale_retail", "lodging_catering", "transport_logistics"], {
        **DOC_001, "clause": "四、（三）创新服务方式", "quote": "聚焦批发零售、住宿餐饮、交通物流等民生类行业产业客群"}),
    "quotas.joint_visit_day.pair.month": (1, {
        **DOC_001, "clause": "五、（三）1. “一镇一专员”结对服务",
        "quote": "服务动作：每月开展“联合走访日”（重点商圈/乡镇驻点办公）"}),
    "quotas.matchmaking.county.quarter": (1, {
        **DOC_001, "clause": "五、（一）1. 县域全覆盖计划",
        "quote": "按季度开展“普惠金融进乡镇”活动，每县（区）至少举办 1 场银企对接会"}),
}
DEFAULTS = {"referral_contact_days": 7, "follow_up_interval_days": 30, "need_due_days": 15,
            "district_household_threshold": 100, "district_coverage_ratio": Decimal("0.2")}
EARLIER = {"local": True, "by": None, "user_id": None, "on": None}
OLD_QUOTAS = (("joint_visit_days_per_month", "joint_visit_day", "month", "pair"),
              ("matchmaking_per_county_per_quarter", "matchmaking", "quarter", "county"),
              ("level_visits_per_year", "level_visit", "year", "level_pair"))

campaigns = sa.table(
    "campaigns", sa.column("id", sa.Integer), sa.column("template", sa.String),
    sa.column("district_household_threshold", sa.Integer), sa.column("district_coverage_ratio", sa.Numeric),
    sa.column("referral_contact_days", sa.Integer), sa.column("follow_up_interval_days", sa.Integer),
    sa.column("need_due_days", sa.Integer), sa.column("focus_trades", sa.JSON), sa.column("tier_caps", sa.JSON),
    sa.column("base_conditions", sa.JSON), sa.column("plaque_criteria", sa.JSON),
    sa.column("quotas", sa.JSON), sa.column("rule_sources", sa.JSON),
    *(sa.column(name, sa.Integer) for name, *_rest in OLD_QUOTAS),
)


def _sources(row, quotas: list) -> dict:
    values = {name: getattr(row, name) for name in DEFAULTS}
    values["focus_trades"] = row.focus_trades or []
    for name in ("tier_caps", "base_conditions", "plaque_criteria"):
        for key, value in (getattr(row, name) or {}).items():
            values[f"{name}.{key}"] = value
    for quota in quotas:
        values[f"quotas.{quota['event']}.{quota['scope']}.{quota['cadence']}"] = quota["count"]
    sources = {}
    for key, value in values.items():
        cited = CITED_001.get(key) if row.template == "shuangbai" else None
        if cited is not None and cited[0] == value:
            sources[key] = cited[1]
        elif key in DEFAULTS and DEFAULTS[key] == value:
            continue  # a default no document gives, as before
        elif value not in (None, [], {}):
            sources[key] = EARLIER
    return sources


def upgrade():
    op.add_column('campaigns', sa.Column('quotas', sa.JSON(), server_default='[]', nullable=False))
    op.add_column('campaigns', sa.Column('rule_sources', sa.JSON(), server_default='{}', nullable=False))
    bind = op.get_bind()
    for row in bind.execute(sa.select(campaigns)).all():
        quotas = [{"event": event, "count": getattr(row, name), "cadence": cadence, "scope": scope}
                  for name, event, cadence, scope in OLD_QUOTAS if getattr(row, name)]
        bind.execute(campaigns.update().where(campaigns.c.id == row.id).values(
            quotas=quotas, rule_sources=_sources(row, quotas)))
    for name, *_rest in OLD_QUOTAS:
        op.drop_column('campaigns', name)


def downgrade():
    for name, *_rest in OLD_QUOTAS:
        op.add_column('campaigns', sa.Column(name, sa.Integer(), server_default='0', nullable=False))
    bind = op.get_bind()
    for row in bind.execute(sa.select(campaigns.c.id, campaigns.c.quotas)).all():
        counts = {}
        for quota in row.quotas or []:
            for name, event, cadence, scope in OLD_QUOTAS:
                if (quota["event"], quota["cadence"], quota["scope"]) == (event, cadence, scope):
                    counts[name] = quota["count"]
        if counts:
            bind.execute(campaigns.update().where(campaigns.c.id == row.id).values(**counts))
    op.drop_column('campaigns', 'rule_sources')
    op.drop_column('campaigns', 'quotas')
