"""contacts by id with the columns criteria test (PostgreSQL): a selective preview's matches found
through a linked table (profile answers, mailing groups) are checked in the index, not the table

The index carries what 0008's breakdown index carried (company and country) and more, so it takes
its place. Figures and plans: docs/performance.md, "Cost curve".

SQLite finds a contact by its rowid, which an index cannot beat: it gets none.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 18:20:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_contacts_id_covering",
        "contacts",
        ["id"],
        unique=False,
        postgresql_include=["workspace_id", "company_id", "country", "exclude_from_segment"],
    )
    op.drop_index("ix_contacts_breakdown", table_name="contacts")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_contacts_breakdown",
        "contacts",
        ["id"],
        unique=False,
        postgresql_include=["company_id", "country"],
    )
    op.drop_index("ix_contacts_id_covering", table_name="contacts")
