"""segment header, campaigns and logged segments as Business Central keeps them

Campaigns get a table; segments get the rest of their header (salesperson, date, language,
subject); interactions carry a campaign, a salesperson, an information flow and who initiated
them; a logged segment remembers its campaign, its campaign entries, the date of its
interactions and the preview it was confirmed from; a workspace has a default interaction
template for new segments.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 14:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("starting_date", sa.Date(), nullable=True),
        sa.Column("ending_date", sa.Date(), nullable=True),
        sa.Column("salesperson", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_campaigns_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("workspace_id", "no", name=op.f("uq_campaigns_workspace_id_no")),
    )
    with op.batch_alter_table("segments") as batch_op:
        batch_op.add_column(sa.Column("salesperson", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("segment_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("subject", sa.String(length=200), nullable=True))
    with op.batch_alter_table("interaction_log_entries") as batch_op:
        batch_op.add_column(sa.Column("campaign_no", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("salesperson", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("information_flow", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("initiated_by", sa.String(length=10), nullable=True))
    with op.batch_alter_table("logged_segments") as batch_op:
        batch_op.add_column(sa.Column("campaign_no", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("campaign_entries", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("interaction_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("preview_key", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(
            op.f("uq_logged_segments_workspace_id_preview_key"), ["workspace_id", "preview_key"]
        )
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.add_column(sa.Column("default_interaction_template", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.drop_column("default_interaction_template")
    with op.batch_alter_table("logged_segments") as batch_op:
        batch_op.drop_constraint(op.f("uq_logged_segments_workspace_id_preview_key"), type_="unique")
        batch_op.drop_column("preview_key")
        batch_op.drop_column("interaction_date")
        batch_op.drop_column("campaign_entries")
        batch_op.drop_column("campaign_no")
    with op.batch_alter_table("interaction_log_entries") as batch_op:
        batch_op.drop_column("initiated_by")
        batch_op.drop_column("information_flow")
        batch_op.drop_column("salesperson")
        batch_op.drop_column("campaign_no")
    with op.batch_alter_table("segments") as batch_op:
        batch_op.drop_column("subject")
        batch_op.drop_column("language")
        batch_op.drop_column("segment_date")
        batch_op.drop_column("salesperson")
    op.drop_table("campaigns")
