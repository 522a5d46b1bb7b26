"""api tokens: HR users' tokens for the JSON API, and the log of their uses

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 23:15:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import sqlmodel

import exam.models

revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'apitoken',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('created_at', exam.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', exam.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', exam.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', exam.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index(op.f('ix_apitoken_user_id'), 'apitoken', ['user_id'], unique=False)
    op.create_table(
        'apitokenuse',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('at', exam.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('path', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(['token_id'], ['apitoken.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_apitokenuse_token_at', 'apitokenuse', ['token_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_apitokenuse_token_at', table_name='apitokenuse')
    op.drop_table('apitokenuse')
    op.drop_index(op.f('ix_apitoken_user_id'), table_name='apitoken')
    op.drop_table('apitoken')
