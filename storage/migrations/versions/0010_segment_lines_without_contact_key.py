"""segment lines without a contact foreign key: a trigger on contacts removes a deleted contact's lines

A foreign key checks each inserted line against contacts, one trigger call per row: most of the time
of adding a million contacts to a segment. Lines are only ever inserted from contacts read in the
same statement, so the check finds nothing; what the key also did, removing the lines of a deleted
contact, a trigger on contacts does now (on PostgreSQL once per statement, for all deleted rows).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 18:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOREIGN_KEY = "fk_segment_lines_contact_id_contacts"
_TRIGGER = "contacts_leave_segment_lines"

# The table's own schema, so a delete in one schema never reaches another's lines.
_POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION {_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'DELETE FROM %I.segment_lines WHERE contact_id IN (SELECT id FROM deleted_contacts)',
        TG_TABLE_SCHEMA
    );
    RETURN NULL;
END
$$
"""
_POSTGRESQL_TRIGGER = f"""
CREATE TRIGGER {_TRIGGER} AFTER DELETE ON contacts
REFERENCING OLD TABLE AS deleted_contacts
FOR EACH STATEMENT EXECUTE FUNCTION {_TRIGGER}()
"""
_SQLITE_TRIGGER = f"""
CREATE TRIGGER {_TRIGGER} AFTER DELETE ON contacts
BEGIN
    DELETE FROM segment_lines WHERE contact_id = OLD.id;
END
"""


def upgrade() -> None:
    with op.batch_alter_table("segment_lines", schema=None) as batch_op:
        batch_op.drop_constraint(_FOREIGN_KEY, type_="foreignkey")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRESQL_FUNCTION)
        op.execute(_POSTGRESQL_TRIGGER)
    else:
        op.execute(_SQLITE_TRIGGER)


def downgrade() -> None:
    op.execute(f"DROP TRIGGER IF EXISTS {_TRIGGER}" + (" ON contacts" if _is_postgresql() else ""))
    if _is_postgresql():
        op.execute(f"DROP FUNCTION IF EXISTS {_TRIGGER}()")
    with op.batch_alter_table("segment_lines", schema=None) as batch_op:
        batch_op.create_foreign_key(_FOREIGN_KEY, "contacts", ["contact_id"], ["id"], ondelete="CASCADE")


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"
