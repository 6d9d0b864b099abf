"""new segment previews: a preview that created its segment takes the segment with it when canceled

``pending_actions.creates_segment`` marks the Add preview of `new <description> <criteria>`, so
Cancel (or expiry) deletes the still empty segment instead of leaving it in the list.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 15:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pending_actions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("creates_segment", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("pending_actions", schema=None) as batch_op:
        batch_op.drop_column("creates_segment")
