"""What a segment is made of: its contacts counted by one field, grouped in the database.

One grouped query per breakdown: the contacts' values are counted, ranked, and folded into the top
ten, "other" and "none" by the database, so no segment's contacts cross into Python.
"""

from __future__ import annotations

import difflib
import itertools
import math
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal, null, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import FromClause

from storage.criteria.fields import PROFILE_PREFIX
from storage.errors import ValidationError
from storage.models import Contact, ContactProfileAnswer, ProfileQuestion, SegmentLine
from storage.models.classifications import CLASSIFICATIONS
from storage.service._common import find_segment, segment_size

TOP = 10
# How many numeric ranges a profile question's answers are cut into, at most.
_RANGES = 8

_lines = SegmentLine.__table__
_contacts = Contact.__table__
_companies = _contacts.alias("company")
_answers = ContactProfileAnswer.__table__

_COLUMNS = ("country", "city", "salesperson", "territory", "language", "type")
# Industry groups and business relations belong to companies: a person counts under its company's.
_COMPANY_LINKS = {c.field: c.link_table for c in CLASSIFICATIONS if c.of_company}
_CONTACT_LINKS = {c.field: c.link_table for c in CLASSIFICATIONS if not c.of_company}
BREAKDOWN_FIELDS: tuple[str, ...] = (
    *_COLUMNS[:2],
    "industry",
    "relation",
    "mailing",
    "job",
    *_COLUMNS[2:],
    "company",
    "created",
)
# A contact may carry several codes of these; it then counts once under each.
MULTI_VALUED = frozenset({*_COMPANY_LINKS, *_CONTACT_LINKS})


@dataclass(frozen=True)
class Breakdown:
    """A segment's contacts by ``field``: the ``TOP`` largest values, the rest, and the contacts without."""

    segment_no: str
    segment_description: str
    field: str
    size: int
    rows: tuple[BreakdownRow, ...]
    other: int
    other_values: int
    none: int
    # Values with an order of their own (months, numeric ranges) are listed in it, not by count.
    is_ordered: bool = False
    is_multi_valued: bool = False


@dataclass(frozen=True)
class BreakdownRow:
    """One value and how many of the segment's contacts have it.

    ``label`` is a name for a code-like ``value`` (a company's name); ``low``/``high`` bound a
    numeric range, ``high`` excluded.
    """

    value: str
    count: int
    label: str | None = None
    low: float | None = None
    high: float | None = None


def breakdown_field(text: str) -> str:
    """``text`` as a breakdown field name (lower-cased), or a ValidationError naming the closest one."""
    name = text.strip().lower()
    if name in BREAKDOWN_FIELDS or (name.startswith(PROFILE_PREFIX) and len(name) > len(PROFILE_PREFIX)):
        return name
    close = difflib.get_close_matches(name, [*BREAKDOWN_FIELDS, PROFILE_PREFIX], n=1, cutoff=0.5)
    if close:
        raise ValidationError(
            "'{field}' cannot be broken down - did you mean '{close}'? Fields: {fields}",
            field=name,
            close=close[0],
            fields=", ".join((*BREAKDOWN_FIELDS, "profile.<question>")),
        )
    raise ValidationError(
        "'{field}' cannot be broken down. Fields: {fields}",
        field=name,
        fields=", ".join((*BREAKDOWN_FIELDS, "profile.<question>")),
    )


def breakdown_segment(session: Session, workspace_id: int, segment_no: str, field: str) -> Breakdown:
    """Count the segment's contacts by ``field`` (see ``BREAKDOWN_FIELDS`` and ``profile.<question>``)."""
    name = breakdown_field(field)
    segment = find_segment(session, workspace_id, segment_no)
    ranges: list[tuple[float, float]] = []
    if name.startswith(PROFILE_PREFIX):
        question = _known_question(session, workspace_id, name[len(PROFILE_PREFIX) :])
        ranges = _numeric_ranges(session, workspace_id, question)
        pairs = _profile_pairs(_lines, [_lines.c.segment_id == segment.id], workspace_id, question, ranges)
    else:
        pairs = _pairs(session, _lines, [_lines.c.segment_id == segment.id], name)
    rows = session.execute(_grouped(pairs, blank_is_none=name in _COLUMNS)).all()
    top: list[BreakdownRow] = []
    other = other_values = none = total = 0
    for bucket, value, label, count, values in rows:
        total += int(count)
        if bucket == 0:
            none = int(count)
        elif bucket > TOP:
            other, other_values = int(count), int(values)
        elif ranges:
            low, high = ranges[int(value)]
            top.append(BreakdownRow(value=str(value), count=int(count), low=low, high=high))
        else:
            top.append(BreakdownRow(value=str(value), count=int(count), label=label))
    if name == "company":
        top = _name_companies(session, top)
    is_ordered = bool(ranges) or name == "created"
    if is_ordered:
        top.sort(key=lambda row: int(row.value) if ranges else row.value)
    return Breakdown(
        segment_no=segment.no,
        segment_description=segment.description,
        field=name,
        # Each contact counts once in a single-valued field, so the counts add up to the size.
        size=segment_size(session, segment.id) if name in MULTI_VALUED else total,
        rows=tuple(top),
        other=other,
        other_values=other_values,
        none=none,
        is_ordered=is_ordered,
        is_multi_valued=name in MULTI_VALUED,
    )


def largest_shares(
    session: Session, members: FromClause, fields: tuple[str, ...], *, top: int = 3
) -> tuple[int, tuple[tuple[BreakdownRow, ...], ...]]:
    """How many contacts ``members`` (a set with ``contact_id``) holds, and the ``top`` commonest
    values of each of ``fields`` (plain fields, not profile questions) among them.

    For a preview's one-line summary: one statement, the same grouped query as a breakdown per
    field, over the set computed once (PostgreSQL would otherwise compute it again for each part).
    """
    names = [breakdown_field(field) for field in fields]
    computed = select(members.c.contact_id).cte("members")
    if session.get_bind().dialect.name == "postgresql":
        computed = computed.prefix_with("MATERIALIZED")
    parts = [
        select(
            literal(index).label("field"),
            *_grouped(_pairs(session, computed, [], name), blank_is_none=name in _COLUMNS).subquery().c,
        )
        for index, name in enumerate(names)
    ]
    size = select(literal(-1), literal(0), null(), null(), func.count(), literal(0)).select_from(computed)
    counted = 0
    found: list[dict[int, BreakdownRow]] = [{} for _ in names]
    for index, bucket, value, label, count, _ in session.execute(union_all(*parts, size)):
        if index < 0:
            counted = int(count)
        elif 0 < bucket <= top:
            found[index][int(bucket)] = BreakdownRow(value=str(value), count=int(count), label=label)
    return counted, tuple(tuple(rows[bucket] for bucket in sorted(rows)) for rows in found)


def _grouped(pairs: Select, *, blank_is_none: bool = False) -> Select:
    """Count ``pairs`` (key, label) by key, rank the keys by count, fold ranks past ``TOP`` into one.

    Buckets: 0 is the contacts without a value, 1..TOP the largest values, TOP + 1 the rest. A pair
    with a weight ``w`` counts ``w`` times. ``blank_is_none``: an empty text is no value, as for
    criteria's `-city:*`; the few grouped keys are tested, not each contact's.
    """
    source = pairs.subquery("pairs")
    count = func.sum(source.c.w) if "w" in source.c else func.count()
    counts = (
        select(source.c.k, func.max(source.c.l).label("l"), count.label("n"))
        .group_by(source.c.k)
        .subquery("raw")
    )
    key = func.nullif(counts.c.k, "") if blank_is_none else counts.c.k
    counts = select(key.label("k"), counts.c.l, counts.c.n).subquery("counts")
    rank = func.row_number().over(order_by=(counts.c.k.is_(None), counts.c.n.desc(), counts.c.k)).label("r")
    ranked = select(counts.c.k, counts.c.l, counts.c.n, rank).subquery("ranked")
    bucket = case((ranked.c.k.is_(None), 0), (ranked.c.r <= TOP, ranked.c.r), else_=literal(TOP + 1)).label(
        "bucket"
    )
    return (
        select(
            bucket,
            func.max(ranked.c.k),
            func.max(ranked.c.l),
            func.sum(ranked.c.n),
            func.count(),
        )
        .group_by(bucket)
        .order_by(bucket)
    )


def _pairs(session: Session, members: FromClause, conditions: list[ColumnElement], name: str) -> Select:
    """One row per (contact, value) of ``members`` (a set with ``contact_id``) where ``conditions``
    hold: ``k`` the value (NULL: none), ``l`` its label; or, where ``w`` is given, one row standing
    for ``w`` contacts."""
    if name in _CONTACT_LINKS:
        link = _CONTACT_LINKS[name]
        return (
            select(link.c.code.label("k"), null().label("l"))
            .select_from(members.outerjoin(link, link.c.contact_id == members.c.contact_id))
            .where(*conditions)
        )
    joined: FromClause = members.join(_contacts, _contacts.c.id == members.c.contact_id)
    if name in _COMPANY_LINKS:
        link = _COMPANY_LINKS[name]
        if session.get_bind().dialect.name == "sqlite":
            # SQLite looks each code up by B-tree search: once per company, not once per person.
            # PostgreSQL hashes the codes, and counting by company first only adds a pass.
            companies = (
                select(_contacts.c.company_id, func.count().label("w"))
                .select_from(joined)
                .where(*conditions)
                .group_by(_contacts.c.company_id)
                .subquery("companies")
            )
            return select(link.c.code.label("k"), null().label("l"), companies.c.w).select_from(
                companies.outerjoin(link, link.c.contact_id == companies.c.company_id)
            )
        return (
            select(link.c.code.label("k"), null().label("l"))
            .select_from(joined.outerjoin(link, link.c.contact_id == _contacts.c.company_id))
            .where(*conditions)
        )
    if name == "company":
        # Grouped by the company's id, read from the narrow contacts index; the number and name of
        # the ten largest are looked up afterwards (_name_companies), not carried through the grouping.
        return (
            select(_contacts.c.company_id.label("k"), null().label("l"))
            .select_from(joined)
            .where(*conditions)
        )
    key = _month(session, _contacts.c.created) if name == "created" else _contacts.c[name]
    return select(key.label("k"), null().label("l")).select_from(joined).where(*conditions)


def _name_companies(session: Session, rows: list[BreakdownRow]) -> list[BreakdownRow]:
    """``rows`` keyed by company id, as company number and name."""
    ids = [int(row.value) for row in rows]
    names = {
        str(id_): (no, name)
        for id_, no, name in session.execute(
            select(_companies.c.id, _companies.c.no, _companies.c.name).where(_companies.c.id.in_(ids))
        )
    }
    return [replace(row, value=names[row.value][0], label=names[row.value][1]) for row in rows]


def _month(session: Session, column: ColumnElement) -> ColumnElement:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _known_question(session: Session, workspace_id: int, question: str) -> str:
    codes = list(
        session.scalars(
            select(ProfileQuestion.code).where(ProfileQuestion.workspace_id == workspace_id)
        ).all()
    )
    if question in codes:
        return question
    close = difflib.get_close_matches(question, codes, n=1, cutoff=0.5)
    if close:
        raise ValidationError(
            "no contact answers profile question '{question}' - did you mean '{close}'?",
            question=question,
            close=f"{PROFILE_PREFIX}{close[0]}",
        )
    raise ValidationError(
        "no contact answers profile question '{question}'. Questions: {questions}",
        question=question,
        questions=", ".join(PROFILE_PREFIX + code for code in sorted(codes)[:20]) or "-",
    )


def _numeric_ranges(session: Session, workspace_id: int, question: str) -> list[tuple[float, float]]:
    """Round ranges over the workspace's answers when every answer is a number, else none.

    The ranges come from the whole workspace, so two segments' breakdowns line up; the three
    figures are read from the (workspace, question, number) index.
    """
    of_question = and_(_answers.c.workspace_id == workspace_id, _answers.c.question == question)
    low, high, has_text = session.execute(
        select(
            select(func.min(_answers.c.answer_number)).where(of_question).scalar_subquery(),
            select(func.max(_answers.c.answer_number)).where(of_question).scalar_subquery(),
            exists().where(of_question, _answers.c.answer_number.is_(None)),
        )
    ).one()
    if has_text or low is None:
        return []
    if low > 0 and high / low >= 100:
        # Amounts such as revenue spread over orders of magnitude: equal widths would put nearly
        # every answer in the first range.
        return _log_ranges(low, high)
    step = _nice_step((high - low) / _RANGES)
    start = math.floor(low / step) * step
    count = max(1, math.floor((high - start) / step) + 1)
    return [(start + i * step, start + (i + 1) * step) for i in range(count)]


def _log_ranges(low: float, high: float) -> list[tuple[float, float]]:
    """Ranges bounded by 1-2-5 times powers of ten, or by powers of ten alone when those are too many."""
    first, last = math.floor(math.log10(low)), math.floor(math.log10(high)) + 1
    ranges: list[tuple[float, float]] = []
    for factors in ((1, 2, 5), (1,)):
        bounds = sorted(f * 10.0**e for e in range(first, last + 1) for f in factors)
        start = max(b for b in bounds if b <= low)
        end = min(b for b in bounds if b > high)
        kept = [b for b in bounds if start <= b <= end]
        ranges = list(itertools.pairwise(kept))
        if len(ranges) <= TOP:
            break
    return ranges


def _nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``raw``."""
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def _profile_pairs(
    members: FromClause,
    conditions: list[ColumnElement],
    workspace_id: int,
    question: str,
    ranges: list[tuple[float, float]],
) -> Select:
    answered = and_(
        _answers.c.contact_id == members.c.contact_id,
        _answers.c.workspace_id == workspace_id,
        _answers.c.question == question,
        _answers.c.answer_lower != "",
    )
    key: ColumnElement
    label: ColumnElement
    if ranges:
        # The index of the range the answer falls in; NULL (none) when unanswered.
        key = case(
            *((_answers.c.answer_number < high, index) for index, (_, high) in enumerate(ranges[:-1])),
            else_=literal(len(ranges) - 1),
        )
        key = case((_answers.c.answer_number.is_(None), null()), else_=key)
        label = null()
    else:
        key, label = _answers.c.answer_lower, _answers.c.answer
    return (
        select(key.label("k"), label.label("l"))
        .select_from(members.outerjoin(_answers, answered))
        .where(*conditions)
    )
