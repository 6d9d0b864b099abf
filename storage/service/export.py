"""Exporting a segment's contacts with the columns of the contacts CSV: the one path behind every export.

``export_rows`` produces the rows, ``write_export`` writes them as CSV or JSON; Slack, the console and
the command line all call ``write_export``, so the header and the rows can never drift apart.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from typing import IO, Any, Literal

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    Subquery,
    any_,
    bindparam,
    func,
    literal_column,
    select,
    union,
)
from sqlalchemy.orm import Session

from storage.csv_format import CONTACT_FILE_COLUMNS, CONTACT_PLAIN_COLUMNS
from storage.models import Contact, ContactProfileAnswer, ProfileQuestion, SegmentLine
from storage.models.classifications import CLASSIFICATIONS
from storage.service._common import find_segment

EXPORT_COLUMNS: tuple[str, ...] = CONTACT_FILE_COLUMNS
_PLAIN = CONTACT_PLAIN_COLUMNS
_LINKS = {c.column: c.links for c in CLASSIFICATIONS}
# Big enough to keep statements few, small enough that memory stays flat at any segment size.
_BATCH = 5000
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection"); a
# leading apostrophe makes it text, and spreadsheets do not display the apostrophe.
_FORMULA_STARTS = frozenset("=+-@\t\r")

ExportFormat = Literal["csv", "json"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "json")


def write_export(
    out: IO[str], session: Session, workspace_id: int, segment_no: str, *, fmt: ExportFormat = "csv"
) -> int:
    """Write the segment's contacts to ``out`` as CSV (the import format) or a JSON array; the row count.

    Rows are written as they are read, so memory stays flat however large the segment. CSV cells
    that a spreadsheet would run as a formula are written with a leading ``'``.
    """
    columns, records = _export(session, workspace_id, segment_no)
    written = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        # The csv module quotes only the line terminator's characters, so a lone carriage return
        # in a value would split the record for every reader; such rows are quoted whole.
        quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(columns)
        for record in records:
            cells = [neutralize_formula(value) for value in record]
            (quoted if any("\r" in cell for cell in cells) else writer).writerow(cells)
            written += 1
        return written
    out.write("[")
    for record in records:
        row = dict(zip(columns, record, strict=True))
        out.write(("\n  " if written == 0 else ",\n  ") + json.dumps(row, ensure_ascii=False))
        written += 1
    out.write("\n]\n" if written else "]\n")
    return written


def neutralize_formula(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text: a leading ``'`` before a formula start."""
    return "'" + value if value[:1] in _FORMULA_STARTS else value


def export_columns(session: Session, workspace_id: int) -> list[str]:
    """The header of an export: the contact columns, then ``profile.<question>`` per known question."""
    return [*EXPORT_COLUMNS, *(f"profile.{question}" for question in _questions(session, workspace_id))]


def export_rows(session: Session, workspace_id: int, segment_no: str) -> Iterator[dict[str, str]]:
    """The segment's contacts by number, as rows keyed by ``export_columns``; ``no`` comes first.

    Streams in batches (keyset paging on the contact number), so a segment of any size exports in
    constant memory. Codes are ``;``-joined; empty values are empty strings.
    """
    columns, records = _export(session, workspace_id, segment_no)
    return (dict(zip(columns, record, strict=True)) for record in records)


def _export(session: Session, workspace_id: int, segment_no: str) -> tuple[list[str], Iterator[list[str]]]:
    # Found now rather than at the first row, so a wrong number fails before anything is written.
    segment = find_segment(session, workspace_id, segment_no)
    questions = _questions(session, workspace_id)
    columns = [*EXPORT_COLUMNS, *(f"profile.{question}" for question in questions)]
    return columns, _records(session, workspace_id, segment.id, questions)


def _records(
    session: Session, workspace_id: int, segment_id: int, questions: list[str]
) -> Iterator[list[str]]:
    """Each contact as its values in the order of the export's columns.

    A batch of members at a time (keyset paging on the number, so each statement stays short under
    the statement timeout): their ids first, then one statement that groups the batch's codes and
    answers set-wise and joins them to its contacts, so rows arrive ready to write.
    """
    contacts = Contact.__table__
    lines = SegmentLine.__table__
    is_postgresql = session.get_bind().dialect.name == "postgresql"
    walk = (
        select(contacts.c.id, contacts.c.no)
        .select_from(lines.join(contacts, contacts.c.id == lines.c.contact_id))
        .where(lines.c.segment_id == segment_id, contacts.c.workspace_id == workspace_id)
        .order_by(contacts.c.no)
        .limit(_BATCH)
    )
    codes_end = len(_PLAIN) + len(_LINKS)
    after: str | None = None
    while True:
        batch = session.execute(walk if after is None else walk.where(contacts.c.no > after)).all()
        if not batch:
            return
        among = _among(session, [row[0] for row in batch])
        codes = [_codes_of(model, among, is_postgresql=is_postgresql) for model in _LINKS.values()]
        answers = _answers_of(among, questions)
        joined: Any = contacts
        for grouped in (*codes, answers):
            if grouped is not None:
                joined = joined.outerjoin(grouped, grouped.c.contact_id == contacts.c.id)
        query = (
            select(
                *(contacts.c[name] for name in _PLAIN),
                *(grouped.c.codes for grouped in codes),
                contacts.c.exclude_from_segment,
                contacts.c.created,
                *(answers.c[f"a{index}"] for index in range(len(questions)) if answers is not None),
            )
            .select_from(joined)
            .where(among(contacts.c.id))
            .order_by(contacts.c.no)
        )
        for row in session.execute(query):
            record = ["" if value is None else str(value) for value in row[:codes_end]]
            record.append("true" if row[codes_end] else "false")
            created = row[codes_end + 1]
            record.append(created.isoformat() if created else "")
            record.extend("" if answer is None else answer for answer in row[codes_end + 2 :])
            yield record
        if len(batch) < _BATCH:
            return
        after = batch[-1][1]


def _among(session: Session, ids: list[int]) -> Callable[[Any], ColumnElement[bool]]:
    """The condition "this contact id is one of the batch's", bound cheaply.

    A list of thousands of bound parameters costs more to expand than the lookups take: PostgreSQL
    takes the ids as one array parameter, SQLite (without arrays) as one JSON text it unpacks.
    """
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam("batch_ids", ids, type_=ARRAY(Integer))
        return lambda column: column == any_(array)
    unpacked: Select[Any] = select(literal_column("value")).select_from(func.json_each(json.dumps(ids)))
    return lambda column: column.in_(unpacked)


def _codes_of(model: Any, among: Callable[[Any], ColumnElement[bool]], *, is_postgresql: bool) -> Subquery:
    """Per contact of the batch with codes of one kind: ``contact_id`` and its ``codes``, sorted and
    ``;``-joined."""
    links = model.__table__
    if is_postgresql:
        joined = func.aggregate_strings(links.c.code, ";").aggregate_order_by(links.c.code)
        return (
            select(links.c.contact_id, joined.label("codes"))
            .where(among(links.c.contact_id))
            .group_by(links.c.contact_id)
            .subquery()
        )
    # SQLite before 3.44 has no ORDER BY inside an aggregate; it concatenates in its input's order.
    ordered = (
        select(links.c.contact_id, links.c.code)
        .where(among(links.c.contact_id))
        .order_by(links.c.contact_id, links.c.code)
        .subquery()
    )
    return (
        select(ordered.c.contact_id, func.aggregate_strings(ordered.c.code, ";").label("codes"))
        .group_by(ordered.c.contact_id)
        .subquery()
    )


def _answers_of(among: Callable[[Any], ColumnElement[bool]], questions: list[str]) -> Subquery | None:
    """Per contact of the batch with answers: ``contact_id`` and its answer to each question as
    ``a0``, ``a1``, ... (questions compare without case, as in the header)."""
    if not questions:
        return None
    answers = ContactProfileAnswer.__table__
    question = func.lower(answers.c.question)
    return (
        select(
            answers.c.contact_id,
            *(
                func.max(answers.c.answer).filter(question == code).label(f"a{index}")
                for index, code in enumerate(questions)
            ),
        )
        .where(among(answers.c.contact_id))
        .group_by(answers.c.contact_id)
        .subquery()
    )


def _questions(session: Session, workspace_id: int) -> list[str]:
    # Imports may record answers without declaring the question, so both sources count.
    declared = select(ProfileQuestion.code.label("code")).where(ProfileQuestion.workspace_id == workspace_id)
    answered = (
        select(ContactProfileAnswer.question.label("code"))
        .where(ContactProfileAnswer.workspace_id == workspace_id)
        .distinct()
    )
    return sorted(
        {code.lower() for code in session.scalars(select(union(declared, answered).subquery().c.code))}
    )
