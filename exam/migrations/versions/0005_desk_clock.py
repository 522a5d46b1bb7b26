"""desk clock: the hot index of the reception simulation's desks

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-06 20:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import exam.models

revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'deskclock',
        sa.Column('answer_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('due_at', exam.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('ends_at', exam.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', exam.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['answer_id'], ['answer.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('answer_id'),
    )


def downgrade() -> None:
    op.drop_table('deskclock')
