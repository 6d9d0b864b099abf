"""Exporting a segment's contacts with the columns of the contacts CSV: the one path behind every export.

``export_rows`` produces the rows, ``write_export`` writes them as CSV or JSON; Slack, the console and
the command line all call ``write_export``, so the header and the rows can never drift apart.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, Any, Literal

from sqlalchemy import Select, Subquery, func, select, text, union
from sqlalchemy.orm import Session

from storage.csv_format import CONTACT_FILE_COLUMNS, CONTACT_PLAIN_COLUMNS
from storage.models import (
    Contact,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactProfileAnswer,
    ProfileQuestion,
    SegmentLine,
)
from storage.service._common import find_segment

EXPORT_COLUMNS: tuple[str, ...] = CONTACT_FILE_COLUMNS
_PLAIN = CONTACT_PLAIN_COLUMNS
_LINKS = {
    "industry_groups": ContactIndustryGroup,
    "business_relations": ContactBusinessRelation,
    "mailing_groups": ContactMailingGroup,
    "job_responsibilities": ContactJobResponsibility,
}
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
    """Each contact as its values in the order of the export's columns.

    One statement, streamed: the members' codes and answers are grouped set-wise (one pass over each
    table, not a lookup per contact or per batch) and joined to the members, so rows arrive ready to
    write and memory stays flat however large the segment.
    """
    contacts = Contact.__table__
    lines = SegmentLine.__table__
    members = select(lines.c.contact_id).where(lines.c.segment_id == segment_id)
    is_postgresql = session.get_bind().dialect.name == "postgresql"
    codes = [_codes_of(model, members, is_postgresql=is_postgresql) for model in _LINKS.values()]
    answers = _answers_of(members, questions)
    joined = lines.join(contacts, contacts.c.id == lines.c.contact_id)
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
        .where(lines.c.segment_id == segment_id, contacts.c.workspace_id == workspace_id)
        .order_by(contacts.c.no)
    )
    codes_end = len(_PLAIN) + len(_LINKS)
    if is_postgresql:
        # A streamed cursor is planned for its first rows: walking every contact in number order to
        # probe the segment's lines. The whole set is wanted, and joining then sorting wins. Parallel
        # workers would each group the whole of every code table again (their joins are not shared).
        session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    result = session.execute(query, execution_options={"yield_per": _BATCH})
    for batch in result.partitions():
        for row in batch:
            record = ["" if value is None else str(value) for value in row[:codes_end]]
            record.append("true" if row[codes_end] else "false")
            created = row[codes_end + 1]
            record.append(created.isoformat() if created else "")
            record.extend("" if answer is None else answer for answer in row[codes_end + 2 :])
            yield record


def _codes_of(model: Any, members: Select[Any], *, is_postgresql: bool) -> Subquery:
    """Per member with codes of one kind: ``contact_id`` and its ``codes``, sorted and ``;``-joined."""
    links = model.__table__
    mine = links.c.contact_id.in_(members)
    if is_postgresql:
        joined = func.aggregate_strings(links.c.code, ";").aggregate_order_by(links.c.code)
        return (
            select(links.c.contact_id, joined.label("codes"))
            .where(mine)
            .group_by(links.c.contact_id)
            .subquery()
        )
    # SQLite before 3.44 has no ORDER BY inside an aggregate; it concatenates in its input's order.
    ordered = select(links.c.contact_id, links.c.code).where(mine).order_by(links.c.contact_id, links.c.code)
    ordered_rows = ordered.subquery()
    return (
        select(ordered_rows.c.contact_id, func.aggregate_strings(ordered_rows.c.code, ";").label("codes"))
        .group_by(ordered_rows.c.contact_id)
        .subquery()
    )


def _answers_of(members: Select[Any], questions: list[str]) -> Subquery | None:
    """Per member with answers: ``contact_id`` and its answer to each question as ``a0``, ``a1``, ...

    Questions compare without case, as in the header.
    """
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
        .where(answers.c.contact_id.in_(members))
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
