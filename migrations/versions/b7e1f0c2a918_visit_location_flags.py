"""Visit location flags: how far a visit was from the merchant, and the drive's tolerance.

Revision ID: b7e1f0c2a918
Revises: 177c9e53a50e
Create Date: 2026-12-01 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e1f0c2a918'
down_revision = '177c9e53a50e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_distance_m', sa.Integer(), server_default='500', nullable=False))

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location_flag', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('distance_m', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_visits_location_flag'), ['location_flag'], unique=False)


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_location_flag'))
        batch_op.drop_column('distance_m')
        batch_op.drop_column('location_flag')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('visit_distance_m')
