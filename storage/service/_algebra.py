"""Business Central's segment algebra, as SQL over sets of contacts.

A set is a segment's lines or a scratch set (a replay in progress). Each action is written once, as
the ``SELECT`` of the contact ids it adds or removes relative to a set; callers turn that into an
``INSERT ... SELECT`` or a ``DELETE ... WHERE contact_id IN (...)``. No contact is read into Python.

Semantics (docs/user-guide.md, following Business Central's reports):

- Add (report 5198 "Add Contacts"): the matching contacts are collected; ``expand_companies``
  widens every match that belongs to a company (the company, or one of its persons) to the whole
  company; ``related_companies`` then adds the company of each person; only then are contacts
  flagged ``exclude_from_segment`` dropped (unless ``ignore_exclusion``), and those already in the
  set. So an excluded company still brings its persons who are not excluded.
- Reduce / Refine ("Remove Contacts - Reduce/Refine"): the lines whose contact matches are removed
  (kept). With ``entire_companies``, as Business Central's report does, a match stands for its whole
  company: every line of the same company (the company and all its persons) is removed (kept) when
  any contact of that company matches, be it the company itself or one of its persons.
- Include / Remove: the named contacts (include ignores the exclusion flag: the user named them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Delete,
    Insert,
    Select,
    Table,
    and_,
    delete,
    exists,
    false,
    insert,
    literal,
    literal_column,
    not_,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from storage.criteria.ast import Expr
from storage.errors import NotFoundError, ValidationError
from storage.models import (
    COMPANY,
    Contact,
    InteractionLogEntry,
    LoggedSegment,
    PendingActionContact,
    SegmentLine,
)
from storage.service._common import bulk_insert
from storage.service.types import (
    ADD,
    INCLUDE,
    LOGGED_SEGMENT_OPTION,
    REDUCE,
    REFINE,
    REMOVE,
    ActionOptions,
    Step,
)

contacts = cast(Table, Contact.__table__)
pending_contacts = cast(Table, PendingActionContact.__table__)
segment_lines = cast(Table, SegmentLine.__table__)


@dataclass(frozen=True)
class MemberSet:
    """A set of contacts stored in ``table``: the rows whose ``key_column`` equals ``key``."""

    table: Table
    key_column: str
    key: int | str
    extra: tuple[tuple[str, Any], ...] = ()
    # Known to hold no rows (an Add to a new segment): no candidate needs probing for membership
    # (docs/performance.md, "Probing the target set").
    empty: bool = False

    def alias(self) -> tuple[Any, ColumnElement[bool]]:
        """An alias of the table and the condition selecting this set's rows in it.

        Always an alias: criteria such as ``segment:SEG00002`` query ``segment_lines`` itself, which
        must not be confused with (correlated to) the set being changed.
        """
        member = self.table.alias("member")
        return member, member.c[self.key_column] == self.key

    def has(self, contact_id: Any) -> ColumnElement[bool]:
        if self.empty:
            return false()
        member = self.table.alias("present")
        return exists().where(member.c[self.key_column] == self.key, member.c.contact_id == contact_id)

    def insert_ids(self, ids: Select[Any]) -> Insert:
        """``INSERT ... SELECT`` of the contact ids ``ids`` selects (a column named ``contact_id``)."""
        source = ids.subquery()
        names = [self.key_column, "contact_id", *(name for name, _ in self.extra)]
        rows = select(
            literal(self.key, self.table.c[self.key_column].type),
            source.c.contact_id,
            *(literal(value, self.table.c[name].type) for name, value in self.extra),
        )
        return insert(self.table).from_select(names, rows)

    def delete_ids(self, ids: Select[Any]) -> Delete:
        return delete(self.table).where(
            self.table.c[self.key_column] == self.key, self.table.c.contact_id.in_(ids)
        )


def segment_set(segment_id: int, workspace_id: int, *, empty: bool = False) -> MemberSet:
    """A segment's lines; ``empty`` when the caller knows it has none (same transaction, same version)."""
    return MemberSet(segment_lines, "segment_id", segment_id, (("workspace_id", workspace_id),), empty=empty)


def is_empty(session: Session, segment_id: int) -> bool:
    """Whether the segment has no lines: one index probe, whatever its size."""
    return not session.scalar(select(exists().where(segment_lines.c.segment_id == segment_id)))


def scratch_set(pending_id: str) -> MemberSet:
    """A scratch set kept in ``pending_action_contacts`` under a throw-away pending id."""
    return MemberSet(pending_contacts, "pending_id", pending_id, (("change", 1),))


def options_to_dict(options: ActionOptions) -> dict[str, Any]:
    """Only the options that are set, so the journal reads short."""
    return {name: True for name, value in vars(options).items() if value}


def options_from_dict(data: dict[str, Any] | None) -> ActionOptions:
    data = data or {}
    return ActionOptions(**{name: bool(data.get(name)) for name in ActionOptions.__dataclass_fields__})


def _matches(expr: Expr, workspace_id: int, today: date) -> ColumnElement[bool]:
    # Imported here so the include/remove/undo half of the service works before the compiler exists.
    from storage.criteria.compile import compile_criteria

    return and_(
        contacts.c.workspace_id == workspace_id,
        compile_criteria(expr, workspace_id=workspace_id, today=today),
    )


def _matched_companies(expr: Expr, workspace_id: int, today: date) -> Select[Any]:
    """The company ids of every matching contact (a company's own id, a person's company)."""
    return (
        select(contacts.c.company_id)
        .where(_matches(expr, workspace_id, today), contacts.c.company_id.is_not(None))
        .correlate(None)
    )


def additions(step: Step, members: MemberSet, workspace_id: int, today: date) -> Select[Any] | None:
    """The contacts ``step`` adds to ``members`` (never one already there), or None for a removing step."""
    if step.kind == ADD:
        return _add(_require_criteria(step), options_from_dict(step.options), members, workspace_id, today)
    if step.kind == INCLUDE:
        if LOGGED_SEGMENT_OPTION in step.options:
            return _logged_segment_contacts(str(step.options[LOGGED_SEGMENT_OPTION]), members, workspace_id)
        named = contacts.alias("named")
        return select(named.c.id.label("contact_id")).where(
            named.c.workspace_id == workspace_id,
            named.c.no.in_(_spellings(step.contact_nos or ())),
            not_(members.has(named.c.id)),
        )
    return None


def removals(step: Step, members: MemberSet, workspace_id: int, today: date) -> Select[Any] | None:
    """The contacts of ``members`` that ``step`` removes, or None for an adding step."""
    member, in_set = members.alias()
    if step.kind in (REDUCE, REFINE):
        expr = _require_criteria(step)
        hit = _matches(expr, workspace_id, today)
        if options_from_dict(step.options).entire_companies:
            hit = or_(hit, contacts.c.company_id.in_(_matched_companies(expr, workspace_id, today)))
        # Driven from the lines, one primary-key probe of contacts each: without statistics SQLite
        # would otherwise walk every contact of the workspace to find a few thousand lines.
        line_hit = exists(
            select(literal_column("1")).select_from(contacts).where(contacts.c.id == member.c.contact_id, hit)
        )
        return select(member.c.contact_id).where(in_set, line_hit if step.kind == REDUCE else not_(line_hit))
    if step.kind == REMOVE:
        named = contacts.alias("named")
        return (
            select(member.c.contact_id)
            .select_from(member.join(named, named.c.id == member.c.contact_id))
            .where(in_set, named.c.no.in_(_spellings(step.contact_nos or ())))
        )
    return None


def apply_step(session: Session, step: Step, members: MemberSet, workspace_id: int, today: date) -> None:
    """Change ``members`` in place by ``step`` (used on scratch sets while replaying a journal)."""
    added = additions(step, members, workspace_id, today)
    if added is not None:
        bulk_insert(session, members.insert_ids(added))
    removed = removals(step, members, workspace_id, today)
    if removed is not None:
        session.execute(members.delete_ids(removed))


def check_contact_nos(session: Session, workspace_id: int, nos: Sequence[str]) -> tuple[str, ...]:
    """The contact numbers as stored, or NotFoundError naming every unknown one."""
    wanted = [no.strip() for no in nos if no.strip()]
    if not wanted:
        raise ValidationError("name at least one contact number")
    found = {
        no.upper(): no
        for no in session.scalars(
            select(contacts.c.no).where(
                contacts.c.workspace_id == workspace_id, contacts.c.no.in_(_spellings(wanted))
            )
        )
    }
    unknown = [no for no in wanted if no.upper() not in found]
    if unknown:
        if len(unknown) == 1:
            raise NotFoundError("unknown contact number: {nos}", nos=unknown[0])
        raise NotFoundError("unknown contact numbers: {nos}", nos=", ".join(unknown))
    return tuple(dict.fromkeys(found[no.upper()] for no in wanted))


def _spellings(nos: Sequence[str]) -> list[str]:
    # Numbers are imported as typed, usually upper-case as in Business Central; match both spellings
    # so the unique (workspace_id, no) index still answers.
    return sorted({spelling for no in nos for spelling in (no, no.upper())})


def _require_criteria(step: Step) -> Expr:
    if step.criteria is None:
        raise ValidationError("{kind} needs criteria, e.g. industry:RETAIL", kind=step.kind)
    return step.criteria


def _add(
    expr: Expr,
    options: ActionOptions,
    members: MemberSet,
    workspace_id: int,
    today: date,
    *,
    carry: Sequence[str] = (),
) -> Select[Any]:
    """The contact ids the Add brings into ``members``, with the contacts' ``carry`` columns."""
    # Report 5198's order: collect the matches, widen them, and only then drop the excluded ones,
    # so an excluded company still brings its persons and an excluded person its company.
    if not (options.expand_companies or options.related_companies):
        plain = select(contacts.c.id.label("contact_id"), *_carried(contacts, carry)).where(
            _matches(expr, workspace_id, today)
        )
        if not options.ignore_exclusion:
            plain = plain.where(contacts.c.exclude_from_segment == false())
        return plain.where(not_(members.has(contacts.c.id)))
    matched = _matches(expr, workspace_id, today)
    # The distinct companies of the matches (a company's own id, a person's company): one row per
    # company, not one per matching person, read from the (workspace_id, company_id) index.
    companies = (
        select(contacts.c.company_id).where(matched, contacts.c.company_id.is_not(None)).distinct()
    ).correlate(None)
    candidates: Any
    if options.expand_companies:
        # Each matched company's contacts by index probes, instead of reading every contact of the
        # workspace to find them. A company's company_id is its own id, so this is the company and
        # all of its persons (and every person's company, so related_companies adds nothing more);
        # the matches without a company come in as they are. The two parts are disjoint (company_id
        # set or not), so they are appended without sorting away duplicates.
        colleague = contacts.alias("colleague")
        widened = select(colleague.c.id.label("contact_id"), *_carried(colleague, carry)).where(
            colleague.c.workspace_id == workspace_id, colleague.c.company_id.in_(companies)
        )
        alone = select(contacts.c.id.label("contact_id"), *_carried(contacts, carry)).where(
            matched, contacts.c.company_id.is_(None)
        )
        if not options.ignore_exclusion:
            # Each part selects the contact rows themselves, so dropping the excluded ones here is
            # dropping them after the widening; the flag is in the company index, no table read.
            widened = widened.where(colleague.c.exclude_from_segment == false())
            alone = alone.where(contacts.c.exclude_from_segment == false())
        candidates = union_all(widened, alone).subquery()
    else:
        # The company of each match by primary key. A matched company is its own company, already
        # among the matches, so the persons need not be told apart (type is not in the index).
        company = contacts.alias("company")
        found = select(contacts.c.id.label("contact_id"), *_carried(contacts, carry)).where(matched)
        brought = select(company.c.id, *_carried(company, carry)).where(
            company.c.workspace_id == workspace_id,
            company.c.type == COMPANY,
            company.c.id.in_(companies),
        )
        if not options.ignore_exclusion:
            found = found.where(contacts.c.exclude_from_segment == false())
            brought = brought.where(company.c.exclude_from_segment == false())
        candidates = union(found, brought).subquery()
    return select(candidates.c.contact_id, *(candidates.c[name] for name in carry)).where(
        not_(members.has(candidates.c.contact_id))
    )


def _carried(table: Any, carry: Sequence[str]) -> list[Any]:
    return [table.c[name].label(name) for name in carry]


def _logged_segment_contacts(logged_no: str, members: MemberSet, workspace_id: int) -> Select[Any]:
    entries = InteractionLogEntry.__table__
    logged = LoggedSegment.__table__
    return (
        select(entries.c.contact_id)
        .distinct()
        .select_from(entries.join(logged, logged.c.id == entries.c.logged_segment_id))
        .where(
            logged.c.workspace_id == workspace_id,
            logged.c.no == logged_no,
            not_(members.has(entries.c.contact_id)),
        )
    )
