"""The figures' ledger: a drive's facts per day and per month, kept with the records; the snapshots go.

Revision ID: 5c0f3e9a1d27
Revises: 5e1f0c7a9d21
Create Date: 2026-12-02 01:40:00

The ledger is filled from the records here (crm.reports.ledger.rebuild), so the figures of an
existing database are whole the moment it is upgraded; `flask crm reports rebuild` does the same
on demand, `flask crm reports check` compares and repairs.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c0f3e9a1d27'
down_revision = '5e1f0c7a9d21'
branch_labels = None
depends_on = None

KEY = ('campaign_id', 'grain', 'depth', 'span', 'day', 'county_id', 'town_id', 'district_id', 'trade', 'tier', 'key')


def upgrade():
    with op.batch_alter_table('rollup_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_facts_snapshot_grain_depth')
    op.drop_table('rollup_facts')
    op.drop_table('rollup_snapshots')
    op.create_table('rollup_day_facts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('grain', sa.String(length=8), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('span', sa.String(length=1), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('trade', sa.String(length=32), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('visits', sa.BigInteger(), nullable=False),
    sa.Column('sat_sum', sa.BigInteger(), nullable=False),
    sa.Column('sat_n', sa.BigInteger(), nullable=False),
    sa.Column('visited_m', sa.BigInteger(), nullable=False),
    sa.Column('visited_q', sa.BigInteger(), nullable=False),
    sa.Column('visited_d', sa.BigInteger(), nullable=False),
    sa.Column('applications', sa.BigInteger(), nullable=False),
    sa.Column('first_time_borrowers_m', sa.BigInteger(), nullable=False),
    sa.Column('first_time_borrowers_q', sa.BigInteger(), nullable=False),
    sa.Column('first_time_borrowers_d', sa.BigInteger(), nullable=False),
    sa.Column('merchants_granted_m', sa.BigInteger(), nullable=False),
    sa.Column('merchants_granted_q', sa.BigInteger(), nullable=False),
    sa.Column('merchants_granted_d', sa.BigInteger(), nullable=False),
    sa.Column('first_loans', sa.BigInteger(), nullable=False),
    sa.Column('referrals', sa.BigInteger(), nullable=False),
    sa.Column('referrals_overdue', sa.BigInteger(), nullable=False),
    sa.Column('needs_open', sa.BigInteger(), nullable=False),
    sa.Column('needs_closed', sa.BigInteger(), nullable=False),
    sa.Column('applied_amount', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('granted_amount', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('drawn_amount', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('rate_num', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('rate_den', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('cohort_granted_amount', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.Column('cohort_drawn_amount', sa.Numeric(precision=20, scale=6), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_day_facts'))
    )
    with op.batch_alter_table('rollup_day_facts', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_day_facts_county', ['county_id'], unique=False)
        batch_op.create_index('uq_rollup_day_facts_key', list(KEY), unique=True)

    from crm.reports import ledger  # the one definition of every fact, run on the migration's connection
    ledger.rebuild(op.get_bind())


def downgrade():
    with op.batch_alter_table('rollup_day_facts', schema=None) as batch_op:
        batch_op.drop_index('uq_rollup_day_facts_key')
        batch_op.drop_index('ix_rollup_day_facts_county')
    op.drop_table('rollup_day_facts')
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
