"""Segment headers, comparison, export, workspaces and isolation between teams."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.errors import NotAllowedError, NotFoundError, ValidationError
from storage.models import (
    Contact,
    PendingAction,
    PendingActionContact,
    ProfileQuestion,
    SegmentAction,
    SegmentLine,
    SegmentLineHistory,
    Workspace,
)
from storage.service import changes, compare, export, segments, workspaces
from tests.factories import add_contact
from tests.storage.service.conftest import TODAY, World, crit, members, new_segment


def _add(session: Session, world: World, seg: str, *values: str) -> None:
    owner = segments.get_segment(session, world.workspace_id, seg).owner_user_id
    changes.apply_action(
        session, world.workspace_id, seg, "add", criteria=crit("country", *values), user_id=owner, today=TODAY
    )


def test_segments_are_numbered_per_workspace(session, world):
    assert new_segment(session, world) == "SEG00001"
    assert new_segment(session, world) == "SEG00002"
    other = workspaces.ensure_workspace(session, "T0002", name="Other")
    first_there = segments.create_segment(session, other, description="Theirs", owner_user_id="U9")
    assert first_there.no == "SEG00001"


def test_a_segment_needs_a_description(session, world):
    with pytest.raises(ValidationError, match="description"):
        segments.create_segment(session, world.workspace_id, description="   ", owner_user_id="U1")


def test_list_shows_sizes_and_mine_shows_only_the_callers(session, world):
    dk = new_segment(session, world, "Danes", owner="U1")
    us = new_segment(session, world, "Americans", owner="U2")
    _add(session, world, dk, "DK")
    _add(session, world, us, "US")
    listed = segments.list_segments(session, world.workspace_id)
    assert [(s.no, s.description, s.size) for s in listed] == [(dk, "Danes", 4), (us, "Americans", 3)]
    assert [s.no for s in segments.list_segments(session, world.workspace_id, owner_user_id="U2")] == [us]


def test_show_pages_the_segment_by_contact_number(session, world):
    seg = new_segment(session, world)
    _add(session, world, seg, "DK", "US")
    page = segments.segment_page(session, world.workspace_id, seg, page=2, page_size=3)
    assert [row.no for row in page.rows] == ["CT012", "CT020", "CT030"]
    assert (page.total, page.pages) == (7, 3)
    # A page past the end shows the last one rather than nothing.
    assert segments.segment_page(session, world.workspace_id, seg, page=9, page_size=3).page == 3


def test_only_the_owner_or_an_admin_may_delete_a_segment(session, world):
    seg = new_segment(session, world, owner="U1")
    _add(session, world, seg, "DK")
    with pytest.raises(NotAllowedError, match="owner"):
        segments.delete_segment(session, world.workspace_id, seg, user_id="U2", is_admin=False)
    segments.delete_segment(session, world.workspace_id, seg, user_id="U2", is_admin=True)
    with pytest.raises(NotFoundError, match=seg):
        segments.get_segment(session, world.workspace_id, seg)
    own = new_segment(session, world, owner="U1")
    segments.delete_segment(session, world.workspace_id, own, user_id="U1", is_admin=False)
    assert segments.list_segments(session, world.workspace_id) == []


def test_compare_counts_overlap_and_both_differences(session, world):
    dk = new_segment(session, world)
    acme = new_segment(session, world)
    _add(session, world, dk, "DK")
    changes.apply_action(
        session,
        world.workspace_id,
        acme,
        "add",
        criteria=crit("company_no", "CT001"),
        user_id="U1",
        today=TODAY,
    )
    result = compare.compare_segments(session, world.workspace_id, dk, acme.lower())
    assert (result.size_a, result.size_b, result.overlap, result.only_a, result.only_b) == (4, 3, 2, 2, 1)


def test_export_has_the_contact_columns_with_no_first_and_codes_joined(session, world):
    ws = world.workspace_id
    session.add(ProfileQuestion(workspace_id=ws, code="rating"))
    add_contact(
        session,
        ws,
        "CT080",
        name="Gus",
        person=True,
        country="DK",
        email="gus@example.com",
        mailing=("NEWS", "EVENTS"),
        jobs=("BUYER",),
        profile={"rating": "A"},
    )
    seg = new_segment(session, world)
    changes.apply_action(session, ws, seg, "include", contact_nos=["CT080", "CT001"], user_id="U1")
    columns = export.export_columns(session, ws)
    assert columns[0] == "no"
    assert columns[-1] == "profile.rating"
    assert set(export.EXPORT_COLUMNS) <= set(columns)
    rows = list(export.export_rows(session, ws, seg))
    assert [row["no"] for row in rows] == ["CT001", "CT080"]
    gus = rows[1]
    assert next(iter(gus)) == "no"
    assert gus["mailing_groups"] == "EVENTS;NEWS"
    assert gus["job_responsibilities"] == "BUYER"
    assert gus["email"] == "gus@example.com"
    assert gus["profile.rating"] == "A"
    assert gus["exclude_from_segment"] == "false"
    assert gus["created"] == "2024-01-01"
    assert rows[0]["industry_groups"] == "RETAIL"
    assert rows[0]["company_no"] == "CT001"
    assert rows[0]["profile.rating"] == ""


def test_ensure_workspace_returns_the_same_workspace_for_a_team(session, world):
    first = workspaces.ensure_workspace(session, "T0100", name="New team")
    assert workspaces.ensure_workspace(session, "T0100") == first
    assert session.get(Workspace, first).name == "New team"


def test_a_team_never_sees_or_changes_another_teams_data(session, world):
    other = workspaces.ensure_workspace(session, "T0002")
    theirs_contact = add_contact(session, other, "CT001", name="Their Acme", country="DK")
    theirs = segments.create_segment(session, other, description="Theirs", owner_user_id="U9").no
    changes.apply_action(session, other, theirs, "include", contact_nos=["CT001"], user_id="U9")

    mine = new_segment(session, world)
    assert mine == theirs == "SEG00001"
    _add(session, world, mine, "DK")
    changes.apply_action(session, world.workspace_id, mine, "include", contact_nos=["CT001"], user_id="U1")
    assert len(members(session, world, mine)) == 4
    assert segments.get_segment(session, other, theirs).size == 1
    rows = list(export.export_rows(session, other, theirs))
    assert [(r["no"], r["name"]) for r in rows] == [("CT001", "Their Acme")]
    with pytest.raises(NotFoundError):
        changes.apply_action(session, other, theirs, "include", contact_nos=["CT040"], user_id="U9")
    assert theirs_contact.workspace_id == other


def test_deleting_a_segment_leaves_no_lines_history_or_captured_previews_behind(session, world):
    seg = new_segment(session, world)
    _add(session, world, seg, "DK")
    changes.preview_action(
        session, world.workspace_id, seg, "add", criteria=crit("country", "US"), user_id="U1"
    )
    segments.delete_segment(session, world.workspace_id, seg, user_id="U1", is_admin=False)
    for model in (SegmentLine, SegmentLineHistory, PendingActionContact, PendingAction, SegmentAction):
        assert session.scalar(select(func.count()).select_from(model)) == 0, model.__name__


def test_a_contact_deleted_after_the_preview_is_skipped_on_confirm_and_on_undo(session, world):
    seg = new_segment(session, world)
    # A captured preview (named contacts); a preview of criteria recounts at Confirm and refuses.
    preview = changes.preview_action(
        session,
        world.workspace_id,
        seg,
        "include",
        contact_nos=["CT001", "CT010", "CT030", "CT040"],
        user_id="U1",
    )
    session.execute(delete(Contact).where(Contact.no == "CT040"))
    changes.confirm_pending(session, world.workspace_id, preview.pending_id, user_id="U1")
    assert members(session, world, seg) == {"CT001", "CT010", "CT030"}
    changes.apply_action(session, world.workspace_id, seg, "remove", contact_nos=["CT010"], user_id="U1")
    session.execute(delete(Contact).where(Contact.no == "CT010"))
    changes.undo_last(session, world.workspace_id, seg, user_id="U1")
    assert members(session, world, seg) == {"CT001", "CT030"}


def test_a_deleted_contact_leaves_every_segment_it_was_in(session, world):
    first, second = new_segment(session, world), new_segment(session, world)
    for seg in (first, second):
        changes.apply_action(
            session, world.workspace_id, seg, "include", contact_nos=["CT001", "CT010", "CT030"], user_id="U1"
        )

    session.execute(delete(Contact).where(Contact.no.in_(["CT010", "CT030"])))

    assert members(session, world, first) == members(session, world, second) == {"CT001"}
    assert segments.get_segment(session, world.workspace_id, first).size == 1


def test_a_segment_numbered_last_gets_the_next_number_and_its_preview_says_so(session, world):
    first = new_segment(session, world)
    provisional = segments.create_segment(
        session, world.workspace_id, description="Late number", owner_user_id="U1", number_last=True
    ).no
    assert provisional != first
    changes.preview_action(
        session, world.workspace_id, provisional, "add", criteria=crit("country", "DK"), user_id="U1"
    )
    numbered = segments.number_segment(session, world.workspace_id, provisional)
    assert numbered == f"SEG{int(first[3:]) + 1:05d}"
    assert [info.no for info in segments.list_segments(session, world.workspace_id)] == [first, numbered]
    with pytest.raises(ValueError):
        segments.number_segment(session, world.workspace_id, numbered)
