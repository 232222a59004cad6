"""Rollup snapshots: a period's facts stored per place, read by every report.

Revision ID: 177c9e53a50e
Revises: 4522d3944f83
Create Date: 2026-11-23 19:41:48.351727

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '177c9e53a50e'
down_revision = '4522d3944f83'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rollup_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_rollup_snapshots_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_snapshots')),
    sa.UniqueConstraint('campaign_id', 'period', name='uq_rollup_snapshots_campaign_period')
    )
    op.create_table('rollup_facts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('grain', sa.String(length=8), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=True),
    sa.Column('town_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('trade', sa.String(length=32), nullable=True),
    sa.Column('tier', sa.String(length=16), nullable=True),
    sa.Column('key', sa.String(length=32), nullable=True),
    sa.Column('visits', sa.BigInteger(), nullable=False),
    sa.Column('merchants_visited', sa.BigInteger(), nullable=False),
    sa.Column('sat_sum', sa.BigInteger(), nullable=False),
    sa.Column('sat_n', sa.BigInteger(), nullable=False),
    sa.Column('applications', sa.BigInteger(), nullable=False),
    sa.Column('applied_amount', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('granted_amount', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('drawn_amount', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('first_time_borrowers', sa.BigInteger(), nullable=False),
    sa.Column('rate_num', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('rate_den', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('referrals', sa.BigInteger(), nullable=False),
    sa.Column('referrals_overdue', sa.BigInteger(), nullable=False),
    sa.Column('needs_open', sa.BigInteger(), nullable=False),
    sa.Column('needs_closed', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['rollup_snapshots.id'], name=op.f('fk_rollup_facts_snapshot_id_rollup_snapshots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_facts'))
    )
    with op.batch_alter_table('rollup_facts', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_facts_snapshot_grain_depth', ['snapshot_id', 'grain', 'depth', 'county_id', 'town_id'], unique=False)



def downgrade():
    with op.batch_alter_table('rollup_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_facts_snapshot_grain_depth')

    op.drop_table('rollup_facts')
    op.drop_table('rollup_snapshots')
