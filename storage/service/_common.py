"""Helpers every service module shares: finding a segment, numbering, counting and paging contacts."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Insert,
    and_,
    column,
    func,
    insert,
    select,
    table,
    text,
    update,
)
from sqlalchemy.orm import Session

from storage.errors import NotFoundError
from storage.models import PERSON, Contact, Segment, SegmentLine, Workspace
from storage.service.types import ContactRow, Page, SegmentInfo

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

contacts = Contact.__table__
segment_lines = SegmentLine.__table__
_Value = TypeVar("_Value", bound="DataclassInstance")


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every timestamp we store is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def utc_today() -> date:
    return utc_now().date()


def from_row(cls: type[_Value], row: object, **values: Any) -> _Value:
    """A ``cls`` (a dataclass the service returns) whose fields are ``values``, the rest ``row``'s.

    Each field not in ``values`` takes the row's attribute of the same name, a timestamp as UTC.
    """
    names = {field.name for field in dataclasses.fields(cls)} - values.keys()
    copied = {name: getattr(row, name) for name in names if hasattr(row, name)}
    return cls(**{name: _utc_if_moment(value) for name, value in copied.items()}, **values)


def _utc_if_moment(value: Any) -> Any:
    return as_utc(value) if isinstance(value, datetime) else value


# Inserting at least this many rows refreshes the table's statistics (PostgreSQL only), see bulk_insert.
ANALYZE_AFTER_ROWS = 5000


def bulk_insert(session: Session, statement: Insert, *, scans_contacts: bool = False) -> int:
    """Run an ``INSERT ... SELECT``; after a large one, refresh the target table's statistics.

    The set tables hold one big set at a time (a capture, a scratch replay), so PostgreSQL's
    statistics are usually those of an empty or unrelated table. The next statement of the same
    transaction joins that set with another, and on a "one row" estimate the planner picks a
    nested loop that rescans the set per row: minutes instead of a second for a large set.
    ``ANALYZE`` inside the transaction sees its own new rows. It takes a lock that only other
    ANALYZEs wait for, so it is kept to large sets. SQLite plans these joins well without it.
    """
    bind = session.get_bind()
    # Only worth its DDL when the SELECT scans contacts by criteria; small sets insert directly.
    if scans_contacts and bind.dialect.name == "postgresql" and statement.select is not None:
        statement = _through_parallel_scratch(session, statement)
    # SQLAlchemy reports an INSERT ... SELECT's row count only when asked to keep it.
    result = session.execute(statement, execution_options={"preserve_rowcount": True})
    inserted = result.rowcount  # type: ignore[attr-defined]
    if inserted >= ANALYZE_AFTER_ROWS and bind.dialect.name == "postgresql":
        session.execute(text(f'ANALYZE "{statement.table.name}"'))
    return int(inserted)


def _through_parallel_scratch(session: Session, statement: Insert) -> Insert:
    """Run the SELECT of ``statement`` into a temporary table and return an INSERT from that table.

    PostgreSQL never runs the SELECT of an ``INSERT ... SELECT`` in parallel, but does for
    ``CREATE TABLE ... AS``: on criteria over a million contacts that halves a preview's capture.
    """
    # Insert.from_select keeps its target column names only privately; the SELECT fills them by position.
    names = [getattr(c, "key", c) for c in statement._select_names or ()]
    scratch = table(f"scratch_{secrets.token_hex(6)}", *(column(f"c{i}") for i in range(len(names))))
    compiled = statement.select.compile(  # type: ignore[union-attr]
        bind=session.get_bind(), compile_kwargs={"render_postcompile": True}
    )
    columns = ", ".join(c.name for c in scratch.c)
    # Straight to the driver: the SQL is already rendered in its parameter style.
    session.connection().exec_driver_sql(
        f"CREATE TEMPORARY TABLE {scratch.name} ({columns}) ON COMMIT DROP AS {compiled}", compiled.params
    )
    return insert(statement.table).from_select(names, select(*scratch.c))


def find_segment(
    session: Session, workspace_id: int, segment_no: str, *, for_update: bool = False
) -> Segment:
    """The segment numbered ``segment_no`` in this workspace (case-insensitive), or NotFoundError."""
    query = select(Segment).where(
        Segment.workspace_id == workspace_id, Segment.no == segment_no.strip().upper()
    )
    if for_update:
        query = query.with_for_update()
    segment = session.scalars(query).one_or_none()
    if segment is None:
        raise NotFoundError(
            "no segment {segment_no} in this workspace", segment_no=segment_no.strip().upper()
        )
    return segment


def next_number(session: Session, workspace_id: int, counter: str, prefix: str) -> str:
    """The next number of a per-workspace counter, e.g. SEG00001, handed out by one atomic UPDATE."""
    column = getattr(Workspace, counter)
    value = session.execute(
        update(Workspace).where(Workspace.id == workspace_id).values({column: column + 1}).returning(column)
    ).scalar_one()
    return f"{prefix}{value:05d}"


def segment_size(session: Session, segment_id: int) -> int:
    return session.scalar(select(func.count()).where(segment_lines.c.segment_id == segment_id)) or 0


def segment_info(session: Session, segment: Segment, *, size: int | None = None) -> SegmentInfo:
    return from_row(SegmentInfo, segment, size=segment_size(session, segment.id) if size is None else size)


# Up to this many members, a page is read by sorting the whole set rather than walking contacts in order.
# Sorting costs one probe per member; the walk about page_end * contacts / members, so above a few
# thousand members in a large workspace the walk wins (docs/performance.md, "Paging"). Larger sets
# are ANALYZEd when captured (ANALYZE_AFTER_ROWS), so from there on the planner sees their true
# size and can choose; below it, its statistics may be another set's.
_SMALL_SET = ANALYZE_AFTER_ROWS
# A set computed from criteria (a deferred preview) has no rows of its own to sort: sorting means
# evaluating the criteria whole. Walking contacts in number order and testing each stops at the
# page's end, after about page_end * contacts / members of them. This many walked contacts cost
# about what evaluating typical criteria whole over a million contacts does (docs/performance.md).
_WALK_ROWS = 50_000


def _sort_whole_set(session: Session, *, total: int, page_end: int, computed: bool) -> bool:
    if not computed:
        return total <= _SMALL_SET
    # The highest contact id bounds the workspace's contacts from above (one index probe): when in
    # doubt, sort.
    contacts_at_most = session.scalar(select(func.max(contacts.c.id))) or 0
    return page_end * contacts_at_most > _WALK_ROWS * total


def contact_page(
    session: Session,
    workspace_id: int,
    members: FromClause,
    conditions: Iterable[ColumnElement[bool]],
    *,
    total: int,
    page: int,
    page_size: int,
    computed: bool = False,
) -> Page:
    """One page, ordered by contact number, of the contacts ``members`` (a table with ``contact_id``) holds.

    Only this page is read into Python; ``total`` is counted by the caller, who knows the cheapest way.
    ``computed``: ``members`` is a query over contacts (criteria), not a stored set.
    """
    page_size = max(1, page_size)
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    if total == 0:
        # Nothing to show; skipping the query also spares a walk of every contact in number order.
        return Page(rows=(), total=0, page=1, page_size=page_size)
    person = contacts.alias("person")
    company = contacts.alias("company")
    conditions = list(conditions)
    if _sort_whole_set(session, total=total, page_end=page * page_size, computed=computed):
        # A small set is cheapest read whole and sorted; but PostgreSQL, misled by statistics of
        # a freshly written pending set, otherwise walks every contact in number order probing it.
        # A materialized CTE fixes the join order: the set first, then its contacts.
        small = select(members.c.contact_id).where(*conditions).cte("page_members")
        members, conditions = small.prefix_with("MATERIALIZED"), []
    query = (
        select(person.c.no, person.c.name, person.c.type, company.c.name, person.c.city, person.c.email)
        .select_from(
            members.join(person, person.c.id == members.c.contact_id).outerjoin(
                company, and_(person.c.type == PERSON, company.c.id == person.c.company_id)
            )
        )
        .where(*conditions, person.c.workspace_id == workspace_id)
        .order_by(person.c.no)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    rows = tuple(
        ContactRow(no=no, name=name, type=type_, company_name=company_name, city=city, email=email)
        for no, name, type_, company_name, city, email in session.execute(query)
    )
    return Page(rows=rows, total=total, page=page, page_size=page_size)
