"""outbox.conversation_id: the conversation whose question a message asks

A conversation started while a batch of inputs is handled is inserted with the rest of the
batch; its buttons carry its id, filled in when the outbox row is written after it
(bot.conversations.button_rows).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conversation_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('conversation_id')
