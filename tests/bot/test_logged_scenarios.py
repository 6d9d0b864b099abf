"""The segment header, `log` with its preview and the Logged Segments page through signed HTTP requests."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from segbot_testing.slack_api import RecordedCall, message_text
from segbot_testing.slack_harness import button_labels
from storage.models import Campaign, InteractionLogEntry, InteractionTemplate, Workspace
from tests.bot.conftest import RunningBot
from tests.factories import add_contact

STRANGER = "U0STRANGER"


@pytest.fixture
def berlin(slack: RunningBot, session_factory: sessionmaker[Session], workspace: Workspace) -> RunningBot:
    """SEG00001 with eight Berlin retailers, templates EMAIL and MEETING, campaign CP0001."""
    with session_factory.begin() as session:
        for n in range(1, 9):
            add_contact(session, workspace.id, f"R{n:03d}", name=f"Retailer {n}", city="Berlin")
        session.add_all(InteractionTemplate(workspace_id=workspace.id, code=c) for c in ("EMAIL", "MEETING"))
        session.add(Campaign(workspace_id=workspace.id, no="CP0001", description="Spring fair"))
    _confirm(slack, 'new "Berlin" city:berlin')
    return slack


def _confirm(slack: RunningBot, text: str) -> RecordedCall:
    preview = slack.sim.reply_to(text)
    assert {"Confirm", "Cancel"} <= set(button_labels(preview)), message_text(preview)
    return slack.sim.press_and_wait(preview, "Confirm", count=2)[-1]


def _interactions(session_factory: sessionmaker[Session]) -> list[tuple[str, str | None]]:
    with session_factory() as session:
        return list(
            session.execute(select(InteractionLogEntry.template_code, InteractionLogEntry.campaign_no))
        )


def test_log_previews_then_confirm_logs_with_the_headers_campaign_once(
    berlin: RunningBot, session_factory: sessionmaker[Session]
) -> None:
    assert "campaign is now *CP0001*" in message_text(berlin.sim.reply_to("set SEG00001 campaign cp0001"))
    preview = berlin.sim.reply_to("log SEG00001 template:meeting")
    shown = message_text(preview)
    assert "This logs *8 interactions*, one per contact, with template *MEETING*" in shown
    assert "Campaign *CP0001*: 8 campaign entries." in shown
    assert _interactions(session_factory) == []

    outcome = berlin.sim.press_and_wait(preview, "Confirm", count=2)[-1]
    assert "Logged *SEG00001* as *LSEG00001*: 8 interactions with template *MEETING*" in message_text(outcome)
    again = berlin.sim.press_and_wait(preview, "Confirm")[-1]
    assert "already logged from this preview as *LSEG00001*" in message_text(again)
    assert _interactions(session_factory) == [("MEETING", "CP0001")] * 8

    second = message_text(berlin.sim.reply_to("log SEG00001 template:EMAIL"))
    assert "SEG00001 was logged before, 1 time: as *LSEG00001*" in second


def test_unknown_template_and_campaign_and_a_stranger_are_refused_with_a_reason(
    berlin: RunningBot, session_factory: sessionmaker[Session]
) -> None:
    unknown = message_text(berlin.sim.reply_to("log SEG00001 template:NOSUCH"))
    assert "no interaction template NOSUCH in this workspace; the known ones: " in unknown
    assert "EMAIL" in unknown and "MEETING" in unknown
    campaign = message_text(berlin.sim.reply_to("set SEG00001 campaign CP9"))
    assert "no campaign CP9 in this workspace; the known ones: CP0001" in campaign
    stranger = message_text(berlin.sim.reply_to("set SEG00001 subject Hello", user=STRANGER))
    assert "only the owner of SEG00001" in stranger
    assert "only the owner of SEG00001" in message_text(berlin.sim.reply_to("log SEG00001", user=STRANGER))
    assert _interactions(session_factory) == []


def test_the_logged_segments_page_cancel_undo_and_delete_through_slack(
    berlin: RunningBot, session_factory: sessionmaker[Session]
) -> None:
    _confirm(berlin, "log SEG00001 template:EMAIL")
    listed = message_text(berlin.sim.reply_to("logged"))
    assert "Logged segments (1)" in listed
    assert "*LSEG00001* · SEG00001 Berlin" in listed and "8 interactions · 0 campaign entries" in listed
    shown = message_text(berlin.sim.reply_to("show LSEG00001"))
    assert "*R001* Retailer 1 · EMAIL" in shown

    refused = message_text(berlin.sim.reply_to("delete LSEG00001"))
    assert "LSEG00001 is not canceled, so its 8 interactions still count; cancel it first" in refused
    berlin.sim.reply_to("cancel LSEG00001")
    undone = message_text(berlin.sim.reply_to("cancel LSEG00001 --undo"))
    assert "Cancellation undone: logged segment *LSEG00001* of SEG00001 counts again" in undone
    berlin.sim.reply_to("cancel LSEG00001")

    question = berlin.sim.reply_to("delete LSEG00001")
    assert "Delete canceled logged segment *LSEG00001*" in message_text(question)
    deleted = berlin.sim.press_and_wait(question, "Confirm", count=2)[-1]
    assert "deleted canceled logged segment *LSEG00001*" in message_text(deleted)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(InteractionLogEntry)) == 0
    assert "No logged segments yet" in message_text(berlin.sim.reply_to("logged"))
