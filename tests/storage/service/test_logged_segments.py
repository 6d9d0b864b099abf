"""Logging a segment's interactions, follow-up segments, and canceling a logged segment."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import ConflictError, NotAllowedError, NotFoundError, StalePreviewError, ValidationError
from storage.models import Campaign, InteractionLogEntry, InteractionTemplate
from storage.service import changes, header, journal, logged_segments, segments
from storage.service.logged_segments import LogPlan
from storage.service.types import LoggedSegmentInfo
from tests.factories import add_contact
from tests.storage.service.conftest import (
    TODAY,
    World,
    apply,
    crit,
    members,
    new_segment,
    require_deferred_previews,
)


def _templates(session: Session, world: World, *codes: str) -> None:
    session.add_all(InteractionTemplate(workspace_id=world.workspace_id, code=code) for code in codes)
    session.flush()


def _dk_segment(session: Session, world: World) -> str:
    _templates(session, world, "CALL", "MAIL", "MEETING")
    seg = new_segment(session, world, "Danes")
    apply(session, world, seg, "add", crit("country", "DK"))
    return seg


def _log(session: Session, world: World, seg: str, *, user_id: str = "U1", **kw: Any) -> LoggedSegmentInfo:
    return logged_segments.log_segment(session, world.workspace_id, seg, user_id=user_id, **kw)


def _plan(session: Session, world: World, seg: str, *, today: date | None = None, **choices: Any) -> LogPlan:
    """The preview of logging ``seg`` as U1, with what the command named (``template_code=``...)."""
    return logged_segments.plan_log(
        session,
        world.workspace_id,
        seg,
        choices=logged_segments.LogChoices(**choices),
        user_id="U1",
        today=today,
    )


def _entries(session: Session) -> list[InteractionLogEntry]:
    return list(session.scalars(select(InteractionLogEntry).order_by(InteractionLogEntry.contact_id)))


def test_logging_writes_one_interaction_per_contact_under_a_logged_segment(session, world):
    seg = _dk_segment(session, world)
    info = _log(session, world, seg, template_code="call", today=TODAY)
    assert (info.no, info.segment_no, info.template_code, info.interactions) == ("LSEG00001", seg, "CALL", 4)
    entries = _entries(session)
    assert len(entries) == 4
    assert {(e.template_code, e.segment_no, e.date, e.canceled) for e in entries} == {
        ("CALL", seg, TODAY, False)
    }
    second = _log(session, world, seg, template_code="MAIL")
    assert second.no == "LSEG00002"


def test_logged_interactions_are_found_by_interaction_criteria(session, world):
    seg = _dk_segment(session, world)
    _log(session, world, seg, template_code="CALL", today=TODAY)
    called = new_segment(session, world)
    apply(session, world, called, "add", crit("interaction", "CALL"))
    assert members(session, world, called) == members(session, world, seg)


def test_logging_needs_a_template_and_contacts(session, world):
    seg = _dk_segment(session, world)
    with pytest.raises(ValidationError, match="no interaction template; name one of: CALL, MAIL, MEETING"):
        _log(session, world, seg, template_code=None)
    empty = new_segment(session, world)
    with pytest.raises(ValidationError, match="no contacts"):
        _log(session, world, empty, template_code="CALL")


def test_a_follow_up_segment_holds_the_same_contacts_and_journals_where_they_came_from(session, world):
    seg = _dk_segment(session, world)
    info = _log(
        session, world, seg, template_code="CALL", follow_up=True, user_id="U2", is_admin=True, today=TODAY
    )
    assert info.follow_up_segment_no == "SEG00002"
    follow_up = segments.get_segment(session, world.workspace_id, "SEG00002")
    assert follow_up.description == "Follow-up: Danes"
    assert follow_up.owner_user_id == "U2"
    assert members(session, world, "SEG00002") == members(session, world, seg)
    [entry] = journal.list_journal(session, world.workspace_id, "SEG00002")
    assert (entry.kind, entry.source.logged_segment_no, entry.added) == ("include", "LSEG00001", 4)
    # Its journal replays: a refresh finds the same contacts.
    refreshed = changes.refresh_segment(session, world.workspace_id, "SEG00002", user_id="U2", today=TODAY)
    assert (refreshed.entered.total, refreshed.left.total) == (0, 0)


def test_canceling_a_logged_segment_cancels_its_interactions_and_undo_restores_them(session, world):
    seg = _dk_segment(session, world)
    _log(session, world, seg, template_code="CALL", today=TODAY)
    canceled = logged_segments.cancel_logged_segment(session, world.workspace_id, "lseg00001", user_id="U1")
    assert canceled.canceled
    session.expire_all()
    assert all(e.canceled for e in _entries(session))
    with pytest.raises(ConflictError, match="already canceled"):
        logged_segments.cancel_logged_segment(session, world.workspace_id, "LSEG00001", user_id="U1")
    restored = logged_segments.cancel_logged_segment(
        session, world.workspace_id, "LSEG00001", undo=True, user_id="U1"
    )
    assert not restored.canceled
    session.expire_all()
    assert not any(e.canceled for e in _entries(session))
    with pytest.raises(NotFoundError, match="LSEG00009"):
        logged_segments.cancel_logged_segment(session, world.workspace_id, "LSEG00009", user_id="U1")


def test_a_preview_of_interactions_taken_before_logging_is_refused_at_confirm(session, world):
    require_deferred_previews(session)
    seg = _dk_segment(session, world)
    called = new_segment(session, world)

    def preview_called():
        return changes.preview_action(
            session, world.workspace_id, called, "add", criteria=crit("interaction", "CALL"), user_id="U1"
        )

    before = preview_called()
    assert before.added == 0
    _log(session, world, seg, template_code="CALL", today=TODAY)
    with pytest.raises(StalePreviewError), session.begin_nested():
        changes.confirm_pending(session, world.workspace_id, before.pending_id, user_id="U1")
    after = preview_called()
    logged_segments.cancel_logged_segment(session, world.workspace_id, "LSEG00001", user_id="U1")
    with pytest.raises(StalePreviewError), session.begin_nested():
        changes.confirm_pending(session, world.workspace_id, after.pending_id, user_id="U1")
    assert members(session, world, called) == set()


def _campaign(session: Session, world: World, no: str = "CP01") -> None:
    session.add(Campaign(workspace_id=world.workspace_id, no=no, description="Spring"))
    session.flush()


def test_logging_takes_the_headers_template_date_campaign_and_subject(session, world):
    seg = _dk_segment(session, world)
    _campaign(session, world)
    on = TODAY.replace(day=1)
    for field, value in (
        ("template", "meeting"),
        ("date", on),
        ("campaign", "cp01"),
        ("subject", "Spring invitation"),
        ("salesperson", "AH"),
    ):
        header.set_header_field(session, world.workspace_id, seg, field, value, user_id="U1")
    info = _log(session, world, seg, today=TODAY)
    assert (info.template_code, info.interaction_date, info.campaign_no) == ("MEETING", on, "CP01")
    assert (info.interactions, info.campaign_entries) == (4, 4)
    assert {
        (
            e.template_code,
            e.date,
            e.campaign_no,
            e.description,
            e.salesperson,
            e.information_flow,
            e.initiated_by,
        )
        for e in _entries(session)
    } == {("MEETING", on, "CP01", "Spring invitation", "AH", "outbound", "us")}


def test_what_the_log_command_names_wins_over_the_header(session, world):
    seg = _dk_segment(session, world)
    _campaign(session, world)
    header.set_header_field(session, world.workspace_id, seg, "template", "MEETING", user_id="U1")
    plan = _plan(
        session, world, seg, template_code="CALL", interaction_date=TODAY, campaign_no="CP01", today=TODAY
    )
    assert (plan.template_code, plan.campaign_no, plan.interactions, plan.logged_before) == (
        "CALL",
        "CP01",
        4,
        (),
    )
    # Without a campaign, no campaign entries are counted.
    plain = _log(session, world, seg, template_code="CALL")
    assert (plain.campaign_no, plain.campaign_entries) == (None, 0)


def test_an_unknown_template_or_campaign_is_an_error_naming_the_known_ones(session, world):
    seg = _dk_segment(session, world)
    _campaign(session, world)
    with pytest.raises(NotFoundError, match=r"no interaction template MEETNG .*known ones: MEETING, "):
        _plan(session, world, seg, template_code="meetng")
    with pytest.raises(NotFoundError, match="no campaign CP2 in this workspace; the known ones: CP01"):
        _plan(session, world, seg, template_code="CALL", campaign_no="cp2")
    assert _entries(session) == []


def test_the_plan_names_the_earlier_logged_segments_that_still_count(session, world):
    seg = _dk_segment(session, world)
    _log(session, world, seg, template_code="CALL", today=TODAY)
    _log(session, world, seg, template_code="MAIL", today=TODAY)
    logged_segments.cancel_logged_segment(session, world.workspace_id, "LSEG00002", user_id="U1")
    plan = _plan(session, world, seg, template_code="CALL")
    assert [(b.no, b.interaction_date) for b in plan.logged_before] == [("LSEG00001", TODAY)]


def test_confirming_one_preview_twice_logs_once(session, world):
    seg = _dk_segment(session, world)
    plan = _plan(session, world, seg, template_code="CALL")

    def confirm():
        return _log(
            session, world, seg, template_code="CALL", preview_key="k1", segment_version=plan.segment_version
        )

    first, second = confirm(), confirm()
    assert (first.no, first.already_logged) == ("LSEG00001", False)
    assert (second.no, second.already_logged) == ("LSEG00001", True)
    assert len(_entries(session)) == 4


def test_a_segment_changed_since_the_preview_is_not_logged(session, world):
    seg = _dk_segment(session, world)
    plan = _plan(session, world, seg, template_code="CALL")
    apply(session, world, seg, "add", crit("country", "US"))
    with pytest.raises(ConflictError, match="changed since the preview"):
        _log(
            session, world, seg, template_code="CALL", preview_key="k2", segment_version=plan.segment_version
        )
    assert _entries(session) == []


def test_the_logged_segments_page_lists_shows_and_deletes_only_canceled_ones(session, world):
    seg = _dk_segment(session, world)
    _campaign(session, world)
    _log(
        session,
        world,
        seg,
        choices=logged_segments.LogChoices(template_code="CALL", campaign_no="CP01"),
        today=TODAY,
    )
    _log(session, world, seg, template_code="MAIL", user_id="U2", is_admin=True)
    listed = logged_segments.list_logged_segments(session, world.workspace_id)
    assert [
        (i.no, i.segment_no, i.description, i.user_id, i.interactions, i.campaign_entries) for i in listed
    ] == [
        ("LSEG00002", seg, "Danes", "U2", 4, 0),
        ("LSEG00001", seg, "Danes", "U1", 4, 4),
    ]
    page = logged_segments.logged_interactions_page(
        session, world.workspace_id, "lseg00001", page=2, page_size=3
    )
    assert (page.total, page.page, page.pages, len(page.rows)) == (4, 2, 2, 1)
    first = logged_segments.logged_interactions_page(session, world.workspace_id, "LSEG00001", page_size=3)
    assert [r.contact_no for r in first.rows] == ["CT001", "CT010", "CT030"]
    assert {(r.template_code, r.campaign_no, r.canceled) for r in first.rows} == {("CALL", "CP01", False)}

    with pytest.raises(ConflictError, match="LSEG00001 is not canceled, so its 4 interactions still count"):
        logged_segments.delete_logged_segment(session, world.workspace_id, "LSEG00001", user_id="U1")
    logged_segments.cancel_logged_segment(session, world.workspace_id, "LSEG00001", user_id="U1")
    with pytest.raises(NotAllowedError, match="can delete it"):
        logged_segments.delete_logged_segment(session, world.workspace_id, "LSEG00001", user_id="U9")
    deleted = logged_segments.delete_logged_segment(session, world.workspace_id, "LSEG00001", user_id="U1")
    assert deleted.no == "LSEG00001"
    assert [i.no for i in logged_segments.list_logged_segments(session, world.workspace_id)] == ["LSEG00002"]
    session.expire_all()
    assert {e.template_code for e in _entries(session)} == {"MAIL"}
    with pytest.raises(NotFoundError):
        logged_segments.get_logged_segment(session, world.workspace_id, "LSEG00001")


def test_two_presses_of_one_log_confirm_racing_on_postgresql_log_once(session_factory, workspace) -> None:
    if session_factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("threads racing on row locks need PostgreSQL; SQLite takes one writer at a time")
    with session_factory.begin() as s:
        s.add(InteractionTemplate(workspace_id=workspace.id, code="CALL"))
        for i in range(20):
            add_contact(s, workspace.id, f"DK{i:03d}", person=True, country="DK")
        seg = segments.create_segment(s, workspace.id, description="Race", owner_user_id="U1").no
        changes.apply_action(s, workspace.id, seg, "add", criteria=crit("country", "DK"), user_id="U1")
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def press(index: int) -> None:
        with session_factory() as s:
            barrier.wait()
            try:
                outcomes[index] = logged_segments.log_segment(
                    s,
                    workspace.id,
                    seg,
                    template_code="CALL",
                    user_id="U1",
                    preview_key="same",
                    segment_version=1,
                )
                s.commit()
            except Exception as exc:
                s.rollback()
                outcomes[index] = exc

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(o.already_logged for o in outcomes if isinstance(o, LoggedSegmentInfo)) == [False, True]
    with session_factory() as s:
        assert len(_entries(s)) == 20
