"""BOC's overdue periods as bank facts; the district coverage rule optional per drive; a drive's targets

bank_facts gains overdue_run_24m and overdue_periods_24m (002 中国银行 准入条件（三）: 近两年无连续3期或
累计6期及以上逾期). campaigns.district_household_threshold and district_coverage_ratio may be empty: the
drive has no coverage rule. The rule is 双百工程's (001 四、（一）): a drive made from another programme's
template that still holds the software's default (no source recorded for either number) loses it; a
rule a lead set on such a drive stays, as the local setting it is. campaigns.targets holds the programme's
targets (晋商银行: 个人普惠客户数较上一年提升30%).

Revision ID: 7d2a9c4e5b13
Revises: 7b2d4e6f8a10
Create Date: 2026-12-02 04:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '7d2a9c4e5b13'
down_revision = '7b2d4e6f8a10'
branch_labels = None
depends_on = None

COVERAGE = ("district_household_threshold", "district_coverage_ratio")
# The templates whose documents give no coverage rule (crm/campaigns/templates/ as of this revision).
WITHOUT_COVERAGE = ("boc_huishang", "shanxi_bank", "jinshang", "ccb_yujian", "taian_guanjia", "jiyuan")

campaigns = sa.table("campaigns", sa.column("id", sa.Integer), sa.column("template", sa.String),
                     sa.column("district_household_threshold", sa.Integer),
                     sa.column("district_coverage_ratio", sa.Numeric), sa.column("rule_sources", sa.JSON))
TYPES = {"district_household_threshold": sa.Integer(), "district_coverage_ratio": sa.Numeric(precision=5, scale=4)}
# What downgrading puts in a drive without a coverage rule: the software's old default.
OLD_DEFAULTS = {"district_household_threshold": "100", "district_coverage_ratio": "0.2"}


def _renew(name: str, nullable: bool) -> None:
    """Add a column of campaigns again with the other nullability, its values kept (a drive without a value
    gets the old default). Plain ALTER TABLEs: on SQLite a batch copy of campaigns would have to drop the
    table that so many others refer to, which foreign keys refuse."""
    kept = f"{name}_kept"
    op.add_column('campaigns', sa.Column(kept, TYPES[name], nullable=True))
    op.execute(f"UPDATE campaigns SET {kept} = {name}")
    op.drop_column('campaigns', name)
    default = None if nullable else OLD_DEFAULTS[name]
    op.add_column('campaigns', sa.Column(name, TYPES[name], nullable=nullable, server_default=default))
    op.execute(f"UPDATE campaigns SET {name} = {kept}" if nullable
               else f"UPDATE campaigns SET {name} = COALESCE({kept}, {default})")
    op.drop_column('campaigns', kept)


def upgrade():
    op.add_column('bank_facts', sa.Column('overdue_run_24m', sa.Integer(), nullable=True))
    op.add_column('bank_facts', sa.Column('overdue_periods_24m', sa.Integer(), nullable=True))
    op.add_column('campaigns', sa.Column('targets', sa.JSON(), server_default='{}', nullable=False))
    for name in COVERAGE:
        _renew(name, nullable=True)
    bind = op.get_bind()
    rows = bind.execute(sa.select(campaigns.c.id, campaigns.c.rule_sources)
                        .where(campaigns.c.template.in_(WITHOUT_COVERAGE))).all()
    defaults = [row.id for row in rows if not set(COVERAGE) & set(row.rule_sources or {})]
    if defaults:
        bind.execute(campaigns.update().where(campaigns.c.id.in_(defaults))
                     .values(district_household_threshold=None, district_coverage_ratio=None))


def downgrade():
    for name in COVERAGE:
        _renew(name, nullable=False)
    op.drop_column('campaigns', 'targets')
    op.drop_column('bank_facts', 'overdue_periods_24m')
    op.drop_column('bank_facts', 'overdue_run_24m')
