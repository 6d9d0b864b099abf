"""What the segment builder asks while a user composes criteria: how many contacts match, and which
values a field takes in the workspace. Read-only, and cheap enough to answer at every keystroke.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, exists, func, literal, select
from sqlalchemy.orm import Session

from storage.criteria.ast import Expr
from storage.errors import ValidationError
from storage.models import Campaign, Contact, InteractionTemplate
from storage.models.classifications import CLASSIFICATIONS
from storage.service._algebra import MemberSet, _add, segment_lines
from storage.service.types import ActionOptions

# The criteria fields the builder offers as pickers, and where their values come from: a code
# table (codes with descriptions, as Business Central keeps them) or the contacts' own column.
_CODE_TABLES: dict[str, Any] = {c.field: (c.codes, c.links) for c in CLASSIFICATIONS}
_CONTACT_COLUMNS: dict[str, Any] = {
    "country": Contact.country,
    "city": Contact.city,
    "salesperson": Contact.salesperson,
    "territory": Contact.territory,
}
PICKER_FIELDS = ("industry", "country", "city", "relation", "mailing", "job", "salesperson", "territory")
# Fields whose values are listed from a small code table; the others are gathered from every
# contact, so they are looked up only as the user types (docs/performance.md, "Value pickers").
CODE_FIELDS = tuple(_CODE_TABLES)

# An Add to a segment that does not exist yet: nothing is in it, so nothing needs probing.
_NOTHING = MemberSet(segment_lines, "segment_id", 0, empty=True)


@dataclass(frozen=True)
class MatchCount:
    """How many contacts an Add of the criteria would bring into a new segment, and the first few."""

    total: int
    first_names: tuple[str, ...]


def count_matches(
    session: Session,
    workspace_id: int,
    criteria: Expr,
    options: ActionOptions,
    *,
    today: date,
    sample: int = 3,
) -> MatchCount:
    """Count what ``add`` would bring into a new segment (same rules as the Add) and name the first
    ``sample`` by contact number; a count over the contact indexes, no contact row is materialised."""
    if options.expand_companies or options.related_companies:
        # A widened set is not a filter on contacts that a walk in number order could test row by
        # row: its parts carry each contact's number and name, and one pass counts and names.
        widened = _add(criteria, options, _NOTHING, workspace_id, today, carry=("no", "name")).subquery()
        rows = session.execute(
            select(widened.c.name, func.count().over()).order_by(widened.c.no).limit(max(sample, 1))
        ).all()
        total = int(rows[0][1]) if rows else 0
        return MatchCount(total=total, first_names=tuple(str(name) for name, _ in rows[:sample]))
    added = _add(criteria, options, _NOTHING, workspace_id, today).subquery()
    total = session.scalar(select(func.count()).select_from(added)) or 0
    if total == 0 or sample <= 0:
        return MatchCount(total=int(total), first_names=())
    # Walking contacts in number order stops after `sample` hits, instead of sorting every match.
    names = session.scalars(
        select(Contact.name)
        .where(Contact.workspace_id == workspace_id, Contact.id.in_(select(added.c.contact_id)))
        .order_by(Contact.no)
        .limit(sample)
    )
    return MatchCount(total=int(total), first_names=tuple(names))


@dataclass(frozen=True)
class FieldValue:
    """A value a field takes in the workspace, with the code's description when it has one."""

    value: str
    description: str = ""


def field_values(
    session: Session, workspace_id: int, field: str, *, query: str = "", limit: int = 100
) -> list[FieldValue]:
    """The workspace's values of ``field`` (one of PICKER_FIELDS) starting with ``query``, at most
    ``limit``, in alphabetical order; a code also matches by its description."""
    prefix = query.strip().lower()
    statement: Select[Any]
    if field in _CODE_TABLES:
        table, links = _CODE_TABLES[field]
        # Only codes some contact carries (one index probe per code): criteria naming others match nobody.
        carried = exists().where(links.workspace_id == workspace_id, links.code == table.code)
        statement = select(table.code, table.description).where(table.workspace_id == workspace_id, carried)
        if prefix:
            pattern = _prefix_pattern(prefix)
            statement = statement.where(
                func.lower(table.code).like(pattern, escape="\\")
                | func.lower(table.description).like(pattern, escape="\\")
            )
        statement = statement.order_by(table.code)
    elif field in _CONTACT_COLUMNS:
        column = _CONTACT_COLUMNS[field]
        statement = (
            select(column, literal(""))
            .where(Contact.workspace_id == workspace_id, column.is_not(None), column != "")
            .group_by(column)
            .order_by(column)
        )
        if prefix:
            statement = statement.where(func.lower(column).like(_prefix_pattern(prefix), escape="\\"))
    else:
        raise ValidationError("the builder has no picker for {field}", field=field)
    rows = session.execute(statement.limit(limit)).all()
    return [FieldValue(value=str(value), description=str(description or "")) for value, description in rows]


def header_values(session: Session, workspace_id: int, field: str, *, limit: int = 100) -> list[FieldValue]:
    """The workspace's campaigns (``field`` "campaign") or interaction templates ("template") a
    segment's header may name, at most ``limit``, by number or code, with their descriptions."""
    code: Any
    if field == "campaign":
        code, description, owner = Campaign.no, Campaign.description, Campaign.workspace_id
    elif field == "template":
        code, description = InteractionTemplate.code, InteractionTemplate.description
        owner = InteractionTemplate.workspace_id
    else:
        raise ValidationError("the builder has no picker for {field}", field=field)
    rows = session.execute(select(code, description).where(owner == workspace_id).order_by(code).limit(limit))
    return [FieldValue(value=str(value), description=str(text or "")) for value, text in rows]


def _prefix_pattern(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"
