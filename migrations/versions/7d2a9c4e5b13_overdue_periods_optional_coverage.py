"""BOC's overdue periods as bank facts; the district coverage rule optional per drive; a drive's targets

bank_facts gains overdue_run_24m and overdue_periods_24m (002 中国银行 准入条件（三）: 近两年无连续3期或
累计6期及以上逾期). campaigns.district_household_threshold and district_coverage_ratio may be empty: the
drive has no coverage rule. The rule is 双百工程's (001 四、（一）): a drive made from another programme's
template that still holds the software's default (no source recorded for either number) loses it; a
rule a lead set on such a drive stays, as the local setting it is. campaigns.targets holds the programme's
targets (晋商银行: 个人普惠客户数较上一年提升30%).

Revision ID: 7d2a9c4e5b13
Revises: 5c0f3e9a1d27
Create Date: 2026-12-02 04:20:00

"""
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = '7d2a9c4e5b13'
down_revision = '5c0f3e9a1d27'
branch_labels = None
depends_on = None

COVERAGE = ("district_household_threshold", "district_coverage_ratio")
# The templates whose documents give no coverage rule (crm/campaigns/templates/ as of this revision).
WITHOUT_COVERAGE = ("boc_huishang", "shanxi_bank", "jinshang", "ccb_yujian", "taian_guanjia", "jiyuan")

campaigns = sa.table("campaigns", sa.column("id", sa.Integer), sa.column("template", sa.String),
                     sa.column("district_household_threshold", sa.Integer),
                     sa.column("district_coverage_ratio", sa.Numeric), sa.column("rule_sources", sa.JSON))


def upgrade():
    with op.batch_alter_table('bank_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_run_24m', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('overdue_periods_24m', sa.Integer(), nullable=True))
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.alter_column('district_household_threshold', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('district_coverage_ratio', existing_type=sa.Numeric(precision=5, scale=4),
                              nullable=True)
        batch_op.add_column(sa.Column('targets', sa.JSON(), server_default='{}', nullable=False))
    bind = op.get_bind()
    rows = bind.execute(sa.select(campaigns.c.id, campaigns.c.rule_sources)
                        .where(campaigns.c.template.in_(WITHOUT_COVERAGE))).all()
    defaults = [row.id for row in rows if not set(COVERAGE) & set(row.rule_sources or {})]
    if defaults:
        bind.execute(campaigns.update().where(campaigns.c.id.in_(defaults))
                     .values(district_household_threshold=None, district_coverage_ratio=None))


def downgrade():
    bind = op.get_bind()
    bind.execute(campaigns.update().where(campaigns.c.district_household_threshold.is_(None))
                 .values(district_household_threshold=100, district_coverage_ratio=Decimal("0.2")))
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('targets')
        batch_op.alter_column('district_coverage_ratio', existing_type=sa.Numeric(precision=5, scale=4),
                              nullable=False)
        batch_op.alter_column('district_household_threshold', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('bank_facts', schema=None) as batch_op:
        batch_op.drop_column('overdue_periods_24m')
        batch_op.drop_column('overdue_run_24m')
