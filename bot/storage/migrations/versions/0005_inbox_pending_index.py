"""inbox: a partial index of the pending updates only

The inbox keeps a week of handled updates, and every second each process looks for chats
with updates still pending (bot.telegram.inbox.PENDING_CHATS). Without this index that look
read the whole table (300,000 rows: 24 ms on PostgreSQL, each second, in each process); with
it, only the few pending rows (0.05 ms).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index('ix_inbox_pending', 'inbox', ['chat_key', 'update_id'],
                    postgresql_where=PENDING, sqlite_where=PENDING)


def downgrade() -> None:
    op.drop_index('ix_inbox_pending', table_name='inbox')
