"""contact indexes carry the id (PostgreSQL): reading the contacts that company and country
criteria match, not only counting them, stays in the index

0003 made counts of company and country criteria index-only scans. Reading the matching contacts
themselves, as an Add preview's shares line reads a sample of them, needs their ids too, which the
two indexes lacked, so PostgreSQL read the whole table instead, at twice the count's time or more
(docs/performance.md, "Ten million contacts on a quiet machine").

SQLite has no INCLUDE; its indexes are unchanged.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 03:50:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# index -> (key columns, what it carried before)
_COVERING = {
    "ix_contacts_company": (["workspace_id", "company_id"], ["country", "created", "exclude_from_segment"]),
    "ix_contacts_ws_country": (["workspace_id", "country"], ["company_id", "exclude_from_segment", "name"]),
}


def _recreate(*, with_id: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (columns, include) in _COVERING.items():
        op.drop_index(name, table_name="contacts")
        op.create_index(
            name,
            "contacts",
            columns,
            unique=False,
            postgresql_include=[*include, "id"] if with_id else include,
        )


def upgrade() -> None:
    _recreate(with_id=True)


def downgrade() -> None:
    _recreate(with_id=False)
