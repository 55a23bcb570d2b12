"""patients: when the bot asked the direct safety question and is waiting for the answer

A possible crisis (triage's middle band) makes the bot ask the patient directly; while the
answer is awaited, the patient's next message is read as that answer (bot.safety.question).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('patients') as batch:
        batch.add_column(sa.Column('safety_question_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('patients') as batch:
        batch.drop_column('safety_question_at')
