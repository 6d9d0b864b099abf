"""The contact's side: one contact's card, as Business Central's Contact Card shows it.

Its own fields and codes, its company or (for a company) its persons, its profile answers, the
segments it is in and its last interactions. Each list is read with a limit; a company with
thousands of persons or a contact in hundreds of segments still reads a bounded number of rows.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from storage.errors import NotFoundError
from storage.models import COMPANY, Contact, ContactProfileAnswer, InteractionLogEntry, Segment, SegmentLine
from storage.models.classifications import CLASSIFICATIONS
from storage.service._common import from_row

# How many persons and segments a card lists; the totals are counted in full.
MAX_LISTED = 20
LAST_INTERACTIONS = 5
# Candidates considered for "did you mean": numbers sharing the typed prefix.
_SUGGESTION_POOL = 500

_contacts = cast(Table, Contact.__table__)
# (number, name) of persons, (number, description) of segments, (name, value) of fields and answers.
_Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CardInteraction:
    date: date
    template: str
    description: str
    evaluation: str | None
    campaign_no: str | None
    canceled: bool


@dataclass(frozen=True)
class ContactCard:
    """One contact with what surrounds it; ``persons``/``segments`` hold at most ``MAX_LISTED``."""

    no: str
    type: str
    name: str
    company_no: str | None
    company_name: str | None
    fields: tuple[tuple[str, str], ...]
    codes: tuple[tuple[str, tuple[str, ...]], ...]
    persons: tuple[tuple[str, str], ...]
    person_count: int
    answers: tuple[tuple[str, str], ...]
    segments: tuple[tuple[str, str], ...]
    segment_count: int
    interactions: tuple[CardInteraction, ...]


def contact_card(session: Session, workspace_id: int, contact_no: str) -> ContactCard:
    """The card of contact ``contact_no`` (case-insensitive), or NotFoundError naming the closest numbers."""
    contact = _find_contact(session, workspace_id, contact_no)
    # A company's company_id is its own id; a person's is its company's.
    has_company = contact.company_id not in (None, contact.id)
    company = session.get(Contact, contact.company_id) if has_company else None
    persons, person_count = _persons(session, workspace_id, contact)
    segments, segment_count = _segments(session, workspace_id, contact.id)
    return ContactCard(
        no=contact.no,
        type=contact.type,
        name=contact.name,
        company_no=company.no if company is not None else None,
        company_name=company.name if company is not None else None,
        fields=_fields(contact),
        codes=_codes_by_field(session, contact),
        persons=persons,
        person_count=person_count,
        answers=_answers(session, contact.id),
        segments=segments,
        segment_count=segment_count,
        interactions=_last_interactions(session, contact.id),
    )


def _fields(contact: Contact) -> _Pairs:
    """The contact's own fields that have a value, as (name, text)."""
    return tuple(
        (name, str(value))
        for name, value in (
            ("email", contact.email),
            ("phone", contact.phone),
            ("city", contact.city),
            ("post_code", contact.post_code),
            ("country", contact.country),
            ("territory", contact.territory),
            ("salesperson", contact.salesperson),
            ("language", contact.language),
            ("created", contact.created.isoformat() if contact.created else None),
            ("exclude_from_segment", "true" if contact.exclude_from_segment else None),
        )
        if value
    )


def _codes_by_field(session: Session, contact: Contact) -> tuple[tuple[str, tuple[str, ...]], ...]:
    # Industry groups and business relations belong to the company, as criteria read them.
    owner_id = contact.company_id or contact.id
    return tuple(
        (c.field, _codes(session, c.link_table, owner_id if c.of_company else contact.id))
        for c in CLASSIFICATIONS
    )


def _persons(session: Session, workspace_id: int, contact: Contact) -> tuple[_Pairs, int]:
    """A company's first persons (number, name) and how many it has; a person has none."""
    if contact.type != COMPANY:
        return (), 0
    of_company = (
        _contacts.c.workspace_id == workspace_id,
        _contacts.c.company_id == contact.id,
        _contacts.c.id != contact.id,
    )
    person_count = session.scalar(select(func.count()).where(*of_company)) or 0
    first = select(_contacts.c.no, _contacts.c.name).where(*of_company).order_by(_contacts.c.no)
    rows = session.execute(first.limit(MAX_LISTED))
    return tuple((no, name) for no, name in rows), person_count


def _answers(session: Session, contact_id: int) -> _Pairs:
    return tuple(
        (question, answer)
        for question, answer in session.execute(
            select(ContactProfileAnswer.question, ContactProfileAnswer.answer)
            .where(ContactProfileAnswer.contact_id == contact_id)
            .order_by(ContactProfileAnswer.question)
        )
    )


def _segments(session: Session, workspace_id: int, contact_id: int) -> tuple[_Pairs, int]:
    """The first segments (number, description) the contact is in, and how many it is in."""
    in_segments = (
        SegmentLine.contact_id == contact_id,
        Segment.id == SegmentLine.segment_id,
        Segment.workspace_id == workspace_id,
    )
    counted = select(func.count()).select_from(SegmentLine, Segment).where(*in_segments)
    segment_count = session.scalar(counted) or 0
    segments = tuple(
        (no, description)
        for no, description in session.execute(
            select(Segment.no, Segment.description).where(*in_segments).order_by(Segment.no).limit(MAX_LISTED)
        )
    )
    return segments, segment_count


def _last_interactions(session: Session, contact_id: int) -> tuple[CardInteraction, ...]:
    return tuple(
        from_row(CardInteraction, entry, template=entry.template_code)
        for entry in session.scalars(
            select(InteractionLogEntry)
            .where(InteractionLogEntry.contact_id == contact_id)
            .order_by(InteractionLogEntry.date.desc(), InteractionLogEntry.id.desc())
            .limit(LAST_INTERACTIONS)
        )
    )


def _find_contact(session: Session, workspace_id: int, contact_no: str) -> Contact:
    wanted = contact_no.strip()
    contact = session.scalars(
        select(Contact).where(
            Contact.workspace_id == workspace_id,
            Contact.no.in_(sorted({wanted, wanted.upper()})),
        )
    ).first()
    if contact is not None:
        return contact
    close = _closest_numbers(session, workspace_id, wanted)
    if close:
        raise NotFoundError(
            "unknown contact number: {no} - did you mean {close}?", no=wanted, close=", ".join(close)
        )
    raise NotFoundError("unknown contact number: {no}", no=wanted)


def _closest_numbers(session: Session, workspace_id: int, wanted: str) -> list[str]:
    """Numbers close to ``wanted``, drawn from those that share its first characters."""
    for prefix_length in (len(wanted) - 1, 4, 2, 0):
        prefix = wanted[: max(prefix_length, 0)].upper()
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        pool = list(
            session.scalars(
                select(_contacts.c.no)
                .where(
                    _contacts.c.workspace_id == workspace_id,
                    func.upper(_contacts.c.no).like(pattern, escape="\\"),
                )
                .order_by(_contacts.c.no)
                .limit(_SUGGESTION_POOL)
            )
        )
        close = difflib.get_close_matches(wanted.upper(), [no.upper() for no in pool], n=3, cutoff=0.6)
        if close:
            by_upper = {no.upper(): no for no in pool}
            return [by_upper[no] for no in close]
    return []


def _codes(session: Session, table: object, contact_id: int) -> tuple[str, ...]:
    link = cast(Table, table)
    query = select(link.c.code).where(link.c.contact_id == contact_id).order_by(link.c.code)
    return tuple(session.scalars(query))
