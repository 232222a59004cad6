"""The figures' ledger laid out in key order, with room on each page for its rows' updates (PostgreSQL).

Revision ID: 8d2b6f4a1c93
Revises: 7d2a9c4e5b13
Create Date: 2026-12-02 04:20:00

A period's figures read the rows of one grain, depth and span over a run of days: in key order they
lie together instead of one to a page (at province scale the 42,830 district-month rows of the coverage
map lay on 43,051 pages, in key order on 1,844). The rebuild writes rows in key order (crm.reports.ledger);
this lays out the rows written before it once. Fillfactor 90 leaves room on each page so that the
ledger's constant updates stay on their row's page (HOT) and keep the order. Nothing to do on SQLite,
which keeps a table in its rowid order and has no fillfactor.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8d2b6f4a1c93'
down_revision = '7d2a9c4e5b13'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('ALTER TABLE rollup_day_facts SET (fillfactor = 90)')
    op.execute('CLUSTER rollup_day_facts USING uq_rollup_day_facts_key')
    op.execute('ANALYZE rollup_day_facts')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('ALTER TABLE rollup_day_facts RESET (fillfactor)')
