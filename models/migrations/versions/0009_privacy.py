"""privacy: sealed phone numbers with a blind index, consent withdrawal

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-03 09:50:00

Columns that now hold sealed text (roster.phone, claims.description, claims.reason,
handoff_messages.text) keep any plaintext an older install wrote: `unionbot keys rotate`
seals it and fills the phone blind index with the configured master key; a migration reads
no keys.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('roster') as batch:
        batch.alter_column('phone', existing_type=sa.String(length=20), type_=sa.Text(),
                           existing_nullable=False)
        batch.add_column(sa.Column('phone_index', sa.String(length=32), nullable=False,
                                   server_default=''))
        batch.create_index(batch.f('ix_roster_phone_index'), ['phone_index'], unique=False)
    with op.batch_alter_table('roster') as batch:
        batch.alter_column('phone_index', server_default=None)
    with op.batch_alter_table('consents') as batch:
        batch.add_column(sa.Column('withdrawn_at', models.base.UTCDateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('consents') as batch:
        batch.drop_column('withdrawn_at')
    with op.batch_alter_table('roster') as batch:
        batch.drop_index(batch.f('ix_roster_phone_index'))
        batch.drop_column('phone_index')
        batch.alter_column('phone', existing_type=sa.Text(), type_=sa.String(length=20),
                           existing_nullable=False)
