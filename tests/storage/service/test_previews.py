"""Previews capture the exact change; Confirm applies it once, Cancel changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from storage.data_version import bump_data_version
from storage.errors import ConflictError, NotFoundError, StalePreviewError
from storage.models import PendingAction
from storage.service import changes, journal, segments
from storage.service._common import utc_now
from storage.service.types import ActionResult, Preview
from tests.factories import add_contact
from tests.storage.service.conftest import (
    TODAY,
    World,
    crit,
    members,
    new_segment,
    previews_are_deferred,
    require_deferred_previews,
)


def _confirm(session: Session, world: World, preview: Preview) -> ActionResult:
    """Press Confirm on ``preview`` as its author."""
    return changes.confirm_pending(session, world.workspace_id, preview.pending_id, user_id="U1")


def _preview_add(session: Session, world: World, seg: str, *values: str, page_size: int = 10):
    return changes.preview_action(
        session,
        world.workspace_id,
        seg,
        "add",
        criteria=crit("country", *values),
        user_id="U1",
        page_size=page_size,
        today=TODAY,
    )


def test_a_preview_counts_and_shows_the_first_page_without_changing_the_segment(session, world):
    seg = new_segment(session, world)
    preview = _preview_add(session, world, seg, "DK", page_size=3)
    assert (preview.added, preview.removed, preview.size_before) == (4, 0, 0)
    assert [row.no for row in preview.first_page.rows] == ["CT001", "CT010", "CT030"]
    assert preview.first_page.pages == 2
    assert preview.criteria_text == "country:DK"
    assert members(session, world, seg) == set()
    second = changes.pending_page(session, world.workspace_id, preview.pending_id, page=2, page_size=3)
    assert [row.no for row in second.rows] == ["CT040"]


def test_a_page_shows_a_persons_company_name(session, world):
    seg = new_segment(session, world)
    preview = _preview_add(session, world, seg, "US")
    by_no = {row.no: row for row in preview.first_page.rows}
    assert by_no["CT012"].company_name == "Acme"
    assert by_no["CT002"].company_name is None


def test_confirm_applies_exactly_what_was_previewed_when_nothing_changed_since(session, world):
    seg = new_segment(session, world)
    preview = _preview_add(session, world, seg, "DK")
    result = _confirm(session, world, preview)
    assert (result.added, result.size_after) == (4, 4)
    assert members(session, world, seg) == {"CT001", "CT010", "CT030", "CT040"}


def test_confirm_after_an_import_applies_the_previewed_set_or_nothing_never_another(session, world):
    seg = new_segment(session, world)
    preview = _preview_add(session, world, seg, "DK")
    # What an import does: new data, then the workspace's data version moves on.
    add_contact(session, world.workspace_id, "CT050", name="Late", person=True, country="DK")
    bump_data_version(session, world.workspace_id)
    if previews_are_deferred(session):
        with pytest.raises(StalePreviewError, match="changed since this preview"), session.begin_nested():
            _confirm(session, world, preview)
        assert members(session, world, seg) == set()
        assert journal.list_journal(session, world.workspace_id, seg) == []
    else:
        # A captured preview holds its own copy of the set.
        result = _confirm(session, world, preview)
        assert (result.added, result.size_after) == (4, 4)
        assert "CT050" not in members(session, world, seg)


def test_confirm_refuses_a_change_the_data_version_missed_rather_than_apply_another_set(session, world):
    require_deferred_previews(session)
    seg = new_segment(session, world)
    preview = _preview_add(session, world, seg, "DK")
    # A write that forgot to move the data version: the recount at Confirm still catches it.
    add_contact(session, world.workspace_id, "CT050", name="Late", person=True, country="DK")
    with pytest.raises(StalePreviewError), session.begin_nested():
        _confirm(session, world, preview)
    assert members(session, world, seg) == set()


def test_a_stale_preview_is_shown_again_on_todays_data_and_the_old_one_is_canceled(session, world):
    require_deferred_previews(session)
    seg = new_segment(session, world)
    stale = _preview_add(session, world, seg, "DK")
    add_contact(session, world.workspace_id, "CT050", name="Late", person=True, country="DK")
    bump_data_version(session, world.workspace_id)
    renewed = changes.renew_preview(session, world.workspace_id, stale.pending_id, user_id="U1")
    assert (renewed.added, renewed.criteria_text) == (5, "country:DK")
    assert "CT050" in {row.no for row in renewed.first_page.rows}
    with pytest.raises(ConflictError, match="canceled"):
        changes.confirm_pending(session, world.workspace_id, stale.pending_id, user_id="U1")
    result = changes.confirm_pending(session, world.workspace_id, renewed.pending_id, user_id="U1")
    assert result.size_after == 5


def test_paging_a_stale_preview_says_the_contacts_changed(session, world):
    require_deferred_previews(session)
    seg = new_segment(session, world)
    preview = _preview_add(session, world, seg, "DK", page_size=3)
    bump_data_version(session, world.workspace_id)
    with pytest.raises(StalePreviewError):
        changes.pending_page(session, world.workspace_id, preview.pending_id, page=2, page_size=3)


def test_a_preview_naming_another_segment_is_captured_and_survives_data_changes(session, world):
    other = new_segment(session, world)
    changes.apply_action(
        session, world.workspace_id, other, "add", criteria=crit("country", "DK"), user_id="U1"
    )
    seg = new_segment(session, world)
    preview = changes.preview_action(
        session, world.workspace_id, seg, "add", criteria=crit("segment", other), user_id="U1", today=TODAY
    )
    bump_data_version(session, world.workspace_id)
    # Its lines move without a data version, so this kind of preview holds its own copy.
    changes.apply_action(
        session, world.workspace_id, other, "add", criteria=crit("country", "US"), user_id="U1"
    )
    result = _confirm(session, world, preview)
    assert (result.added, result.size_after) == (4, 4)


def test_confirming_twice_applies_once_and_then_says_it_was_already_applied(session, world):
    seg = new_segment(session, world)
    preview = _preview_add(session, world, seg, "DK")
    _confirm(session, world, preview)
    with pytest.raises(ConflictError, match="already applied"):
        _confirm(session, world, preview)
    assert len(journal.list_journal(session, world.workspace_id, seg)) == 1
    assert segments.get_segment(session, world.workspace_id, seg).size == 4


def test_two_processes_confirming_the_same_preview_apply_it_once(
    session_factory: sessionmaker[Session], workspace
):
    with session_factory.begin() as s:
        add_contact(s, workspace.id, "CT001", country="DK")
        seg = segments.create_segment(s, workspace.id, description="Race", owner_user_id="U1").no
        pending_id = changes.preview_action(
            s, workspace.id, seg, "add", criteria=crit("country", "DK"), user_id="U1"
        ).pending_id
    first, second = session_factory(), session_factory()
    try:
        # Both read the preview before either writes, as two clicks handled by two processes would.
        changes.pending_page(first, workspace.id, pending_id, page=1)
        changes.pending_page(second, workspace.id, pending_id, page=1)
        changes.confirm_pending(first, workspace.id, pending_id, user_id="U1")
        first.commit()
        with pytest.raises(ConflictError):
            changes.confirm_pending(second, workspace.id, pending_id, user_id="U1")
        second.rollback()
    finally:
        first.close()
        second.close()
    with session_factory() as s:
        assert segments.get_segment(s, workspace.id, seg).size == 1
        assert len(journal.list_journal(s, workspace.id, seg)) == 1


def test_confirm_after_cancel_says_the_preview_was_canceled(session, world):
    seg = new_segment(session, world)
    preview = _preview_add(session, world, seg, "DK")
    changes.cancel_pending(session, world.workspace_id, preview.pending_id, user_id="U1")
    with pytest.raises(ConflictError, match="canceled"):
        _confirm(session, world, preview)
    assert members(session, world, seg) == set()


def test_a_preview_older_than_a_day_has_expired(session, world):
    seg = new_segment(session, world)
    preview = _preview_add(session, world, seg, "DK")
    session.execute(
        update(PendingAction)
        .where(PendingAction.id == preview.pending_id)
        .values(created_at=utc_now() - timedelta(days=1, minutes=1))
    )
    session.expire_all()
    with pytest.raises(ConflictError, match="expired"):
        _confirm(session, world, preview)


def test_a_preview_taken_before_another_change_to_the_segment_is_refused(session, world):
    seg = new_segment(session, world)
    stale = _preview_add(session, world, seg, "DK")
    changes.apply_action(session, world.workspace_id, seg, "include", contact_nos=["CT002"], user_id="U1")
    with pytest.raises(ConflictError, match="changed since this preview"):
        changes.confirm_pending(session, world.workspace_id, stale.pending_id, user_id="U1")
    assert members(session, world, seg) == {"CT002"}


def test_a_preview_of_another_workspace_cannot_be_confirmed(session, world):
    seg = new_segment(session, world)
    preview = _preview_add(session, world, seg, "DK")
    with pytest.raises(NotFoundError):
        changes.confirm_pending(session, world.workspace_id + 1, preview.pending_id, user_id="U1")


def test_a_refresh_preview_shows_who_would_enter_and_leave(session, world):
    seg = new_segment(session, world)
    changes.apply_action(
        session, world.workspace_id, seg, "add", criteria=crit("country", "DK"), user_id="U1"
    )
    changes.apply_action(session, world.workspace_id, seg, "include", contact_nos=["CT002"], user_id="U1")
    changes.apply_action(session, world.workspace_id, seg, "remove", contact_nos=["CT040"], user_id="U1")
    add_contact(session, world.workspace_id, "CT050", name="New", person=True, country="DK")
    preview = changes.preview_action(session, world.workspace_id, seg, "refresh", user_id="U1")
    assert (preview.added, preview.removed) == (1, 0)
    entered = changes.pending_page(session, world.workspace_id, preview.pending_id, page=1, change=1)
    assert [row.no for row in entered.rows] == ["CT050"]
    assert members(session, world, seg) == {"CT001", "CT010", "CT030", "CT002"}


def test_large_sets_refresh_table_statistics_without_changing_the_outcome(session, world, monkeypatch):
    # Every set counts as large here, so PostgreSQL runs ANALYZE inside the transaction each time.
    monkeypatch.setattr("storage.service._common.ANALYZE_AFTER_ROWS", 1)
    seg = new_segment(session, world)
    changes.apply_action(
        session, world.workspace_id, seg, "add", criteria=crit("country", "DK"), user_id="U1"
    )
    changes.apply_action(
        session, world.workspace_id, seg, "reduce", criteria=crit("no", "CT040"), user_id="U1"
    )
    add_contact(session, world.workspace_id, "CT050", name="New", person=True, country="DK")
    result = changes.refresh_segment(session, world.workspace_id, seg, user_id="U1")
    assert [r.no for r in result.entered.rows] == ["CT050"]
    changes.undo_last(session, world.workspace_id, seg, user_id="U1")
    assert members(session, world, seg) == {"CT001", "CT010", "CT030"}


def test_pages_of_a_preview_too_large_to_sort_whole_list_its_contacts_in_number_order(
    session: Session, workspace
) -> None:
    from sqlalchemy import select

    from storage.demo import generate_demo
    from storage.models import Contact
    from storage.service._common import ANALYZE_AFTER_ROWS

    # Above ANALYZE_AFTER_ROWS a page is found by walking contacts in number order, not by sorting.
    generate_demo(session, workspace.id, count=ANALYZE_AFTER_ROWS + 1500, seed=7)
    seg = segments.create_segment(session, workspace.id, description="All", owner_user_id="U1").no
    preview = changes.preview_action(
        session, workspace.id, seg, "add", criteria=crit("no", "*"), user_id="U1", page_size=25, today=TODAY
    )
    ordered = list(
        session.scalars(
            select(Contact.no)
            .where(Contact.workspace_id == workspace.id, Contact.exclude_from_segment.is_(False))
            .order_by(Contact.no)
        )
    )
    assert preview.added == len(ordered) > ANALYZE_AFTER_ROWS
    assert [row.no for row in preview.first_page.rows] == ordered[:25]
    later = changes.pending_page(session, workspace.id, preview.pending_id, page=100, page_size=25)
    assert [row.no for row in later.rows] == ordered[99 * 25 : 100 * 25]
    last = changes.pending_page(session, workspace.id, preview.pending_id, page=10**6, page_size=25)
    assert [row.no for row in last.rows] == ordered[(len(ordered) - 1) // 25 * 25 :]


def test_a_reduce_preview_pages_the_contacts_it_removes_and_none_it_adds(session, world):
    seg = new_segment(session, world)
    changes.apply_action(
        session, world.workspace_id, seg, "add", criteria=crit("country", "DK"), user_id="U1"
    )
    preview = changes.preview_action(
        session, world.workspace_id, seg, "reduce", criteria=crit("country", "DK"), user_id="U1", page_size=3
    )
    assert (preview.added, preview.removed) == (0, 4)
    assert [row.no for row in preview.first_page.rows] == ["CT001", "CT010", "CT030"]
    second = changes.pending_page(session, world.workspace_id, preview.pending_id, page=2, page_size=3)
    assert [row.no for row in second.rows] == ["CT040"]
    entering = changes.pending_page(session, world.workspace_id, preview.pending_id, page=1, change=1)
    assert (entering.total, entering.rows) == (0, ())
    leaving = changes.pending_page(session, world.workspace_id, preview.pending_id, page=1, change=-1)
    assert leaving.total == 4
    assert _confirm(session, world, preview).size_after == 0


def test_an_expired_preview_of_new_takes_its_empty_segment_with_it(session, world):
    made = segments.create_segment(session, world.workspace_id, description="Draft", owner_user_id="U1")
    kept = segments.create_segment(session, world.workspace_id, description="Kept", owner_user_id="U1")
    old = changes.preview_action(
        session,
        world.workspace_id,
        made.no,
        "add",
        criteria=crit("country", "DK"),
        user_id="U1",
        creates_segment=True,
    )
    other = changes.preview_action(
        session, world.workspace_id, kept.no, "add", criteria=crit("country", "DK"), user_id="U1"
    )
    session.query(PendingAction).filter(PendingAction.id.in_([old.pending_id, other.pending_id])).update(
        {"created_at": utc_now() - timedelta(days=2)}, synchronize_session=False
    )
    changes.preview_action(
        session, world.workspace_id, kept.no, "add", criteria=crit("no", "CT001"), user_id="U1"
    )
    assert [s.description for s in segments.list_segments(session, world.workspace_id)] == ["Kept"]
