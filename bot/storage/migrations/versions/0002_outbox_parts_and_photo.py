"""outbox: parts already sent of a long message, and the photo's bytes

A long text goes out as several Telegram messages; `parts_sent` lets a retry continue after
the last part that arrived instead of sending the first ones again. `photo` holds the image
itself, so whichever process sends the row can read it (charts are drawn on one machine).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parts_sent', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('photo', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('photo')
        batch_op.drop_column('parts_sent')
