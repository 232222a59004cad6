"""Registry hash per merchant (an unchanged re-import skips the row); indexes on follow-ups' visits.

Deleting a visit looked for follow-ups made or closed by it by scanning all of them.

Revision ID: fff07e8858c5
Revises: 38368b790d45
Create Date: 2026-12-01 21:55:26.358847

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fff07e8858c5'
down_revision = '38368b790d45'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_done_visit_id'), ['done_visit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_source_visit_id'), ['source_visit_id'], unique=False)

    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registry_hash', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.drop_column('registry_hash')

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_source_visit_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_done_visit_id'))
