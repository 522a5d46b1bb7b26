"""statistics, blind scores, hire outcomes, regrades

Item exposure starts from the papers already drawn (one answer row per question and paper); the time
spent per item (answer.seconds) is unknown for answers saved before this revision.

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-06 20:19:23.640175
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import exam.models


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('questionexposure',
    sa.Column('question_id', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('seen', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('question_id')
    )
    op.create_table('statssnapshot',
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('computed_at', exam.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('marker', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('scope')
    )
    op.create_table('rubricregrade',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('from_version', sa.Integer(), nullable=False),
    sa.Column('to_version', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', exam.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rubricregrade', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rubricregrade_question_id'), ['question_id'], unique=False)

    op.create_table('hireoutcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('opening_id', sa.Integer(), nullable=False),
    sa.Column('probation_passed', sa.Boolean(), nullable=True),
    sa.Column('conversion_rate', sa.Float(), nullable=True),
    sa.Column('response_time', sa.Float(), nullable=True),
    sa.Column('reply_rate', sa.Float(), nullable=True),
    sa.Column('bad_review_rate', sa.Float(), nullable=True),
    sa.Column('satisfaction', sa.Float(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', exam.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opening_id'], ['opening.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('attempt_id')
    )
    with op.batch_alter_table('hireoutcome', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hireoutcome_opening_id'), ['opening_id'], unique=False)

    op.create_table('rankchange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regrade_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('opening_id', sa.Integer(), nullable=False),
    sa.Column('old_score', sa.Float(), nullable=True),
    sa.Column('new_score', sa.Float(), nullable=True),
    sa.Column('old_rank', sa.Integer(), nullable=True),
    sa.Column('new_rank', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opening_id'], ['opening.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['regrade_id'], ['rubricregrade.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rankchange', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rankchange_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rankchange_opening_id'), ['opening_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rankchange_regrade_id'), ['regrade_id'], unique=False)

    op.create_table('blindscore',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('created_at', exam.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answer.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('answer_id', 'rater_id')
    )
    with op.batch_alter_table('blindscore', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blindscore_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_blindscore_question_id'), ['question_id'], unique=False)

    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seconds', sa.Float(), nullable=True))

    op.execute(
        "INSERT INTO questionexposure (question_id, seen) "
        "SELECT question_id, COUNT(*) FROM answer GROUP BY question_id"
    )


def downgrade() -> None:
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_column('seconds')

    with op.batch_alter_table('blindscore', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blindscore_question_id'))
        batch_op.drop_index(batch_op.f('ix_blindscore_answer_id'))

    op.drop_table('blindscore')
    with op.batch_alter_table('rankchange', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rankchange_regrade_id'))
        batch_op.drop_index(batch_op.f('ix_rankchange_opening_id'))
        batch_op.drop_index(batch_op.f('ix_rankchange_attempt_id'))

    op.drop_table('rankchange')
    with op.batch_alter_table('hireoutcome', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hireoutcome_opening_id'))

    op.drop_table('hireoutcome')
    with op.batch_alter_table('rubricregrade', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rubricregrade_question_id'))

    op.drop_table('rubricregrade')
    op.drop_table('statssnapshot')
    op.drop_table('questionexposure')
