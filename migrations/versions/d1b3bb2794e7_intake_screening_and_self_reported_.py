"""Intake screening: a public-form submission waits for the pair's liaison; self-reported merchants.

Revision ID: d1b3bb2794e7
Revises: b7e1f0c2a918
Create Date: 2026-12-01 21:36:47.734187

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1b3bb2794e7'
down_revision = 'b7e1f0c2a918'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('intake_submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_version', sa.String(length=16), nullable=True))
        # Submissions stored before screening existed all landed on their pair's list at once.
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='landed', nullable=False))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_intake_submissions_decided_by_id_users'), 'users', ['decided_by_id'], ['id'])
    with op.batch_alter_table('intake_submissions', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)

    # Plain ALTER TABLE: a batch copy of merchants trips SQLite's foreign keys once visits refer to them.
    op.add_column('merchants', sa.Column('self_reported', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    op.drop_column('merchants', 'self_reported')

    with op.batch_alter_table('intake_submissions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_intake_submissions_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('status')
        batch_op.drop_column('consent_version')

