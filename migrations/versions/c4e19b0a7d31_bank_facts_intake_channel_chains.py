"""Bank facts for bank criteria; the intake channel (QR form or service window); chain roles on referrals.

Revision ID: c4e19b0a7d31
Revises: ae6b2c40b204
Create Date: 2026-12-02 01:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e19b0a7d31'
down_revision = 'ae6b2c40b204'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bank_facts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('merchant_id', sa.Integer(), nullable=False),
        sa.Column('bank_org_id', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('loan_months', sa.Integer(), nullable=True),
        sa.Column('bad_loans', sa.Boolean(), nullable=True),
        sa.Column('overdue_12m', sa.Integer(), nullable=True),
        sa.Column('credit_line', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('false_reporting', sa.Boolean(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['bank_org_id'], ['organizations.id'], name=op.f('fk_bank_facts_bank_org_id_organizations')),
        sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_bank_facts_merchant_id_merchants')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_bank_facts_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_facts')),
    )
    with op.batch_alter_table('bank_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_facts_bank_org_id'), ['bank_org_id'], unique=False)
        batch_op.create_index('ix_bank_facts_merchant_as_of', ['merchant_id', 'as_of'], unique=False)

    # Every submission stored so far came from the public QR form.
    with op.batch_alter_table('intake_submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=16), server_default='qr', nullable=False))
        batch_op.add_column(sa.Column('entered_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_intake_submissions_entered_by_id_users'), 'users', ['entered_by_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_intake_submissions_channel'), ['channel'], unique=False)
    with op.batch_alter_table('intake_submissions', schema=None) as batch_op:
        batch_op.alter_column('channel', server_default=None)

    # Plain ALTER TABLE: a batch copy of referrals would rebuild a large table for one nullable column.
    op.add_column('referrals', sa.Column('chain_role', sa.String(length=16), nullable=True))


def downgrade():
    op.drop_column('referrals', 'chain_role')

    with op.batch_alter_table('intake_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_submissions_channel'))
        batch_op.drop_constraint(batch_op.f('fk_intake_submissions_entered_by_id_users'), type_='foreignkey')
        batch_op.drop_column('entered_by_id')
        batch_op.drop_column('channel')

    with op.batch_alter_table('bank_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_facts_merchant_as_of')
        batch_op.drop_index(batch_op.f('ix_bank_facts_bank_org_id'))

    op.drop_table('bank_facts')
