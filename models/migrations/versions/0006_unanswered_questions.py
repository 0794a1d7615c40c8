"""unanswered questions kept for staff review; each member's last FAQ question

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('unanswered_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('best_intent', sa.String(length=64), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assigned_intent', sa.String(length=64), nullable=True),
    sa.Column('assigned_by', sa.Integer(), nullable=True),
    sa.Column('assigned_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by'], ['members.id'],
                            name=op.f('fk_unanswered_questions_assigned_by_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unanswered_questions'))
    )
    op.create_table('recent_questions',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('asked_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('intent', sa.String(length=64), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'],
                            name=op.f('fk_recent_questions_member_id_members')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_recent_questions'))
    )
    op.create_index(op.f('ix_recent_questions_asked_at'), 'recent_questions', ['asked_at'],
                    unique=False)
    op.create_index(op.f('ix_unanswered_questions_created_at'), 'unanswered_questions',
                    ['created_at'], unique=False)
    op.create_index(op.f('ix_unanswered_questions_status'), 'unanswered_questions',
                    ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_unanswered_questions_status'), table_name='unanswered_questions')
    op.drop_index(op.f('ix_unanswered_questions_created_at'), table_name='unanswered_questions')
    op.drop_table('unanswered_questions')
    op.drop_index(op.f('ix_recent_questions_asked_at'), table_name='recent_questions')
    op.drop_table('recent_questions')
