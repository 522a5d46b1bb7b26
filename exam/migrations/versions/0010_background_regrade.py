"""rubric regrades run in a background job: status, progress, lease, finish time and error of each regrade

Revision ID: 0010
Revises: 0008 (the integrator re-chains it after 0009)
Create Date: 2026-12-07 02:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import exam.models


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('rubricregrade', schema=None) as batch_op:
        # regrades made before this migration ran in their request: they are done
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='done'))
        batch_op.add_column(sa.Column('done', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('lease_until', exam.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('finished_at', exam.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_rubricregrade_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rubricregrade', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rubricregrade_status'))
        batch_op.drop_column('error')
        batch_op.drop_column('finished_at')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('done')
        batch_op.drop_column('status')
