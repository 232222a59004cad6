"""Webhook subscriptions: endpoints an admin registers for domain events, delivered through the outbox.

Revision ID: 982042daf1ef
Revises: c4e19b0a7d31
Create Date: 2026-12-02 01:00:04.359253

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '982042daf1ef'
down_revision = 'c4e19b0a7d31'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webhook_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_webhook_subscriptions_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriptions'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subscription_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_messages_subscription_id'), ['subscription_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_subscription_id_webhook_subscriptions'), 'webhook_subscriptions', ['subscription_id'], ['id'], ondelete='CASCADE')



def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_subscription_id_webhook_subscriptions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_subscription_id'))
        batch_op.drop_column('subscription_id')

    op.drop_table('webhook_subscriptions')
