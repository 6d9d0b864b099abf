"""``schedule``, ``unschedule``, ``schedules`` and ``history`` as a user types them."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from commands.context import CommandContext
from commands.registry import Registry
from commands.verbs.history import run_notification
from storage.errors import NotFoundError, ValidationError
from storage.models import Contact, ContactIndustryGroup, Workspace
from storage.service import history, schedules
from tests.commands.conftest import assert_within_block_kit_limits, buttons, press, rendered
from tests.factories import add_contact


@pytest.fixture
def seg(registry: Registry, ctx: CommandContext, crm: None) -> str:
    """SEG00001: the Berlin retail companies, confirmed."""
    reply = registry.dispatch("new Retail industry:retail", ctx)
    press(registry, reply, "Confirm", ctx)
    return "SEG00001"


def _stored(session: Session, workspace: Workspace, seg: str) -> schedules.ScheduleInfo:
    """The schedule the database now holds for ``seg``; there must be one."""
    info = schedules.get_schedule(session, workspace.id, seg)
    assert info is not None
    return info


def test_schedule_with_a_phrase_in_the_callers_time_zone_says_the_next_run(
    registry: Registry, ctx: CommandContext, seg: str, workspace: Workspace, session: Session
) -> None:
    rome = replace(ctx, timezone="Europe/Rome")
    reply = registry.dispatch(f"schedule {seg.lower()} weekdays 08:30 <#C0NEWS|news>", rome)
    text = rendered(reply)
    assert "Scheduled SEG00001 Retail: weekdays 08:30 (Europe/Rome)" in text
    assert "<#C0NEWS>" in text
    assert re.search(r"Next run: (Mon|Tue|Wed|Thu|Fri) \d\d \w{3} \d{4}, 08:30 CES?T", text), text
    info = _stored(session, workspace, seg)
    assert (info.cron, info.timezone, info.channel_id, info.created_by) == (
        "30 8 * * 1-5",
        "Europe/Rome",
        "C0NEWS",
        ctx.user_id,
    )


def test_schedule_without_a_channel_posts_to_the_current_one_and_a_quoted_cron_works(
    registry: Registry, ctx: CommandContext, seg: str, workspace: Workspace, session: Session
) -> None:
    registry.dispatch(f"schedule {seg} “0 9 * * 1-5” --notify-empty", ctx)
    info = _stored(session, workspace, seg)
    assert (info.cron, info.channel_id, info.notify_when_empty) == ("0 9 * * 1-5", ctx.channel_id, True)


def test_schedule_to_a_plain_channel_name_keeps_the_name(
    registry: Registry, ctx: CommandContext, seg: str, workspace: Workspace, session: Session
) -> None:
    registry.dispatch(f"schedule {seg} mondays 10:00 #Sales", ctx)
    info = _stored(session, workspace, seg)
    assert (info.cron, info.channel_id, info.channel_name) == ("0 10 * * 1", None, "sales")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("SEG00001", "say when to refresh"),
        ("SEG00001 daily 9:75", "not a time of day"),
        ("SEG00001 0 9 * * 9", "day of week 9 is out of range"),
        ("SEG00001 daily 09:00 --loud", "unknown option '--loud'"),
        ("SEG09999 daily 09:00", "no segment SEG09999"),
        ("daily 09:00", "not a segment number"),
    ],
)
def test_bad_schedules_are_explained_and_store_nothing(
    registry: Registry,
    ctx: CommandContext,
    seg: str,
    workspace: Workspace,
    session: Session,
    arguments: str,
    message: str,
) -> None:
    with pytest.raises((ValidationError, NotFoundError), match=message):
        registry.dispatch(f"schedule {arguments}", ctx)
    assert schedules.list_schedules(session, workspace.id) == []


def test_schedule_in_a_direct_message_without_a_channel_asks_for_one(
    registry: Registry, ctx: CommandContext, seg: str
) -> None:
    with pytest.raises(ValidationError, match="which channel"):
        registry.dispatch(f"schedule {seg} hourly", replace(ctx, channel_id=None))


def test_schedules_lists_each_with_its_next_run_and_unschedule_removes_it(
    registry: Registry, ctx: CommandContext, seg: str
) -> None:
    assert "No scheduled refreshes" in rendered(registry.dispatch("schedules", ctx))
    registry.dispatch(f"schedule {seg} hourly #sales", ctx)
    listing = rendered(registry.dispatch("schedules", ctx))
    assert "SEG00001 Retail · hourly (UTC) → #sales · next " in listing
    gone = rendered(registry.dispatch(f"unschedule {seg}", ctx))
    assert "SEG00001 is no longer refreshed on a schedule (was hourly, UTC)" in gone
    assert "No scheduled refreshes" in rendered(registry.dispatch("schedules", ctx))
    with pytest.raises(NotFoundError, match="has no schedule"):
        registry.dispatch(f"unschedule {seg}", ctx)


def test_history_lists_runs_with_sizes_and_entered_and_left(
    registry: Registry,
    ctx: CommandContext,
    seg: str,
    workspace: Workspace,
    session_factory: sessionmaker[Session],
) -> None:
    assert "no refresh runs yet" in rendered(registry.dispatch(f"history {seg}", ctx))
    with session_factory.begin() as s:
        bank = s.scalars(select(Contact).where(Contact.no == "CT0007")).one()
        bank.city = "Berlin"
        s.add(bank)
        s.add(ContactIndustryGroup(workspace_id=workspace.id, contact_id=bank.id, code="RETAIL"))
    with session_factory.begin() as s:
        history.record_refresh_run(
            s, workspace.id, seg, key="k-history", user_id=ctx.user_id, today=ctx.today
        )
    text = rendered(registry.dispatch(f"history {seg}", ctx))
    assert "Refresh history of SEG00001 Retail" in text
    # Banque Sud turned retail in Berlin; its one person is excluded from segments.
    assert "scheduled · 6 → 7 · +1 entered −0 left" in text


def test_a_run_notification_pages_through_who_entered_with_next_and_previous(
    registry: Registry, ctx: CommandContext, workspace: Workspace, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as s:
        for i in range(12):
            add_contact(s, workspace.id, f"CT1{i:03d}", name=f"Company {i}", city="Lyon")
    # Nobody is in Paris yet: the confirmed Add is journalled with nobody in it.
    press(registry, registry.dispatch("new Lyon city:paris", ctx), "Confirm", ctx)
    with session_factory.begin() as s:
        s.execute(Contact.__table__.update().where(Contact.no.like("CT1%")).values(city="Paris"))
    small = replace(ctx, page_size=5)
    with session_factory.begin() as s:
        run = history.record_refresh_run(s, workspace.id, "SEG00001", key="k-page", user_id=ctx.user_id)
        reply = run_notification(s, run, size=small.page_size)
    assert_within_block_kit_limits(reply)
    first = rendered(reply)
    assert "Segment refreshed: SEG00001 Lyon" in first
    assert "0 → 12" in first and "12 entered and 0 left" in first
    assert "CT1000" in first and "CT1005" not in first
    assert set(buttons(reply)) == {"Next"}
    second = press(registry, reply, "Next", small)
    assert second.replace_original
    assert "CT1005" in rendered(second) and "CT1000" not in rendered(second)
    assert set(buttons(second)) == {"Previous", "Next"}
    back = press(registry, second, "Previous", small)
    assert "CT1000" in rendered(back)
