"""A drive's own terms for a product it offers (caps, amount, term, rate, area), apart from the catalogue's.

Revision ID: 7b2d4e6f8a10
Revises: 9d4e2b7c1a05
Create Date: 2026-12-02 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b2d4e6f8a10'
down_revision = '9d4e2b7c1a05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign_products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terms', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    with op.batch_alter_table('campaign_products', schema=None) as batch_op:
        batch_op.drop_column('terms')
