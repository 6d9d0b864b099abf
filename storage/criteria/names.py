"""Checking that criteria name only segments, codes and profile questions the workspace has.

A misspelt code (``industry:retial``) would otherwise match nothing and read as "changes nothing",
which a user cannot tell from a real answer. Only exact values are checked: a wildcard, a range or
a comparison names no particular code, and a code that exists but matches nothing is a real answer.

Checked when a user gives criteria (add, reduce, refine, new), never when a refresh replays the
journal: a code that has disappeared since simply matches nothing there. Each field costs one
query of index probes (``EXISTS`` per value); listing the closest known names reads more, but
only once the criteria are already wrong.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, exists, func, literal, select, union, union_all
from sqlalchemy.orm import Session

from storage.criteria.ast import And, Expr, Interaction, Match, Not, Or, Text
from storage.criteria.fields import PROFILE_PREFIX
from storage.errors import N_, ValidationError
from storage.models import (
    Campaign,
    Contact,
    ContactProfileAnswer,
    InteractionLogEntry,
    InteractionTemplate,
    ProfileQuestion,
    Segment,
)
from storage.models.classifications import CLASSIFICATIONS

_contacts = Contact.__table__
# Field -> (the code table that declares its codes, the link table that carries them).
_LINKED: dict[str, tuple[Any, Any]] = {c.field: (c.code_table, c.link_table) for c in CLASSIFICATIONS}
_CONTACT_CODES = ("country", "territory", "salesperson", "language")
# The fields of interaction:(...) checked against the workspace's codes.
_INTERACTION_CODES = ("template", "campaign")
_CLOSEST = 3
# How an unknown name is refused, by kind of field: with close names, with the names there are, or
# when there are none yet.
_UNKNOWN = {
    "segment": (
        N_("there is no segment {value} - did you mean {close}?"),
        N_("there is no segment {value}; the segments are {known}"),
        N_("there is no segment {value}: no segment exists yet"),
    ),
    "profile": (
        N_("no contact answers the profile question '{value}' - did you mean {close}?"),
        N_("no contact answers the profile question '{value}'; the questions are {known}"),
        N_("no contact answers the profile question '{value}': no profile answers exist yet"),
    ),
    "code": (
        N_("no {field} code {value} in this workspace - did you mean {close}?"),
        N_("no {field} code {value} in this workspace; the codes are {known}"),
        N_("no {field} code {value} in this workspace: no contact has one yet"),
    ),
}
_LISTED = 12


class UnknownNameError(ValidationError):
    """Criteria name a segment, code or profile question the workspace does not have.

    ``field`` and ``value`` say which term is wrong (``value`` as the parser stored it), so the
    layer that holds the typed text can point at it.
    """

    def __init__(self, message: str, /, *, field: str, value: str, **params: object) -> None:
        self.field = field
        self.value = value
        super().__init__(message, field=field, value=value, **params)


def check_names(session: Session, workspace_id: int, expr: Expr) -> None:
    """Raise ``UnknownNameError`` for the first name in ``expr`` the workspace does not have."""
    wanted: dict[str, list[str]] = {}
    for field, value in _named_values(expr):
        values = wanted.setdefault(field, [])
        if value not in values:
            values.append(value)
    for field, values in wanted.items():
        found = _existing(session, workspace_id, field, values)
        missing = [value for value in values if value not in found]
        if missing:
            raise _unknown(session, workspace_id, field, missing[0])


def _named_values(expr: Expr, *, in_interaction: bool = False) -> Iterator[tuple[str, str]]:
    """``(field, value)`` for each name the criteria rely on; profile questions as ``(field, field)``."""
    if isinstance(expr, Not):
        yield from _named_values(expr.expr, in_interaction=in_interaction)
        return
    if isinstance(expr, And | Or):
        for item in expr.items:
            yield from _named_values(item, in_interaction=in_interaction)
        return
    if isinstance(expr, Interaction):
        yield from _named_values(expr.expr, in_interaction=True)
        return
    field = expr.field.lower()
    if in_interaction:
        # Inside interaction:(...) the fields are an interaction's; its template and campaign are codes.
        if isinstance(expr, Match) and field in _INTERACTION_CODES:
            yield from ((field, v.value) for v in expr.values if isinstance(v, Text) and "*" not in v.value)
        return
    if field.startswith(PROFILE_PREFIX):
        # The question is named by every kind of term, `profile.q:*` and `profile.q:>=3` included.
        yield field, field[len(PROFILE_PREFIX) :]
        return
    if not isinstance(expr, Match) or not _is_checked(field):
        return
    for value in expr.values:
        if isinstance(value, Text) and "*" not in value.value:
            yield field, value.value


def _is_checked(field: str) -> bool:
    return field in _LINKED or field in _CONTACT_CODES or field in ("interaction", "segment")


def _existing(session: Session, workspace_id: int, field: str, values: list[str]) -> set[str]:
    """Which of ``values`` the workspace has: one statement, an index probe per value."""
    probes = [
        select(literal(value).label("name")).where(_has(workspace_id, field, value)) for value in values
    ]
    statement = probes[0] if len(probes) == 1 else union_all(*probes)
    return set(session.scalars(select(statement.subquery().c.name)))


def _has(workspace_id: int, field: str, value: str) -> ColumnElement[bool]:
    if field in _LINKED:
        codes, links = _LINKED[field]
        return _in(codes, workspace_id, codes.c.code == value) | _in(
            links, workspace_id, links.c.code == value
        )
    if field in _CONTACT_CODES:
        return _in(_contacts, workspace_id, _contacts.c[field] == value)
    if field in ("interaction", "template"):
        entries, templates = InteractionLogEntry.__table__, InteractionTemplate.__table__
        return _in(templates, workspace_id, templates.c.code == value) | _in(
            entries, workspace_id, entries.c.template_code == value
        )
    if field == "campaign":
        entries, campaigns = InteractionLogEntry.__table__, Campaign.__table__
        return _in(campaigns, workspace_id, campaigns.c.no == value) | _in(
            entries, workspace_id, entries.c.campaign_no == value
        )
    if field == "segment":
        segments = Segment.__table__
        return _in(segments, workspace_id, segments.c.no == value)
    answers, questions = ContactProfileAnswer.__table__, ProfileQuestion.__table__
    # Answers keep questions lower-case; the declared codes keep the case they were imported with.
    return _in(answers, workspace_id, answers.c.question == value) | _in(
        questions, workspace_id, func.lower(questions.c.code) == value
    )


def _in(table: Any, workspace_id: int, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(table.c.workspace_id == workspace_id, condition)


def _known(session: Session, workspace_id: int, field: str) -> list[str]:
    """Every name the workspace has for ``field``; read only to explain an unknown one."""
    if field in _LINKED:
        codes, links = _LINKED[field]
        query: Any = union(
            select(codes.c.code).where(codes.c.workspace_id == workspace_id),
            select(links.c.code).where(links.c.workspace_id == workspace_id).distinct(),
        )
    elif field in _CONTACT_CODES:
        column = _contacts.c[field]
        query = select(column).where(_contacts.c.workspace_id == workspace_id, column.is_not(None)).distinct()
    elif field in ("interaction", "template"):
        entries, templates = InteractionLogEntry.__table__, InteractionTemplate.__table__
        query = union(
            select(templates.c.code).where(templates.c.workspace_id == workspace_id),
            select(entries.c.template_code).where(entries.c.workspace_id == workspace_id).distinct(),
        )
    elif field == "campaign":
        entries, campaigns = InteractionLogEntry.__table__, Campaign.__table__
        query = union(
            select(campaigns.c.no).where(campaigns.c.workspace_id == workspace_id),
            select(entries.c.campaign_no)
            .where(entries.c.workspace_id == workspace_id, entries.c.campaign_no.is_not(None))
            .distinct(),
        )
    elif field == "segment":
        segments = Segment.__table__
        # Not the provisional numbers of segments still being created.
        query = select(segments.c.no).where(
            segments.c.workspace_id == workspace_id, segments.c.no.like("SEG%")
        )
    else:
        answers, questions = ContactProfileAnswer.__table__, ProfileQuestion.__table__
        query = union(
            select(func.lower(questions.c.code)).where(questions.c.workspace_id == workspace_id),
            select(answers.c.question).where(answers.c.workspace_id == workspace_id).distinct(),
        )
    return sorted({name for name in session.scalars(select(query.subquery().c[0])) if name})


def _unknown(session: Session, workspace_id: int, field: str, value: str) -> UnknownNameError:
    known = _known(session, workspace_id, field)
    fold = str.lower if field.startswith(PROFILE_PREFIX) else str.upper
    close = difflib.get_close_matches(fold(value), [fold(k) for k in known], n=_CLOSEST, cutoff=0.6)
    listed = (
        ", ".join(close) if close else ", ".join(known[:_LISTED]) + (", …" if len(known) > _LISTED else "")
    )
    family = "segment" if field == "segment" else "profile" if field.startswith(PROFILE_PREFIX) else "code"
    near, listing, none_yet = _UNKNOWN[family]
    if close:
        shown = ", ".join(PROFILE_PREFIX + c for c in close) if family == "profile" else listed
        return UnknownNameError(near, field=field, value=value, close=shown)
    if known:
        return UnknownNameError(listing, field=field, value=value, known=listed)
    return UnknownNameError(none_yet, field=field, value=value)
