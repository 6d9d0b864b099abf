"""breakdown index: contacts by id with their company and country, for breakdowns (PostgreSQL)

A breakdown joins a segment's lines to its contacts and counts one column. On PostgreSQL the join
read every contact row (the table is five times the size of this index) and hashed half a million
lines; with this index it merges lines and contacts in id order from index pages alone, once
vacuum has marked the table's pages all-visible. Figures in docs/performance.md ("Breakdowns").

SQLite finds a contact by its rowid, which an index cannot beat: it gets none.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 18:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_contacts_breakdown",
        "contacts",
        ["id"],
        unique=False,
        postgresql_include=["company_id", "country"],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_contacts_breakdown", table_name="contacts")
