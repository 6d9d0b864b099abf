"""The journal, saved criteria, reuse and refresh."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import update

from storage.criteria.ast import Compare, Today
from storage.errors import ConflictError, NotFoundError, ValidationError
from storage.models import Contact, SegmentAction
from storage.service import changes, history, journal, saved
from storage.service.types import ActionOptions
from tests.factories import add_contact
from tests.storage.service.conftest import TODAY, apply, crit, members, new_segment

_apply = partial(apply, user="U7")


def test_the_journal_records_each_action_with_its_criteria_options_and_counts(session, world):
    seg = new_segment(session, world, owner="U7")
    _apply(session, world, seg, "add", crit("country", "DK"), expand_companies=True)
    _apply(session, world, seg, "remove", contact_nos=["CT040"])
    entries = journal.list_journal(session, world.workspace_id, seg)
    assert [(e.seq, e.kind, e.criteria_text) for e in entries] == [
        (1, "add", "country:DK"),
        (2, "remove", None),
    ]
    assert entries[0].options == ActionOptions(expand_companies=True)
    assert (entries[0].added, entries[0].removed, entries[0].size_after) == (5, 0, 5)
    assert entries[1].contact_nos == ("CT040",)
    assert (entries[1].added, entries[1].removed, entries[1].size_after) == (0, 1, 4)
    assert entries[1].user_id == "U7"


def test_undone_actions_leave_the_journal(session, world):
    seg = new_segment(session, world, owner="U7")
    _apply(session, world, seg, "add", crit("country", "DK"))
    _apply(session, world, seg, "refine", crit("no", "CT001"))
    changes.undo_last(session, world.workspace_id, seg, user_id="U7")
    assert [e.kind for e in journal.list_journal(session, world.workspace_id, seg)] == ["add"]


def test_relative_dates_stay_relative_in_the_journal_and_on_refresh(session, world):
    ws = world.workspace_id
    add_contact(session, ws, "CT060", person=True, created=TODAY - timedelta(days=10))
    add_contact(session, ws, "CT061", person=True, created=TODAY - timedelta(days=40))
    seg = new_segment(session, world, owner="U7")
    _apply(session, world, seg, "add", Compare("created", ">=", Today(-30, "d")))
    assert members(session, world, seg) == {"CT060"}
    action = session.query(SegmentAction).one()
    assert action.criteria_text == "created:>=today-30d"
    assert action.criteria["value"] == {"today": -30, "unit": "d"}

    later = TODAY + timedelta(days=25)
    add_contact(session, ws, "CT062", person=True, created=later - timedelta(days=1))
    result = changes.refresh_segment(session, ws, seg, user_id="U7", today=later)
    assert [r.no for r in result.entered.rows] == ["CT062"]
    assert [r.no for r in result.left.rows] == ["CT060"]
    assert (result.size_before, result.size_after) == (1, 1)


def test_refresh_replays_the_journal_from_empty_against_todays_data(session, world):
    ws = world.workspace_id
    seg = new_segment(session, world, owner="U7")
    _apply(session, world, seg, "add", crit("country", "DK"))
    _apply(session, world, seg, "include", contact_nos=["CT002"])
    _apply(session, world, seg, "reduce", crit("no", "CT010"))
    before = members(session, world, seg)
    session.execute(update(Contact).where(Contact.no == "CT040").values(country="SE"))
    add_contact(session, ws, "CT050", name="New", person=True, country="DK")

    result = changes.refresh_segment(session, ws, seg, user_id="U7", today=TODAY)
    assert (result.entered.total, result.left.total) == (1, 1)
    assert [r.no for r in result.entered.rows] == ["CT050"]
    assert [r.no for r in result.left.rows] == ["CT040"]
    assert members(session, world, seg) == before - {"CT040"} | {"CT050"}
    assert journal.list_journal(session, ws, seg)[-1].kind == "refresh"

    # A refresh is journalled like any action, so it can be undone.
    changes.undo_last(session, ws, seg, user_id="U7")
    assert members(session, world, seg) == before
    # And refreshing again with nothing changed changes nothing.
    again = changes.refresh_segment(session, ws, seg, user_id="U7", today=TODAY)
    quiet = changes.refresh_segment(session, ws, seg, user_id="U7", today=TODAY)
    assert again.entered.total == 1
    assert (quiet.entered.total, quiet.left.total) == (0, 0)


def test_saved_criteria_replay_on_another_segment_as_one_undoable_action(session, world):
    ws = world.workspace_id
    source = new_segment(session, world, owner="U7")
    _apply(session, world, source, "add", crit("industry", "RETAIL"), expand_companies=True)
    _apply(session, world, source, "add", crit("no", "CT040"))
    _apply(session, world, source, "refine", crit("country", "DK"))
    assert saved.save_criteria(session, ws, source, "dk-retail", description="DK retail", user_id="U7") == 3
    assert saved.list_saved_criteria(session, ws) == [("DK-RETAIL", "DK retail", 3)]

    target = new_segment(session, world, owner="U7")
    _apply(session, world, target, "include", contact_nos=["CT002"])
    result = _apply(session, world, target, "reuse", saved_code="dk-retail")
    # The steps run on the target as it stands: the refine drops its US company too.
    assert members(session, world, target) == members(session, world, source)
    assert (result.kind, result.added, result.removed) == ("reuse", 4, 1)
    entries = journal.list_journal(session, ws, target)
    source = entries[-1].source
    assert (source.saved_code, [(s.kind, s.options) for s in source.steps]) == (
        "DK-RETAIL",
        [("add", {"expand_companies": True}), ("add", {}), ("refine", {})],
    )
    changes.undo_last(session, ws, target, user_id="U7")
    assert members(session, world, target) == {"CT002"}


def test_a_refresh_replays_a_reuse_step_by_step(session, world):
    ws = world.workspace_id
    source = new_segment(session, world, owner="U7")
    _apply(session, world, source, "add", crit("country", "US"))
    saved.save_criteria(session, ws, source, "US", user_id="U7")
    target = new_segment(session, world, owner="U7")
    _apply(session, world, target, "reuse", saved_code="US")
    add_contact(session, ws, "CT070", person=True, country="US")
    result = changes.refresh_segment(session, ws, target, user_id="U7", today=TODAY)
    assert [r.no for r in result.entered.rows] == ["CT070"]


def test_saved_criteria_codes_are_unique_and_must_exist(session, world):
    ws = world.workspace_id
    seg = new_segment(session, world, owner="U7")
    with pytest.raises(ValidationError, match="no criteria"):
        saved.save_criteria(session, ws, seg, "EMPTY", user_id="U7")
    _apply(session, world, seg, "add", crit("country", "US"))
    saved.save_criteria(session, ws, seg, "US", user_id="U7")
    with pytest.raises(ConflictError, match="already exist"):
        saved.save_criteria(session, ws, seg, "us", user_id="U7")
    with pytest.raises(NotFoundError, match="NOPE"):
        _apply(session, world, seg, "reuse", saved_code="nope")


def test_a_refresh_that_changes_nothing_adds_no_journal_action_but_a_run(session, world):
    ws = world.workspace_id
    seg = new_segment(session, world, owner="U7")
    _apply(session, world, seg, "add", crit("country", "DK"))
    quiet = changes.refresh_segment(session, ws, seg, user_id="U7", today=TODAY)
    assert (quiet.entered.total, quiet.left.total, quiet.seq) == (0, 0, None)
    assert [e.kind for e in journal.list_journal(session, ws, seg)] == ["add"]
    runs = history.list_runs(session, ws, seg)
    assert [(r.trigger, r.size_before, r.size_after, r.entered, r.left) for r in runs] == [
        ("cli", 4, 4, 0, 0)
    ]
    # Undo still reverts the Add: the no-op refresh left nothing to go back over.
    changes.undo_last(session, ws, seg, user_id="U7")
    assert members(session, world, seg) == set()


def test_a_confirmed_refresh_preview_is_recorded_in_the_history_with_who_started_it(session, world):
    ws = world.workspace_id
    seg = new_segment(session, world, owner="U7")
    _apply(session, world, seg, "add", crit("country", "DK"))
    add_contact(session, ws, "CT050", name="New", person=True, country="DK")
    preview = changes.preview_action(session, ws, seg, "refresh", user_id="U7", today=TODAY)
    changes.confirm_pending(session, ws, preview.pending_id, user_id="U7", trigger="slack")
    quiet = changes.preview_action(session, ws, seg, "refresh", user_id="U7", today=TODAY)
    assert (quiet.added, quiet.removed) == (0, 0)
    changes.confirm_pending(session, ws, quiet.pending_id, user_id="U7", trigger="slack")
    with pytest.raises(ConflictError):
        changes.confirm_pending(session, ws, quiet.pending_id, user_id="U7", trigger="slack")

    runs = history.list_runs(session, ws, seg)
    assert [(r.trigger, r.user_id, r.size_before, r.size_after, r.entered, r.left) for r in runs] == [
        ("slack", "U7", 5, 5, 0, 0),
        ("slack", "U7", 4, 5, 1, 0),
    ]
    assert runs[1].action_seq == journal.list_journal(session, ws, seg)[-1].seq
    assert runs[0].action_seq is None
    assert [e.kind for e in journal.list_journal(session, ws, seg)] == ["add", "refresh"]


def test_other_actions_leave_no_refresh_run(session, world):
    ws = world.workspace_id
    seg = new_segment(session, world, owner="U7")
    _apply(session, world, seg, "add", crit("country", "DK"))
    _apply(session, world, seg, "reduce", crit("no", "CT010"))
    assert history.list_runs(session, ws, seg) == []
