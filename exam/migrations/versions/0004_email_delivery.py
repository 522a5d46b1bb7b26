"""invitation e-mails: the emaildelivery table (queue, retries and status per invitation)

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-06 21:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import exam.models

revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('emaildelivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('base_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', exam.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', exam.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', exam.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', exam.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('emaildelivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emaildelivery_invitation_id'), ['invitation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emaildelivery_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_emaildelivery_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('emaildelivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emaildelivery_status'))
        batch_op.drop_index(batch_op.f('ix_emaildelivery_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_emaildelivery_invitation_id'))

    op.drop_table('emaildelivery')
