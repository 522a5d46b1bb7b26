"""attempt ranking index (opening, hard requirements met, hiring score)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 05:00:00
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.create_index('ix_attempt_opening_rank', ['opening_id', 'hard_requirements_met', 'hiring_score'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_attempt_opening_rank')
