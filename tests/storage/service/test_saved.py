"""Saved criteria: listed with who saved them and when, shown step by step, deleted unless reused."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from storage.criteria.ast import to_text
from storage.errors import ConflictError, NotAllowedError, NotFoundError
from storage.service import changes, saved, schedules
from tests.storage.service.conftest import World, crit, new_segment
from tests.storage.service.test_journal import _apply


def _save(session: Session, world: World, code: str, *, user: str = "U7") -> str:
    seg = new_segment(session, world, owner="U7")
    _apply(session, world, seg, "add", crit("industry", "RETAIL"), expand_companies=True)
    _apply(session, world, seg, "refine", crit("country", "DK"))
    saved.save_criteria(session, world.workspace_id, seg, code, description=f"{code} criteria", user_id=user)
    return seg


def test_the_list_names_code_description_steps_who_and_when_by_code(session, world):
    _save(session, world, "ZETA")
    _save(session, world, "alpha", user="U8")
    items = saved.saved_criteria_list(session, world.workspace_id)
    assert [(i.code, i.description, i.step_count, i.user_id) for i in items] == [
        ("ALPHA", "alpha criteria", 2, "U8"),
        ("ZETA", "ZETA criteria", 2, "U7"),
    ]
    assert all(i.created_at.tzinfo is not None for i in items)


def test_show_gives_the_steps_with_criteria_and_options(session, world):
    _save(session, world, "DK")
    item = saved.get_saved_criteria(session, world.workspace_id, "dk")
    assert [(s.kind, to_text(s.criteria), s.options) for s in item.steps if s.criteria] == [
        ("add", "industry:RETAIL", {"expand_companies": True}),
        ("refine", "country:DK", {}),
    ]


def test_an_unknown_code_names_the_closest(session, world):
    _save(session, world, "RETAIL")
    with pytest.raises(NotFoundError, match="did you mean RETAIL"):
        saved.get_saved_criteria(session, world.workspace_id, "RETIAL")
    with pytest.raises(NotFoundError, match="no saved criteria NOPE"):
        saved.delete_saved_criteria(session, world.workspace_id, "NOPE", user_id="U7", is_admin=False)


def test_delete_removes_them_so_reuse_no_longer_finds_them(session, world):
    _save(session, world, "DK")
    assert (
        saved.delete_saved_criteria(session, world.workspace_id, "dk", user_id="U7", is_admin=False) == "DK"
    )
    assert saved.saved_criteria_list(session, world.workspace_id) == []
    target = new_segment(session, world, owner="U7")
    with pytest.raises(NotFoundError):
        _apply(session, world, target, "reuse", saved_code="DK")


def test_only_who_saved_them_or_an_admin_may_delete_them(session, world):
    _save(session, world, "DK")
    with pytest.raises(NotAllowedError, match="saved DK"):
        saved.delete_saved_criteria(session, world.workspace_id, "DK", user_id="U9", is_admin=False)
    assert saved.delete_saved_criteria(session, world.workspace_id, "DK", user_id="U9", is_admin=True) == "DK"


def test_delete_is_refused_while_a_scheduled_segment_reuses_them_naming_it(session, world):
    _save(session, world, "DK")
    target = new_segment(session, world, owner="U7")
    _apply(session, world, target, "reuse", saved_code="DK")
    schedules.schedule_segment(
        session,
        world.workspace_id,
        target,
        cron="0 9 * * *",
        when_text="daily 09:00",
        timezone="UTC",
        channel_id="C1",
        user_id="U7",
    )
    with pytest.raises(ConflictError, match=f"reused by scheduled {target}"):
        saved.delete_saved_criteria(session, world.workspace_id, "DK", user_id="U7", is_admin=False)
    assert [i.code for i in saved.saved_criteria_list(session, world.workspace_id)] == ["DK"]
    # Once the reuse is undone the schedule no longer depends on them.
    changes.undo_last(session, world.workspace_id, target, user_id="U7")
    assert (
        saved.delete_saved_criteria(session, world.workspace_id, "DK", user_id="U7", is_admin=False) == "DK"
    )


def test_a_reuse_on_a_segment_without_a_schedule_does_not_hold_them(session, world):
    _save(session, world, "DK")
    target = new_segment(session, world, owner="U7")
    _apply(session, world, target, "reuse", saved_code="DK")
    assert saved.saved_criteria_dependents(session, world.workspace_id, "DK") == []
