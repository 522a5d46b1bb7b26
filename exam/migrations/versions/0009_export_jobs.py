"""exports that run in the background: export jobs and the pieces of their files

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 02:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import exam.models


revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('exportjob',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opening_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=True),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('lease_until', exam.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', exam.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', exam.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', exam.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', exam.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['opening_id'], ['opening.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('exportjob', schema=None) as batch_op:
        batch_op.create_index('ix_exportjob_due', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_exportjob_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_exportjob_opening_id'), ['opening_id'], unique=False)

    op.create_table('exportchunk',
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['exportjob.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'seq')
    )


def downgrade() -> None:
    op.drop_table('exportchunk')
    with op.batch_alter_table('exportjob', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exportjob_opening_id'))
        batch_op.drop_index(batch_op.f('ix_exportjob_expires_at'))
        batch_op.drop_index('ix_exportjob_due')

    op.drop_table('exportjob')
