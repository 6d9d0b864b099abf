"""live segments, and refresh runs that record why they could not refresh

``live_segments``: one row per segment refreshed after every data change, with the data version
it was last refreshed at. ``segment_runs.error``/``error_params``: a scheduled or live run that
met a deleted segment changed nothing, and its notification says so.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("channel_name", sa.String(length=100), nullable=True),
        sa.Column("locale", sa.String(length=16), server_default="en", nullable=False),
        sa.Column("refreshed_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segments.id"],
            name=op.f("fk_live_segments_segment_id_segments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_live_segments_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_segments")),
        sa.UniqueConstraint("segment_id", name=op.f("uq_live_segments_segment_id")),
    )
    with op.batch_alter_table("live_segments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_segments_workspace_id"), ["workspace_id"], unique=False)
    with op.batch_alter_table("segment_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("error_params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("segment_runs", schema=None) as batch_op:
        batch_op.drop_column("error_params")
        batch_op.drop_column("error")
    with op.batch_alter_table("live_segments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_segments_workspace_id"))
    op.drop_table("live_segments")
