"""Live segments in the database: once per data version, in dependency order, failures recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.data_version import bump_data_version
from storage.errors import NotAllowedError, NotFoundError, ValidationError
from storage.models import Contact, Segment, SegmentRun
from storage.models.schedules import TRIGGER_LIVE
from storage.service import changes, history, live
from storage.service.types import ADD, REFINE, ActionOptions
from tests.storage.service.conftest import TODAY, World, crit, members, new_segment


def _live(session: Session, world: World, no: str) -> None:
    live.set_live(session, world.workspace_id, no, channel_id="C0LIVE", user_id="U1", locale="it")


def _move(session: Session, world: World, no: str, country: str) -> None:
    contact = session.scalars(
        select(Contact).where(Contact.workspace_id == world.workspace_id, Contact.no == no)
    ).one()
    contact.country = country
    bump_data_version(session, world.workspace_id)


@pytest.fixture
def danes(session: Session, world: World) -> tuple[str, str]:
    """SEG00001: contacts in DK, live. SEG00002: its persons with a job, built on it, live."""
    base = new_segment(session, world, "Denmark")
    changes.apply_action(
        session, world.workspace_id, base, ADD, criteria=crit("country", "DK"), user_id="U1", today=TODAY
    )
    buyers = new_segment(session, world, "Danish buyers")
    changes.apply_action(
        session, world.workspace_id, buyers, ADD, criteria=crit("segment", base), user_id="U1", today=TODAY
    )
    changes.apply_action(
        session, world.workspace_id, buyers, REFINE, criteria=crit("job", "BUYER"), user_id="U1", today=TODAY
    )
    _live(session, world, buyers)
    _live(session, world, base)
    return base, buyers


def test_making_a_segment_live_needs_a_channel_and_the_owner(session: Session, world: World) -> None:
    no = new_segment(session, world, "Mine", owner="U1")
    with pytest.raises(ValidationError):
        live.set_live(session, world.workspace_id, no, channel_id=None, user_id="U1")
    with pytest.raises(NotAllowedError):
        live.set_live(session, world.workspace_id, no, channel_id="C1", user_id="U2")
    info = live.set_live(session, world.workspace_id, no, channel_id=None, channel_name="sales", user_id="U1")
    assert (info.destination, [i.segment_no for i in live.list_live(session, world.workspace_id)]) == (
        "#sales",
        [no],
    )
    live.unset_live(session, world.workspace_id, no, user_id="U1")
    assert live.get_live(session, world.workspace_id, no) is None
    with pytest.raises(NotFoundError, match="is not live"):
        live.unset_live(session, world.workspace_id, no, user_id="U1")


def test_a_new_live_segment_is_current_until_the_data_changes(
    session: Session, world: World, danes: tuple[str, str]
) -> None:
    assert live.behind_workspaces(session) == {}
    assert live.plan_pass(session, world.workspace_id)[1] == []
    _move(session, world, "CT012", "DK")
    version, order = live.plan_pass(session, world.workspace_id)
    assert live.behind_workspaces(session) == {world.workspace_id: version}
    # SEG00002 is built on SEG00001, so it comes second.
    assert order == list(danes)


def test_a_live_refresh_happens_once_per_data_version(
    session: Session, world: World, danes: tuple[str, str]
) -> None:
    base, _ = danes
    _move(session, world, "CT012", "DK")
    version, _order = live.plan_pass(session, world.workspace_id)
    run = live.record_live_run(session, world.workspace_id, base, version=version)
    assert run is not None and run.is_new and run.trigger == TRIGGER_LIVE
    assert (run.entered, run.left, run.channel_id) == (1, 0, "C0LIVE")
    assert live.record_live_run(session, world.workspace_id, base, version=version) is None
    assert "CT012" in members(session, world, base)
    runs = session.scalars(select(SegmentRun.run_key)).all()
    assert runs == [live.live_run_key(_segment_id(session, world, base), version)]


def test_a_live_refresh_that_meets_a_deleted_segment_is_a_failed_run_that_changes_nothing(
    session: Session, world: World, danes: tuple[str, str]
) -> None:
    base, buyers = danes
    before = members(session, world, buyers)
    live.unset_live(session, world.workspace_id, base, user_id="U1")
    session.execute(
        Segment.__table__.delete().where(Segment.no == base, Segment.workspace_id == world.workspace_id)
    )
    _move(session, world, "CT012", "DK")
    version, order = live.plan_pass(session, world.workspace_id)
    assert order == [buyers]
    run = live.record_live_run(session, world.workspace_id, buyers, version=version)
    assert run is not None and run.is_failed
    assert run.error_params == {"segment_no": buyers, "missing": base}
    assert members(session, world, buyers) == before
    # Recorded as done for this version: the error is posted once, not at every poll.
    assert live.plan_pass(session, world.workspace_id)[1] == []


def test_a_scheduled_refresh_counts_for_the_live_segment_at_the_version_it_saw(
    session: Session, world: World, danes: tuple[str, str]
) -> None:
    base, buyers = danes
    _move(session, world, "CT012", "DK")
    history.record_refresh_run(session, world.workspace_id, base, key="1@2026-11-30T09:00:00", user_id="U1")
    assert live.plan_pass(session, world.workspace_id)[1] == [buyers]


def _segment_id(session: Session, world: World, no: str) -> int:
    return session.scalars(
        select(Segment.id).where(Segment.workspace_id == world.workspace_id, Segment.no == no)
    ).one()


@pytest.mark.parametrize(
    "options",
    [
        ActionOptions(),
        ActionOptions(expand_companies=True),
        ActionOptions(related_companies=True, ignore_exclusion=True),
        ActionOptions(expand_companies=True, related_companies=True),
    ],
)
def test_refreshing_a_one_add_journal_lands_where_a_new_add_would(
    session: Session, world: World, options: ActionOptions
) -> None:
    ws = world.workspace_id
    refreshed = new_segment(session, world, "Refreshed")
    changes.apply_action(
        session,
        ws,
        refreshed,
        ADD,
        criteria=crit("country", "DK"),
        options=options,
        user_id="U1",
        today=TODAY,
    )
    before = members(session, world, refreshed)
    _move(session, world, "CT020", "DK")
    _move(session, world, "CT010", "SE")
    _move(session, world, "CT001", "SE")
    result = changes.refresh_segment(session, ws, refreshed, user_id="U1", today=TODAY)
    fresh = new_segment(session, world, "Fresh")
    changes.apply_action(
        session, ws, fresh, ADD, criteria=crit("country", "DK"), options=options, user_id="U1", today=TODAY
    )
    after = members(session, world, refreshed)
    assert after == members(session, world, fresh)
    assert (result.entered.total, result.left.total) == (len(after - before), len(before - after))
    assert after != before
