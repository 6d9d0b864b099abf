"""Exporting a segment's contacts with the columns of the contacts CSV (docs/admin-guide.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select, union
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


def export_columns(session: Session, workspace_id: int) -> list[str]:
    """The header of an export: the contact columns, then ``profile.<question>`` per known question."""
    return [*EXPORT_COLUMNS, *(f"profile.{question}" for question in _questions(session, workspace_id))]


def export_rows(session: Session, workspace_id: int, segment_no: str) -> Iterator[dict[str, str]]:
    """The segment's contacts by number, as rows keyed by ``export_columns``; ``no`` comes first.

    Streams in batches (keyset paging on the contact number), so a segment of any size exports in
    constant memory. Codes are ``;``-joined; empty values are empty strings.
    """
    segment = find_segment(session, workspace_id, segment_no)
    questions = _questions(session, workspace_id)
    contacts = Contact.__table__
    lines = SegmentLine.__table__
    after: str | None = None
    while True:
        query = (
            select(
                contacts.c.id,
                *(contacts.c[name] for name in _PLAIN),
                contacts.c.exclude_from_segment,
                contacts.c.created,
            )
            .select_from(lines.join(contacts, contacts.c.id == lines.c.contact_id))
            .where(lines.c.segment_id == segment.id, contacts.c.workspace_id == workspace_id)
            .order_by(contacts.c.no)
            .limit(_BATCH)
        )
        if after is not None:
            query = query.where(contacts.c.no > after)
        batch = session.execute(query).all()
        if not batch:
            return
        ids = [row.id for row in batch]
        codes = {column: _codes(session, model, ids) for column, model in _LINKS.items()}
        answers = _answers(session, ids)
        for row in batch:
            out = {name: _text(row._mapping[name]) for name in _PLAIN}
            for column in _LINKS:
                out[column] = ";".join(codes[column].get(row.id, ()))
            out["exclude_from_segment"] = "true" if row.exclude_from_segment else "false"
            out["created"] = row.created.isoformat() if row.created else ""
            mine = answers.get(row.id, {})
            for question in questions:
                out[f"profile.{question}"] = mine.get(question, "")
            yield out
        after = batch[-1].no


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


def _codes(session: Session, model: Any, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for contact_id, code in session.execute(
        select(model.contact_id, model.code)
        .where(model.contact_id.in_(ids))
        .order_by(model.contact_id, model.code)
    ):
        found[contact_id].append(code)
    return found


def _answers(session: Session, ids: list[int]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = defaultdict(dict)
    for contact_id, question, answer in session.execute(
        select(
            ContactProfileAnswer.contact_id, ContactProfileAnswer.question, ContactProfileAnswer.answer
        ).where(ContactProfileAnswer.contact_id.in_(ids))
    ):
        found[contact_id][question.lower()] = answer
    return found


def _text(value: Any) -> str:
    return "" if value is None else str(value)
