"""contacts by id with the columns criteria test: a selective preview's matches found through a
linked table (profile answers, mailing groups) are checked in the index, not the table

Figures and plans: docs/performance.md, "Cost curve".

SQLite has no INCLUDE, and its contact id is the table's own rowid (a lookup by id already reads the
row): there the index is plain, kept only so both databases have the same schema.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 18:20:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_contacts_id_covering",
        "contacts",
        ["id"],
        unique=False,
        postgresql_include=["workspace_id", "company_id", "country", "exclude_from_segment"],
    )


def downgrade() -> None:
    op.drop_index("ix_contacts_id_covering", table_name="contacts")
