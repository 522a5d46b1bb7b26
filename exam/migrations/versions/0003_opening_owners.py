"""openings belong to people: an owner per opening and the HR users it is shared with

Existing openings go to the HR user who created them (created_by_id).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 09:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import exam.models


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('opening', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_opening_owner_id'), ['owner_id'], unique=False)
        batch_op.create_foreign_key('fk_opening_owner_id_user', 'user', ['owner_id'], ['id'], ondelete='SET NULL')
    op.execute('UPDATE opening SET owner_id = created_by_id')
    op.create_table('openingshare',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opening_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', exam.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opening_id'], ['opening.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('opening_id', 'user_id')
    )
    with op.batch_alter_table('openingshare', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_openingshare_opening_id'), ['opening_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_openingshare_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('openingshare', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_openingshare_user_id'))
        batch_op.drop_index(batch_op.f('ix_openingshare_opening_id'))
    op.drop_table('openingshare')
    with op.batch_alter_table('opening', schema=None) as batch_op:
        batch_op.drop_constraint('fk_opening_owner_id_user', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_opening_owner_id'))
        batch_op.drop_column('owner_id')
