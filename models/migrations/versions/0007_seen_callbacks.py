"""seen callbacks: the (timestamp, nonce) replay cache of signed WeChat callbacks

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-03 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('seen_callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('nonce_key', sa.String(length=64), nullable=False),
    sa.Column('request_key', sa.String(length=64), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seen_callbacks')),
    sa.UniqueConstraint('channel', 'nonce_key', name=op.f('uq_seen_callbacks_channel_nonce_key'))
    )
    with op.batch_alter_table('seen_callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_callbacks_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('seen_callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seen_callbacks_at'))
    op.drop_table('seen_callbacks')
