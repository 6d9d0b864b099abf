"""Segments built on others: delete refused while referenced, missing ones stop a refresh, no cycles."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.criteria.ast import And, Match, Not, Or, Present, Text
from storage.errors import ConflictError, NotFoundError, ValidationError
from storage.models import Segment, SegmentAction
from storage.service import changes, dependencies, saved, segments
from storage.service.types import ADD, REDUCE, REFRESH, REUSE
from tests.storage.service.conftest import TODAY, World, crit, members, new_segment


def _build(session: Session, world: World, no: str, kind: str, field: str, *values: str) -> None:
    changes.apply_action(
        session, world.workspace_id, no, kind, criteria=crit(field, *values), user_id="U1", today=TODAY
    )


def _built_on_denmark(session: Session, world: World, name: str) -> tuple[str, str]:
    """The segment "Denmark" (country:DK) and the segment ``name`` built on it (segment:<its number>)."""
    base = new_segment(session, world, "Denmark")
    _build(session, world, base, ADD, "country", "DK")
    built = new_segment(session, world, name)
    _build(session, world, built, ADD, "segment", base)
    return base, built


def _segment_count(session: Session, world: World) -> int:
    return len(list(session.scalars(select(Segment.no).where(Segment.workspace_id == world.workspace_id))))


def test_segment_refs_are_the_exact_segment_numbers_named_anywhere_in_the_criteria() -> None:
    expr = And(
        (
            Match("segment", (Text("seg00002"), Text("SEG0001*"))),
            Not(Or((Match("SEGMENT", (Text("SEG00003"),)), Match("city", (Text("SEG00004"),))))),
            Present("segment"),
        )
    )
    assert dependencies.segment_refs(expr) == {"SEG00002", "SEG00003"}


def test_deleting_a_segment_another_is_built_on_is_refused_naming_it_and_changes_nothing(
    session: Session, world: World
) -> None:
    base, built = _built_on_denmark(session, world, "Danish retail")
    with pytest.raises(ConflictError) as refused:
        segments.delete_segment(session, world.workspace_id, base, user_id="U1", is_admin=False)
    assert built in str(refused.value) and base in str(refused.value)
    assert _segment_count(session, world) == 2
    assert members(session, world, base) == members(session, world, built) != set()


def test_deleting_a_segment_saved_criteria_name_is_refused_naming_the_code(
    session: Session, world: World
) -> None:
    base, other = _built_on_denmark(session, world, "Members of Denmark")
    saved.save_criteria(session, world.workspace_id, other, "DANES", user_id="U1")
    # Undone, the segment no longer refers to it; the saved criteria still do.
    changes.undo_last(session, world.workspace_id, other, user_id="U1")
    with pytest.raises(ConflictError, match="saved criteria refer to it: DANES") as refused:
        segments.delete_segment(session, world.workspace_id, base, user_id="U1", is_admin=False)
    assert other not in str(refused.value)


def test_a_segment_whose_reference_was_undone_can_be_deleted(session: Session, world: World) -> None:
    base = new_segment(session, world, "Denmark")
    built = new_segment(session, world, "Built")
    _build(session, world, built, ADD, "segment", base)
    changes.undo_last(session, world.workspace_id, built, user_id="U1")
    segments.delete_segment(session, world.workspace_id, base, user_id="U1", is_admin=False)
    assert _segment_count(session, world) == 1


def test_a_reused_journal_naming_a_segment_makes_it_a_dependency(session: Session, world: World) -> None:
    base, template = _built_on_denmark(session, world, "Template")
    saved.save_criteria(session, world.workspace_id, template, "DANES", user_id="U1")
    reuser = new_segment(session, world, "Reuser")
    changes.apply_action(session, world.workspace_id, reuser, REUSE, saved_code="DANES", user_id="U1")
    graph = dependencies.dependency_graph(session, world.workspace_id)
    assert graph[reuser] == {base} and graph[template] == {base} and graph[base] == set()
    assert dependencies.dependents_of(session, world.workspace_id, base) == dependencies.Dependents(
        segments=(template, reuser), saved=("DANES",)
    )


def test_adding_criteria_that_close_a_cycle_is_refused_naming_the_cycle(
    session: Session, world: World
) -> None:
    first = new_segment(session, world, "First")
    second = new_segment(session, world, "Second")
    third = new_segment(session, world, "Third")
    _build(session, world, second, ADD, "segment", first)
    _build(session, world, third, ADD, "segment", second)
    with pytest.raises(ValidationError) as refused:
        changes.preview_action(
            session,
            world.workspace_id,
            first,
            ADD,
            criteria=crit("segment", third),
            user_id="U1",
            today=TODAY,
        )
    assert f"{first} → {third} → {second} → {first}" in str(refused.value)
    journal = session.scalars(select(SegmentAction).where(SegmentAction.workspace_id == world.workspace_id))
    assert len(list(journal)) == 2


def test_a_segment_cannot_be_built_on_itself(session: Session, world: World) -> None:
    only = new_segment(session, world, "Only")
    with pytest.raises(ValidationError, match=f"{only} → {only}"):
        _build(session, world, only, REDUCE, "segment", only)


def test_reusing_saved_criteria_that_name_the_segment_itself_is_a_cycle(
    session: Session, world: World
) -> None:
    first = new_segment(session, world, "First")
    _build(session, world, first, ADD, "country", "DK")
    second = new_segment(session, world, "Second")
    _build(session, world, second, ADD, "segment", first)
    saved.save_criteria(session, world.workspace_id, second, "FROMFIRST", user_id="U1")
    with pytest.raises(ValidationError, match="depend on itself"):
        changes.apply_action(session, world.workspace_id, first, REUSE, saved_code="FROMFIRST", user_id="U1")


def test_refreshing_a_segment_built_on_a_deleted_one_fails_and_keeps_its_contacts(
    session: Session, world: World
) -> None:
    base, built = _built_on_denmark(session, world, "Built")
    before = members(session, world, built)
    # As a database older than this rule could have it: the base deleted behind the journal's back.
    session.execute(
        Segment.__table__.delete().where(Segment.no == base, Segment.workspace_id == world.workspace_id)
    )
    with pytest.raises(NotFoundError, match=f"{built} is built on {base}, which no longer exists"):
        changes.refresh_segment(session, world.workspace_id, built, user_id="U1", today=TODAY)
    with pytest.raises(NotFoundError):
        changes.preview_action(session, world.workspace_id, built, REFRESH, user_id="U1", today=TODAY)
    assert members(session, world, built) == before != set()


def test_dependency_order_puts_every_segment_after_those_it_is_built_on() -> None:
    graph = {"S1": {"S3"}, "S2": set(), "S3": {"S2", "S4"}, "S4": set(), "S5": {"S1"}}
    assert dependencies.dependency_order(graph, ["S5", "S1", "S3", "S2"]) == ["S2", "S3", "S1", "S5"]
