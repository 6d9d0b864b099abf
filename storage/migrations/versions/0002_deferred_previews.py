"""deferred previews: workspace data version, pending actions computed at Confirm; indexes

Also indexes pending_actions for the purge of expired previews and for segment deletion,
replaces the plain city index by lower(city) on PostgreSQL, and indexes contacts without e-mail.

A preview of criteria no longer captures its contacts when shown: it records the criteria, the
day and the workspace's data version, and Confirm computes the same set in the database. The
plain city index was never used (criteria compare lower(city)); PostgreSQL gets that expression.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 17:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_version", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("pending_actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deferred", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("as_of", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("data_version", sa.Integer(), nullable=True))
    with op.batch_alter_table("pending_actions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pending_actions_waiting",
            ["workspace_id", "created_at"],
            unique=False,
            postgresql_where=sa.text("status = 'pending' AND resolved_at IS NULL"),
            sqlite_where=sa.text("status = 'pending' AND resolved_at IS NULL"),
        )
        batch_op.create_index("ix_pending_actions_segment", ["segment_id"], unique=False)
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_ws_city")
        batch_op.create_index(
            "ix_contacts_ws_without_email",
            ["workspace_id"],
            unique=False,
            postgresql_where=sa.text("email IS NULL OR email = ''"),
            sqlite_where=sa.text("email IS NULL OR email = ''"),
        )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_contacts_ws_lower_city", "contacts", ["workspace_id", sa.text("lower(city)")], unique=False
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_contacts_ws_lower_city", table_name="contacts")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_ws_without_email")
        batch_op.create_index("ix_contacts_ws_city", ["workspace_id", "city"], unique=False)
    with op.batch_alter_table("pending_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_pending_actions_segment")
        batch_op.drop_index("ix_pending_actions_waiting")
        batch_op.drop_column("data_version")
        batch_op.drop_column("as_of")
        batch_op.drop_column("deferred")
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("data_version")
