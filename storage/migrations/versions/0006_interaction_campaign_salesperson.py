"""interaction campaign and salesperson: criteria on one interaction can filter on them

``interaction:(campaign:C1 salesperson:AH)`` reads the campaign and the salesperson of each
interaction log entry, as Business Central's Interaction Log Entry carries them.

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-30 15:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interaction_log_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_no", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("salesperson", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interaction_log_entries", schema=None) as batch_op:
        batch_op.drop_column("salesperson")
        batch_op.drop_column("campaign_no")
