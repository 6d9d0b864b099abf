"""Breakdowns: a segment's contacts by one field, top ten, other and none, as a direct count finds them."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from storage.db import unit_of_work
from storage.demo import generate_demo
from storage.errors import ValidationError
from storage.models import Contact, ContactProfileAnswer, SegmentLine, Workspace
from storage.service._common import find_segment
from storage.service.breakdown import BREAKDOWN_FIELDS, TOP, Breakdown, breakdown_segment
from storage.service.segments import create_segment
from tests.factories import LINK_TABLES

TODAY = date(2026, 6, 15)


@pytest.fixture
def demo(session_factory: sessionmaker[Session]) -> tuple[int, str]:
    """600 demo contacts and a segment holding every other one of them."""
    with unit_of_work(session_factory) as session:
        workspace = Workspace(team_id="T0001")
        session.add(workspace)
        session.flush()
        generate_demo(session, workspace.id, count=600, seed=7, today=TODAY)
        info = create_segment(session, workspace.id, description="Half", owner_user_id="U1")
        segment_id = find_segment(session, workspace.id, info.no).id
        ids = session.scalars(select(Contact.id).where(Contact.workspace_id == workspace.id)).all()
        session.execute(
            insert(SegmentLine),
            [{"segment_id": segment_id, "contact_id": i, "workspace_id": workspace.id} for i in ids[::2]],
        )
        return workspace.id, info.no


def _members(session: Session, workspace_id: int, no: str) -> list[Contact]:
    segment = find_segment(session, workspace_id, no)
    return list(
        session.scalars(
            select(Contact)
            .join(SegmentLine, SegmentLine.contact_id == Contact.id)
            .where(SegmentLine.segment_id == segment.id)
        )
    )


def _direct_counts(session: Session, workspace_id: int, no: str, field: str) -> tuple[Counter[str], int]:
    """Value -> contacts, and contacts with no value, counted one contact at a time."""
    counts: Counter[str] = Counter()
    none = 0
    by_id = {c.id: c for c in session.scalars(select(Contact).where(Contact.workspace_id == workspace_id))}
    for contact in _members(session, workspace_id, no):
        if field in LINK_TABLES:
            owner = contact.company_id if field in ("industry", "relation") else contact.id
            link = LINK_TABLES[field]
            values = list(session.scalars(select(link.code).where(link.contact_id == owner))) if owner else []
        elif field == "company":
            company = by_id.get(contact.company_id) if contact.company_id else None
            values = [company.no] if company else []
        elif field == "created":
            values = [contact.created.strftime("%Y-%m")] if contact.created else []
        elif field.startswith("profile."):
            answer = session.scalar(
                select(ContactProfileAnswer.answer_lower).where(
                    ContactProfileAnswer.contact_id == contact.id,
                    ContactProfileAnswer.question == field.removeprefix("profile."),
                )
            )
            values = [answer] if answer else []
        else:
            value = getattr(contact, field)
            values = [value] if value else []
        counts.update(values)
        none += not values
    return counts, none


def _check(result: Breakdown, counts: Counter[str], none: int, size: int) -> None:
    assert result.size == size
    assert result.none == none
    assert len(result.rows) == min(TOP, len(counts))
    for row in result.rows:
        assert row.count == counts[row.value], row.value
    shown = {row.value for row in result.rows}
    # Every value left out is no larger than the smallest one shown.
    smallest = min((row.count for row in result.rows), default=0)
    rest = [n for value, n in counts.items() if value not in shown]
    assert all(n <= smallest for n in rest)
    assert result.other == sum(rest)
    assert result.other_values == len(rest)


@pytest.mark.parametrize("field", [*BREAKDOWN_FIELDS, "profile.rating", "profile.decision_maker"])
def test_each_breakdown_matches_a_direct_count_of_the_segments_contacts(
    session: Session, demo: tuple[int, str], field: str
) -> None:
    workspace_id, no = demo
    result = breakdown_segment(session, workspace_id, no, field)
    counts, none = _direct_counts(session, workspace_id, no, field)
    _check(result, counts, none, size=len(_members(session, workspace_id, no)))
    assert result.rows, "the demo data has values for every field"


def test_a_numeric_profile_question_is_counted_in_round_ranges_that_cover_every_answer(
    session: Session, demo: tuple[int, str]
) -> None:
    workspace_id, no = demo
    result = breakdown_segment(session, workspace_id, no, "profile.employees")
    members = {c.id for c in _members(session, workspace_id, no)}
    numbers = [
        n
        for contact_id, n in session.execute(
            select(ContactProfileAnswer.contact_id, ContactProfileAnswer.answer_number).where(
                ContactProfileAnswer.question == "employees"
            )
        )
        if contact_id in members
    ]
    assert result.is_ordered and result.rows
    for row in result.rows:
        assert row.low is not None and row.high is not None
        assert row.count == sum(1 for n in numbers if row.low <= n < row.high)
    assert sum(row.count for row in result.rows) == len(numbers)
    assert result.none == len(members) - len(numbers)
    assert [row.low for row in result.rows] == sorted(row.low for row in result.rows if row.low is not None)


def test_months_are_listed_in_order_not_by_count(session: Session, demo: tuple[int, str]) -> None:
    workspace_id, no = demo
    result = breakdown_segment(session, workspace_id, no, "created")
    assert [row.value for row in result.rows] == sorted(row.value for row in result.rows)


def test_an_unknown_field_names_the_closest_one(session: Session, demo: tuple[int, str]) -> None:
    workspace_id, no = demo
    with pytest.raises(ValidationError) as caught:
        breakdown_segment(session, workspace_id, no, "contry")
    assert caught.value.params["close"] == "country"


def test_a_profile_question_nobody_answers_names_the_closest_one(
    session: Session, demo: tuple[int, str]
) -> None:
    workspace_id, no = demo
    with pytest.raises(ValidationError) as caught:
        breakdown_segment(session, workspace_id, no, "profile.revenu")
    assert caught.value.params["close"] == "profile.revenue"


def test_an_empty_segment_breaks_down_into_nothing(session: Session, demo: tuple[int, str]) -> None:
    workspace_id, _ = demo
    info = create_segment(session, workspace_id, description="Empty", owner_user_id="U1")
    result = breakdown_segment(session, workspace_id, info.no, "country")
    assert (result.size, result.rows, result.other, result.none) == (0, (), 0, 0)


def test_an_empty_text_counts_as_no_value_not_as_a_value_of_its_own(
    session: Session, demo: tuple[int, str]
) -> None:
    workspace_id, no = demo
    members = _members(session, workspace_id, no)
    for contact in members[:5]:
        contact.city = ""
    for contact in members[5:8]:
        contact.city = None
    session.flush()
    result = breakdown_segment(session, workspace_id, no, "city")
    counts, none = _direct_counts(session, workspace_id, no, "city")
    assert none >= 8
    _check(result, counts, none, size=len(members))
    assert "" not in {row.value for row in result.rows}
