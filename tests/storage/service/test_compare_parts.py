"""The parts of a comparison list exactly the contacts in both segments, or in one and not the other."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.errors import ValidationError
from storage.models import Contact, SegmentLine, Workspace
from storage.service._common import find_segment
from storage.service.compare import BOTH, ONLY_A, ONLY_B, comparison_page
from storage.service.segments import create_segment
from tests.factories import add_contact


def _segment(session: Session, workspace_id: int, nos: list[str]) -> str:
    info = create_segment(session, workspace_id, description="part", owner_user_id="U1")
    segment_id = find_segment(session, workspace_id, info.no).id
    ids = session.scalars(select(Contact.id).where(Contact.no.in_(nos))).all()
    if ids:
        session.execute(
            insert(SegmentLine),
            [{"segment_id": segment_id, "contact_id": i, "workspace_id": workspace_id} for i in ids],
        )
    return info.no


def _all_pages(session: Session, workspace_id: int, a: str, b: str, side: str) -> list[str]:
    found: list[str] = []
    page = 1
    while True:
        rows = comparison_page(session, workspace_id, a, b, side, page=page, page_size=7)
        found += [row.no for row in rows.rows]
        if page >= rows.pages:
            assert rows.total == len(found)
            return found
        page += 1


def test_each_part_lists_exactly_its_contacts_across_pages(session: Session, workspace: Workspace) -> None:
    nos = [f"CT{n:04d}" for n in range(60)]
    for no in nos:
        add_contact(session, workspace.id, no)
    first, second = set(nos[:40]), set(nos[25:])
    a = _segment(session, workspace.id, sorted(first))
    b = _segment(session, workspace.id, sorted(second))

    assert _all_pages(session, workspace.id, a, b, BOTH) == sorted(first & second)
    assert _all_pages(session, workspace.id, a, b, ONLY_A) == sorted(first - second)
    assert _all_pages(session, workspace.id, a, b, ONLY_B) == sorted(second - first)


def test_an_empty_part_is_an_empty_page(session: Session, workspace: Workspace) -> None:
    add_contact(session, workspace.id, "CT1")
    a = _segment(session, workspace.id, ["CT1"])
    b = _segment(session, workspace.id, [])
    page = comparison_page(session, workspace.id, a, b, BOTH, page=1, page_size=10)
    assert (page.total, page.rows) == (0, ())


def test_an_unknown_part_is_refused(session: Session, workspace: Workspace) -> None:
    a = _segment(session, workspace.id, [])
    with pytest.raises(ValidationError):
        comparison_page(session, workspace.id, a, a, "neither", page=1, page_size=10)
