"""Compiling the criteria AST to one SQLAlchemy Core condition over the ``contacts`` table.

Every leaf is two-valued, never NULL: a contact without a city is simply "not in Rome", so
``-city:rome`` keeps it, and NOT/AND/OR behave as a user reading the criteria expects, even when a
caller negates the whole condition. Conditions on linked rows (codes, profile answers,
interactions, segment lines) are subqueries on indexed link tables: ``id IN (subquery)`` for the
criteria's top-level terms, so the most selective one can drive the query, and correlated EXISTS
under OR and NOT (see ``_Compiler._linked``). Nothing is filtered in Python.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import FromClause

from storage.criteria import ast as nodes
from storage.criteria.dates import resolve_date
from storage.criteria.fields import PROFILE_PREFIX, FieldKind, field_kind, interaction_field_kind
from storage.errors import ValidationError
from storage.limits import check_text
from storage.models import Contact, ContactProfileAnswer, InteractionLogEntry, Segment, SegmentLine
from storage.models.classifications import CLASSIFICATIONS

__all__ = ["compile_criteria", "resolve_date"]

contacts = Contact.__table__
_companies = contacts.alias("company")
_answers = ContactProfileAnswer.__table__
_interactions = InteractionLogEntry.__table__
_lines = SegmentLine.__table__
_segments = Segment.__table__

_TEXT_COLUMNS = ("no", "type", "name", "company_no", "city", "post_code", "email", "phone")
_CODE_COLUMNS = ("country", "territory", "salesperson", "language")
# As in Business Central, industry groups and business relations belong to companies: a person
# matches through its company, found by company_id (a company's company_id is its own id).
_COMPANY_LINKS = {c.field: c.link_table for c in CLASSIFICATIONS if c.of_company}
_CONTACT_LINKS = {c.field: c.link_table for c in CLASSIFICATIONS if not c.of_company}

# The fields of one interaction inside interaction:(...), and the column each reads.
_INTERACTION_COLUMNS = {
    "template": "template_code",
    "date": "date",
    "evaluation": "evaluation",
    "campaign": "campaign_no",
    "salesperson": "salesperson",
    "description": "description",
    "segment": "segment_no",
}

_OPERATORS: dict[nodes.Op, Callable[[Any, Any], ColumnElement[bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def compile_criteria(expr: nodes.Expr, *, workspace_id: int, today: date) -> ColumnElement[bool]:
    """A boolean condition over ``contacts`` that holds for exactly the contacts ``expr`` selects.

    Use it as ``select(contacts.c.id).where(contacts.c.workspace_id == ws, compile_criteria(...))``.
    Relative dates (``today-30d``) are resolved against ``today``. Raises ``ValidationError`` for
    criteria that cannot mean anything (an unknown field, a comparison on a text field).
    """
    return _Compiler(workspace_id, today).compile(expr)


class _Compiler:
    def __init__(self, workspace_id: int, today: date) -> None:
        self.workspace_id = workspace_id
        self.today = today
        self.driving = True

    def compile(self, expr: nodes.Expr, *, driving: bool = True) -> ColumnElement[bool]:
        """``driving``: the term is one of the criteria's top-level ANDs, so it can narrow the scan."""
        if isinstance(expr, nodes.And):
            return and_(*(self.compile(e, driving=driving) for e in expr.items)) if expr.items else true()
        if isinstance(expr, nodes.Or):
            return or_(*(self.compile(e, driving=False) for e in expr.items)) if expr.items else false()
        if isinstance(expr, nodes.Not):
            return not_(self.compile(expr.expr, driving=False))
        self.driving = driving
        if isinstance(expr, nodes.Interaction):
            return self._interaction(self._one_interaction(expr.expr))
        if field_kind(expr.field) is None:
            raise ValidationError("unknown field '{field}'", field=expr.field)
        if isinstance(expr, nodes.Present):
            return self._present(expr.field)
        if isinstance(expr, nodes.Match):
            return self._match(expr.field, expr.values)
        if isinstance(expr, nodes.Compare):
            return self._compare(expr.field, ((expr.op, expr.value),))
        if isinstance(expr, nodes.Range):
            return self._compare(expr.field, _range_bounds(expr.low, expr.high))
        raise TypeError(f"not a criteria expression: {expr!r}")

    # --- field:*  ---------------------------------------------------------------------------------

    def _present(self, field: str) -> ColumnElement[bool]:
        if field in _TEXT_COLUMNS or field in _CODE_COLUMNS:
            column = contacts.c[field]
            return and_(column.is_not(None), column != "")
        if field == "created":
            return contacts.c.created.is_not(None)
        if field == "company":
            return self._company(_companies.c.name != "")
        if field in _COMPANY_LINKS or field in _CONTACT_LINKS:
            return self._linked_code(field, true())
        if field in ("interaction", "interacted"):
            return self._interaction(true())
        if field == "segment":
            return self._segment(true())
        return self._answer(field, _answers.c.answer_lower != "")

    # --- field:a,b  -------------------------------------------------------------------------------

    def _match(self, field: str, values: Sequence[nodes.Value]) -> ColumnElement[bool]:
        if not values:
            return false()
        kind = field_kind(field)
        if kind is FieldKind.DATE:
            days = self._days(field, values)
            if field == "created":
                return and_(contacts.c.created.is_not(None), contacts.c.created.in_(days))
            return self._interaction(_interactions.c.date.in_(days))
        if kind is FieldKind.PROFILE:
            numbers = sorted({float(v.value) for v in values if isinstance(v, nodes.Number)})
            texts = [self._text(v) for v in values if not isinstance(v, nodes.Number)]
            parts = []
            if texts:
                parts.append(_text_condition(_answers.c.answer_lower, texts, str.lower))
            if numbers:
                parts.append(_answers.c.answer_number.in_(numbers))
            return self._answer(field, or_(*parts))
        texts = [self._text(v) for v in values]
        if field in _TEXT_COLUMNS:
            column = contacts.c[field]
            condition = _text_condition(func.lower(column), texts, str.lower)
            return and_(column.is_not(None), condition) if column.nullable else condition
        if field in _CODE_COLUMNS:
            # Codes are stored upper-case, so the plain column (and its index) can be compared.
            column = contacts.c[field]
            return and_(column.is_not(None), _text_condition(column, texts, str.upper))
        if field == "company":
            return self._company(_text_condition(func.lower(_companies.c.name), texts, str.lower))
        if field in _COMPANY_LINKS or field in _CONTACT_LINKS:
            table = _COMPANY_LINKS.get(field, _CONTACT_LINKS.get(field))
            assert table is not None
            return self._linked_code(field, _text_condition(table.c.code, texts, str.upper))
        if field == "interaction":
            return self._interaction(_text_condition(_interactions.c.template_code, texts, str.upper))
        return self._segment(_text_condition(_segments.c.no, texts, str.upper))

    # --- field:>=x, field:a..b  -----------------------------------------------------------------

    def _compare(self, field: str, bounds: Sequence[tuple[nodes.Op, nodes.Bound]]) -> ColumnElement[bool]:
        kind = field_kind(field)
        if (
            bounds
            and all(isinstance(value, nodes.Text) for _, value in bounds)
            and kind is not FieldKind.DATE
        ):
            return self._text_range(field, [(op, self._text(value)) for op, value in bounds])
        if kind is FieldKind.DATE:
            column = contacts.c.created if field == "created" else _interactions.c.date
            conditions = [_OPERATORS[op](column, self._day(field, value)) for op, value in bounds]
            if field == "created":
                return and_(column.is_not(None), *conditions)
            return self._interaction(and_(*conditions))
        if kind is FieldKind.PROFILE:
            number = _answers.c.answer_number
            conditions = [_OPERATORS[op](number, self._number(field, value)) for op, value in bounds]
            return self._answer(field, and_(number.is_not(None), *conditions))
        raise ValidationError(
            "'{field}' cannot be compared: comparisons and ranges work on dates and profile numbers",
            field=field,
        )

    def _text_range(self, field: str, bounds: Sequence[tuple[nodes.Op, str]]) -> ColumnElement[bool]:
        """Text compared as text, case-insensitively: ``no:CT000100..CT000200``."""

        def within(target: Any, fold: Callable[[str], str]) -> ColumnElement[bool]:
            ordered = _ByCodePoint(target)
            return and_(*(_OPERATORS[op](ordered, fold(value)) for op, value in bounds))

        if field in _TEXT_COLUMNS:
            column = contacts.c[field]
            condition = within(func.lower(column), str.lower)
            return and_(column.is_not(None), condition) if column.nullable else condition
        if field in _CODE_COLUMNS:
            column = contacts.c[field]
            return and_(column.is_not(None), within(column, str.upper))
        if field == "company":
            return self._company(within(func.lower(_companies.c.name), str.lower))
        if field in _COMPANY_LINKS or field in _CONTACT_LINKS:
            table = _COMPANY_LINKS.get(field, _CONTACT_LINKS.get(field))
            assert table is not None
            return self._linked_code(field, within(table.c.code, str.upper))
        if field == "interaction":
            return self._interaction(within(_interactions.c.template_code, str.upper))
        if field == "segment":
            return self._segment(within(_segments.c.no, str.upper))
        return self._answer(field, within(_answers.c.answer_lower, str.lower))

    # --- interaction:(...): every condition on one and the same interaction ------------------------

    def _one_interaction(self, expr: nodes.Expr) -> ColumnElement[bool]:
        if isinstance(expr, nodes.And):
            return and_(*(self._one_interaction(e) for e in expr.items)) if expr.items else true()
        if isinstance(expr, nodes.Or):
            return or_(*(self._one_interaction(e) for e in expr.items)) if expr.items else false()
        if isinstance(expr, nodes.Not):
            return not_(self._one_interaction(expr.expr))
        if isinstance(expr, nodes.Interaction) or interaction_field_kind(expr.field) is None:
            raise ValidationError("'{field}' is not a field of an interaction", field=_field_of(expr))
        column = _interactions.c[_INTERACTION_COLUMNS[expr.field]]
        kind = interaction_field_kind(expr.field)
        # Leaves stay two-valued on nullable columns, so a NOT inside the group reads as a user expects.
        known = column.is_not(None)
        if isinstance(expr, nodes.Present):
            return and_(known, column != "") if kind is not FieldKind.DATE else known
        if isinstance(expr, nodes.Match):
            if kind is FieldKind.DATE:
                return column.in_(self._days(expr.field, expr.values))
            texts = [self._text(v) for v in expr.values]
            if kind is FieldKind.CODE:
                target = column if expr.field == "template" else func.upper(column)
                return and_(known, _text_condition(target, texts, str.upper))
            return and_(known, _text_condition(func.lower(column), texts, str.lower))
        bounds = (
            ((expr.op, expr.value),)
            if isinstance(expr, nodes.Compare)
            else _range_bounds(expr.low, expr.high)
        )
        if kind is FieldKind.DATE:
            return and_(*(_OPERATORS[op](column, self._day(expr.field, value)) for op, value in bounds))
        if kind is FieldKind.CODE:
            target, fold = (column if expr.field == "template" else func.upper(column)), str.upper
        else:
            target, fold = func.lower(column), str.lower
        ordered = _ByCodePoint(target)
        return and_(known, *(_OPERATORS[op](ordered, fold(self._text(value))) for op, value in bounds))

    # --- subqueries on linked rows -----------------------------------------------------------------

    def _company(self, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return self._linked(contacts.c.company_id, _companies, _companies.c.id, _companies, condition)

    def _linked_code(self, field: str, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        if field in _COMPANY_LINKS:
            table, key = _COMPANY_LINKS[field], contacts.c.company_id
        else:
            table, key = _CONTACT_LINKS[field], contacts.c.id
        # _linked's workspace_id test lets the (workspace_id, code, contact_id) index answer "who has code X".
        return self._linked(key, table, table.c.contact_id, table, condition)

    def _interaction(self, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        not_canceled = _interactions.c.canceled == false()
        return self._linked(
            contacts.c.id, _interactions, _interactions.c.contact_id, _interactions, not_canceled, condition
        )

    def _answer(self, field: str, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        of_question = _answers.c.question == field[len(PROFILE_PREFIX) :].lower()
        return self._linked(contacts.c.id, _answers, _answers.c.contact_id, _answers, of_question, condition)

    def _segment(self, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        lines_of_segments = _lines.join(_segments, _segments.c.id == _lines.c.segment_id)
        return self._linked(contacts.c.id, lines_of_segments, _lines.c.contact_id, _segments, condition)

    def _linked(
        self,
        key: Any,
        source: FromClause,
        linked_id: Any,
        of_workspace: FromClause,
        *conditions: ColumnElement[bool],
    ) -> ColumnElement[bool]:
        """``key`` (a contact id) is among the ``linked_id`` of this workspace's ``source`` rows that meet
        ``conditions``; the workspace is that of ``of_workspace``, ``source`` or one of its tables.

        A top-level term becomes ``key IN (subquery)``: SQLite can then start from the subquery's
        index (or build one lookup table for it) instead of probing every contact, and PostgreSQL
        plans it as the same semi-join as EXISTS. Under OR or NOT it is a correlated EXISTS, which
        PostgreSQL turns into an anti-join or an index probe; ``NOT IN`` would fall back to a
        nested loop once the subquery outgrows work_mem.
        """
        conditions = (of_workspace.c.workspace_id == self.workspace_id, *conditions)
        if self.driving:
            ids = select(linked_id).select_from(source).where(*conditions).correlate(None)
            member = key.in_(ids)
            # A NULL company_id must read as "no", not unknown, so NOT around it still works.
            return and_(key.is_not(None), member) if key.nullable else member
        probe: Select[Any] = select(literal_column("1")).select_from(source)
        probe = probe.where(linked_id == key, *conditions)
        # Correlated explicitly: the caller's statement may be nested, and contacts must stay the
        # outer row rather than be pulled into the subquery's FROM.
        return probe.correlate(contacts).exists()

    # --- values ----------------------------------------------------------------------------------

    def _text(self, value: nodes.Text | nodes.Number | nodes.Day | nodes.Today) -> str:
        if isinstance(value, nodes.Text):
            # For criteria that did not come through the parser (stored, built): SQLite would read a
            # NUL as the end of a LIKE pattern and PostgreSQL refuse it.
            check_text("a criteria value", value.value, None)
            return value.value
        if isinstance(value, nodes.Number):
            return format(value.value, "f")
        return resolve_date(value, self.today).isoformat()

    def _day(self, field: str, value: nodes.Text | nodes.Number | nodes.Day | nodes.Today) -> date:
        if isinstance(value, nodes.Day | nodes.Today):
            return resolve_date(value, self.today)
        if isinstance(value, nodes.Text) and "*" not in value.value:
            try:
                return date.fromisoformat(value.value)
            except ValueError:
                pass
        raise ValidationError(
            "'{field}' takes a date: YYYY-MM-DD, today or today-30d, not '{value}'",
            field=field,
            value=self._text(value),
        )

    def _days(self, field: str, values: Sequence[nodes.Value]) -> list[date]:
        return sorted({self._day(field, v) for v in values})

    def _number(self, field: str, value: nodes.Text | nodes.Number | nodes.Day | nodes.Today) -> float:
        if isinstance(value, nodes.Number):
            return float(value.value)
        raise ValidationError(
            "'{field}' compares numbers only, not '{value}'", field=field, value=self._text(value)
        )


def _range_bounds(
    low: nodes.Bound | None, high: nodes.Bound | None
) -> tuple[tuple[nodes.Op, nodes.Bound], ...]:
    """The comparisons of a range; an open end adds none."""
    ends: tuple[tuple[nodes.Op, nodes.Bound | None], ...] = ((">=", low), ("<=", high))
    return tuple((op, value) for op, value in ends if value is not None)


def _field_of(expr: nodes.Expr) -> str:
    return "interaction" if isinstance(expr, nodes.Interaction) else getattr(expr, "field", "?")


class _ByCodePoint(FunctionElement[str]):
    """Its text argument, compared character by character, whatever the database's collation.

    A text range must mean the same on SQLite (bytewise) and on a PostgreSQL whose collation is,
    say, en_US, which would order "a-c" after "ab" by ignoring the dash.
    """

    type = String()
    name = "by_code_point"
    inherit_cache = True


@compiles(_ByCodePoint)
def _by_code_point(element: _ByCodePoint, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_ByCodePoint, "postgresql")
def _by_code_point_postgresql(element: _ByCodePoint, compiler: SQLCompiler, **kw: Any) -> str:
    return f'({compiler.process(element.clauses, **kw)}) COLLATE "C"'


def _text_condition(target: Any, values: Sequence[str], fold: Callable[[str], str]) -> ColumnElement[bool]:
    """``target`` equals any of ``values`` (folded to the stored case); ``*`` makes a LIKE pattern."""
    exact = sorted({fold(v) for v in values if "*" not in v})
    parts: list[ColumnElement[bool]] = []
    if len(exact) == 1:
        parts.append(target == exact[0])
    elif exact:
        parts.append(target.in_(exact))
    parts.extend(target.like(_like_pattern(fold(v)), escape="\\") for v in values if "*" in v)
    return or_(*parts)


def _like_pattern(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")
