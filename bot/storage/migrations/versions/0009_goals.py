"""goals: a patient's own goals (one to three, in their words) and how each went, week by week

Onboarding and /goals set them (bot.goals); the weekly goal review rates each 0-10 with an
optional note; clinicians see them and their trend (/patient, the dashboard). Changing goals
ends the old ones (`ended_at`), so earlier ratings keep the goal they were about. /delete
erases both tables' rows of the patient.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'goals',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('patient_id', sa.String(length=64), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('set_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_goals_patient_id', 'goals', ['patient_id'])
    op.create_table(
        'goal_ratings',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('goal_id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.String(length=64), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['goal_id'], ['goals.id']),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_goal_ratings_goal_id', 'goal_ratings', ['goal_id'])
    op.create_index('ix_goal_ratings_patient_id', 'goal_ratings', ['patient_id'])


def downgrade() -> None:
    op.drop_index('ix_goal_ratings_patient_id', table_name='goal_ratings')
    op.drop_index('ix_goal_ratings_goal_id', table_name='goal_ratings')
    op.drop_table('goal_ratings')
    op.drop_index('ix_goals_patient_id', table_name='goals')
    op.drop_table('goals')
