"""insert sentinels: a `_sentinel` column on the tables a batch of inputs inserts into

SQLAlchemy can insert many rows in one statement and match the new ids to their objects only
with a sentinel column on SQLite (bot.storage.models.InsertedInBatches); without it every row
is an INSERT of its own, which was most of the cost of a batch.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TABLES = ('conversations', 'answers', 'scores', 'messages', 'alerts', 'outbox', 'jobs', 'audit')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('_sentinel', sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('_sentinel')
