"""private chats apart from group chats, bind requests and per-card lockout, notices with
buttons to any chat, members-only events

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-03 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('bind_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roster_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['members.id'],
                            name=op.f('fk_bind_requests_decided_by_members')),
    sa.ForeignKeyConstraint(['holder_id'], ['members.id'],
                            name=op.f('fk_bind_requests_holder_id_members')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'],
                            name=op.f('fk_bind_requests_member_id_members')),
    sa.ForeignKeyConstraint(['roster_id'], ['roster.id'],
                            name=op.f('fk_bind_requests_roster_id_roster')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bind_requests'))
    )
    with op.batch_alter_table('bind_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bind_requests_roster_id'), ['roster_id'],
                              unique=False)
    with op.batch_alter_table('bind_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_number', sa.String(length=24), nullable=True))
        batch_op.create_index(batch_op.f('ix_bind_attempts_card_number'), ['card_number'],
                              unique=False)
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('members_only', sa.Boolean(), nullable=True))
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('private_chat_id', sa.String(length=128), nullable=True))
    # A Telegram private chat has the user's own id; WeChat and terminal chats are private.
    op.execute("UPDATE members SET private_chat_id = chat_id "
               "WHERE channel <> 'telegram' OR chat_id = external_id")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buttons', sa.JSON(), nullable=True))
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE member_id IS NULL")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('buttons')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('private_chat_id')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('members_only')
    with op.batch_alter_table('bind_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bind_attempts_card_number'))
        batch_op.drop_column('card_number')
    with op.batch_alter_table('bind_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bind_requests_roster_id'))
    op.drop_table('bind_requests')
