"""Importing interaction log entries from CSV (docs/admin-guide.md), all or nothing.

Entries have no key of their own, so every row is a new entry. Rows are validated while the file
streams, staged in bulk, checked against the workspace's contacts in one statement, and inserted
with ``INSERT ... SELECT``; new template codes join the workspace's interaction templates.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Column, Integer, MetaData, String, Table, and_, exists, insert, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Exists

from storage.bulk import columns_like, refresh_statistics, staging_tables, trusted_references
from storage.csv_format import (
    INTERACTION_FILE_COLUMNS,
    CsvError,
    ProgressCallback,
    check_header,
    check_width,
    choice_value,
    code_value,
    date_value,
    read_header_and_rows,
    text_value,
)
from storage.data_version import bump_data_version
from storage.models import Campaign, Contact, InteractionLogEntry, InteractionTemplate

INTERACTION_COLUMNS = INTERACTION_FILE_COLUMNS
INFORMATION_FLOWS = ("outbound", "inbound")
INITIATED_BY = ("us", "them")
REQUIRED_COLUMNS = ("contact_no", "template", "date")
_BATCH = 10_000

_CONTACTS = cast(Table, Contact.__table__)
_ENTRIES = cast(Table, InteractionLogEntry.__table__)
_TEMPLATES = cast(Table, InteractionTemplate.__table__)
_CAMPAIGNS = cast(Table, Campaign.__table__)

# The file's columns after contact_no and template go into the log as they are.
_COPIED_COLUMNS = INTERACTION_FILE_COLUMNS[2:]

_st_entries = Table(
    "segbot_import_interactions",
    MetaData(),
    Column("line", Integer, primary_key=True),
    Column("contact_no", String(40), nullable=False),
    Column("template", String(40), nullable=False),
    *columns_like(_ENTRIES, _COPIED_COLUMNS),
    prefixes=["TEMPORARY"],
)


def import_interactions(
    session: Session, workspace_id: int, path: Path, *, progress: ProgressCallback | None = None
) -> int:
    """Import the interactions CSV at ``path``; return how many entries were added.

    Raises ``CsvError`` (a ValidationError naming line and column) at the first bad row, including
    a ``contact_no`` the workspace does not hold. Does not commit.
    """
    return load_interaction_rows(session, workspace_id, *read_header_and_rows(path, progress=progress))


def load_interaction_rows(
    session: Session, workspace_id: int, header: list[str], rows: Iterable[tuple[int, list[str]]]
) -> int:
    """Import ``(line, values)`` records laid out as ``header`` says (the CSV import's engine, also fed
    by the demo generator); return how many entries were added."""
    names = check_header(header, known=frozenset(INTERACTION_COLUMNS), required=REQUIRED_COLUMNS)
    at = {name: names.index(name) if name in names else -1 for name in INTERACTION_COLUMNS}
    width = len(names)
    with staging_tables(session, _st_entries) as (staged,):
        batch: list[tuple[Any, ...]] = []
        for line, values in rows:
            check_width(line, values, width)
            contact_no = text_value(line, "contact_no", values[at["contact_no"]], 40, required=True)
            template = code_value(line, "template", values[at["template"]], 40)
            if template is None:
                raise CsvError(line, "template", "a value is required")
            on = date_value(line, "date", values[at["date"]], required=True)
            segment_no = _optional(line, values, at, "segment_no", 20)
            batch.append(
                (
                    line,
                    contact_no,
                    template,
                    on,
                    _optional(line, values, at, "description", 200) or "",
                    segment_no.upper() if segment_no else None,
                    _optional(line, values, at, "evaluation", 20),
                    _optional_code(line, values, at, "campaign_no", 20),
                    _optional_code(line, values, at, "salesperson", 40),
                    _optional_choice(line, values, at, "information_flow", INFORMATION_FLOWS),
                    _optional_choice(line, values, at, "initiated_by", INITIATED_BY),
                )
            )
            if len(batch) >= _BATCH:
                staged.write(batch)
                batch = []
        staged.write(batch)
        staged.finish("contact_no")
        if staged.rows_written == 0:
            return 0
        _check_contacts(session, workspace_id)
        _check_campaigns(session, workspace_id)
        with trusted_references(session):
            _apply(session, workspace_id)
        refresh_statistics(session, (InteractionLogEntry.__tablename__,), rows=staged.rows_written)
        bump_data_version(session, workspace_id)
        # Every staged row was just proven to name a contact, so each became one entry.
        return staged.rows_written


def _optional(line: int, values: list[str], at: dict[str, int], column: str, max_length: int) -> str | None:
    index = at[column]
    return text_value(line, column, values[index], max_length) if index >= 0 else None


def _optional_code(
    line: int, values: list[str], at: dict[str, int], column: str, max_length: int
) -> str | None:
    index = at[column]
    return code_value(line, column, values[index], max_length) if index >= 0 else None


def _optional_choice(
    line: int, values: list[str], at: dict[str, int], column: str, choices: tuple[str, ...]
) -> str | None:
    index = at[column]
    return choice_value(line, column, values[index], choices) if index >= 0 else None


def _check_campaigns(session: Session, workspace_id: int) -> None:
    st, campaigns = _st_entries, _CAMPAIGNS
    unknown = session.execute(
        select(st.c.line, st.c.campaign_no)
        .where(
            st.c.campaign_no.is_not(None),
            ~exists().where(campaigns.c.workspace_id == workspace_id, campaigns.c.no == st.c.campaign_no),
        )
        .order_by(st.c.line)
        .limit(1)
    ).first()
    if unknown:
        raise CsvError(
            unknown.line,
            "campaign_no",
            f"no campaign '{unknown.campaign_no}' in the workspace; import campaigns first",
        )


def _check_contacts(session: Session, workspace_id: int) -> None:
    st, contacts = _st_entries, _CONTACTS
    unknown = session.execute(
        select(st.c.line, st.c.contact_no)
        .where(~exists().where(contacts.c.workspace_id == workspace_id, contacts.c.no == st.c.contact_no))
        .order_by(st.c.line)
        .limit(1)
    ).first()
    if unknown:
        raise CsvError(unknown.line, "contact_no", f"no contact '{unknown.contact_no}' in the workspace")


def _template_exists(workspace_id: int, code: Any) -> Exists:
    return exists().where(_TEMPLATES.c.workspace_id == workspace_id, _TEMPLATES.c.code == code)


def _apply(session: Session, workspace_id: int) -> None:
    st, contacts, templates, entries = _st_entries, _CONTACTS, _TEMPLATES, _ENTRIES
    session.execute(
        insert(templates).from_select(
            ["workspace_id", "code", "description"],
            select(literal(workspace_id), st.c.template, literal(""))
            .where(~_template_exists(workspace_id, st.c.template))
            .group_by(st.c.template),
        )
    )
    values = {
        "workspace_id": literal(workspace_id),
        "contact_id": contacts.c.id,
        "template_code": st.c.template,
        **{name: st.c[name] for name in _COPIED_COLUMNS},
        "canceled": literal(False),
    }
    session.execute(
        insert(entries).from_select(
            list(values),
            select(*values.values())
            .join(contacts, and_(contacts.c.workspace_id == workspace_id, contacts.c.no == st.c.contact_no))
            .order_by(st.c.line),
        )
    )
