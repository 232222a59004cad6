"""Sync change log indexed by (resource, deleted, seq): live records and tombstones each one range scan.

Revision ID: 9d4e2b7c1a05
Revises: 5c0f3e9a1d27
Create Date: 2026-12-02 04:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9d4e2b7c1a05'
down_revision = '5c0f3e9a1d27'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_changes', schema=None) as batch_op:
        batch_op.create_index('ix_sync_changes_resource_deleted_seq', ['resource', 'deleted', 'seq'], unique=False)
        batch_op.drop_index('ix_sync_changes_resource_seq')


def downgrade():
    with op.batch_alter_table('sync_changes', schema=None) as batch_op:
        batch_op.create_index('ix_sync_changes_resource_seq', ['resource', 'seq'], unique=False)
        batch_op.drop_index('ix_sync_changes_resource_deleted_seq')
