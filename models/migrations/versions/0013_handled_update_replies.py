"""handled updates keep their replies until sent

Revision ID: 0013
Revises: 0005
Create Date: 2026-12-03 09:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('handled_updates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replies', sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('handled_updates', schema=None) as batch_op:
        batch_op.drop_column('replies')
