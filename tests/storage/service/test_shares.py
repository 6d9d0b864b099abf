"""An Add preview's shares line: exact for small sets, from a hashed sample of large ones."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker

from storage.db import unit_of_work
from storage.demo import generate_demo
from storage.models import Workspace
from storage.service import changes, segments
from storage.service.breakdown import breakdown_segment
from storage.service.changes import shares
from tests.storage.service.conftest import TODAY, World, crit, new_segment

FIELDS = ("country", "industry")


def _preview(session: Session, workspace_id: int, seg: str, field: str, *values: str) -> changes.Shares:
    preview = changes.preview_action(
        session, workspace_id, seg, "add", criteria=crit(field, *values), user_id="U1", today=TODAY
    )
    found = changes.addition_shares(session, workspace_id, preview.pending_id, FIELDS)
    assert found is not None
    return found


def test_a_small_add_is_summarised_exactly(session: Session, world: World) -> None:
    found = _preview(session, world.workspace_id, new_segment(session, world), "country", "DK", "US")
    assert not found.sampled
    assert found.counted == 7
    countries, industries = found.fields
    assert [(row.value, row.count) for row in countries] == [("DK", 4), ("US", 3)]
    # A person counts under its company's industry; Flo has no company.
    assert [(row.value, row.count) for row in industries] == [("RETAIL", 4), ("MFG", 2)]


def test_a_preview_that_removes_or_adds_nobody_has_no_shares(session: Session, world: World) -> None:
    seg = new_segment(session, world)
    nobody = changes.preview_action(
        session, world.workspace_id, seg, "add", criteria=crit("name", "Nobody"), user_id="U1", today=TODAY
    )
    assert changes.addition_shares(session, world.workspace_id, nobody.pending_id, FIELDS) is None
    reduce = changes.preview_action(
        session, world.workspace_id, seg, "reduce", criteria=crit("country", "DK"), user_id="U1", today=TODAY
    )
    assert changes.addition_shares(session, world.workspace_id, reduce.pending_id, FIELDS) is None


@pytest.fixture
def demo(session_factory: sessionmaker[Session]) -> int:
    with unit_of_work(session_factory) as session:
        workspace = Workspace(team_id="T0SHARES")
        session.add(workspace)
        session.flush()
        generate_demo(session, workspace.id, count=3000, seed=11, today=date(2026, 6, 15))
        return workspace.id


def test_a_large_add_is_summarised_from_a_sample_close_to_its_exact_shares(
    session_factory: sessionmaker[Session], demo: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shares, "SAMPLE", 600)
    with unit_of_work(session_factory) as session:
        seg = segments.create_segment(session, demo, description="All", owner_user_id="U1").no
        preview = changes.preview_action(
            session, demo, seg, "add", criteria=crit("type", "person", "company"), user_id="U1"
        )
        assert preview.added > 2000  # all but the excluded ones
        found = changes.addition_shares(session, demo, preview.pending_id, FIELDS)
        assert found is not None and found.sampled
        # About SAMPLE contacts, chosen by a hash of their ids.
        assert 450 <= found.counted <= 750
        changes.confirm_pending(session, demo, preview.pending_id, user_id="U1")
        exact = {
            field: {row.value: row.count / breakdown.size for row in breakdown.rows}
            for field in FIELDS
            for breakdown in [breakdown_segment(session, demo, seg, field)]
        }
    for field, rows in zip(FIELDS, found.fields, strict=True):
        assert rows, field
        for row in rows:
            assert abs(row.count / found.counted - exact[field][row.value]) < 0.06, (field, row)
