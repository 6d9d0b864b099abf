"""Exporting a segment's contacts with the columns of the contacts CSV: the one path behind every export.

``export_rows`` produces the rows, ``write_export`` writes them as CSV or JSON; Slack, the console and
the command line all call ``write_export``, so the header and the rows can never drift apart.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import IO, Any, Literal

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
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
# Big enough to keep round trips few, small enough that memory stays flat at any segment size.
_BATCH = 2000
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
    """Each contact as its values in the order of the export's columns."""
    contacts = Contact.__table__
    lines = SegmentLine.__table__
    plain = len(_PLAIN)
    after: str | None = None
    while True:
        query = (
            select(
                *(contacts.c[name] for name in _PLAIN),
                contacts.c.id,
                contacts.c.exclude_from_segment,
                contacts.c.created,
            )
            .select_from(lines.join(contacts, contacts.c.id == lines.c.contact_id))
            .where(lines.c.segment_id == segment_id, contacts.c.workspace_id == workspace_id)
            .order_by(contacts.c.no)
            .limit(_BATCH)
        )
        if after is not None:
            query = query.where(contacts.c.no > after)
        batch = session.execute(query).all()
        if not batch:
            return
        in_batch = _among(session, [row[plain] for row in batch])
        codes = [_codes(session, model, in_batch) for model in _LINKS.values()]
        answers = _answers(session, in_batch)
        for row in batch:
            contact_id = row[plain]
            record = ["" if value is None else str(value) for value in row[:plain]]
            record.extend(";".join(found.get(contact_id, ())) for found in codes)
            record.append("true" if row[plain + 1] else "false")
            record.append(row[plain + 2].isoformat() if row[plain + 2] else "")
            mine = answers.get(contact_id, {})
            record.extend(mine.get(question, "") for question in questions)
            yield record
        after = batch[-1][0]


def _among(session: Session, ids: list[int]) -> Callable[[Any], ColumnElement[bool]]:
    """The condition "this contact id is one of the batch's", bound cheaply.

    A batch as a list of bound parameters costs more to expand than the lookups take: PostgreSQL takes
    the ids as one array parameter, SQLite (without arrays) as one JSON text it unpacks.
    """
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam("batch_ids", ids, type_=ARRAY(Integer))
        return lambda column: column == any_(array)
    unpacked: Select[Any] = select(literal_column("value")).select_from(func.json_each(json.dumps(ids)))
    return lambda column: column.in_(unpacked)


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


def _codes(session: Session, model: Any, among: Callable[[Any], ColumnElement[bool]]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for contact_id, code in session.execute(
        select(model.contact_id, model.code)
        .where(among(model.contact_id))
        .order_by(model.contact_id, model.code)
    ):
        found[contact_id].append(code)
    return found


def _answers(session: Session, among: Callable[[Any], ColumnElement[bool]]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = defaultdict(dict)
    for contact_id, question, answer in session.execute(
        select(
            ContactProfileAnswer.contact_id, ContactProfileAnswer.question, ContactProfileAnswer.answer
        ).where(among(ContactProfileAnswer.contact_id))
    ):
        found[contact_id][question.lower()] = answer
    return found
