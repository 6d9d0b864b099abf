"""Refresh over the real HTTP path: two labelled lists in the preview, every run in `history`, no
journal entry for a refresh that changes nothing, and no segment left by a canceled `new`."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from segbot_testing.slack_api import RecordedCall, message_text
from segbot_testing.slack_harness import USER_ID, button_labels
from storage.models import Contact, Workspace
from tests.bot.conftest import RunningBot
from tests.factories import add_contact


@pytest.fixture
def berlin(slack: RunningBot, session_factory: sessionmaker[Session], workspace: Workspace) -> str:
    """SEG00001 holds twelve companies in Berlin; then two move to Rome and seven new ones arrive."""
    with session_factory.begin() as s:
        for n in range(1, 13):
            add_contact(s, workspace.id, f"R{n:03d}", name=f"Retailer {n:02d}", city="Berlin")
    preview = slack.sim.reply_to('new "Berlin" city:berlin')
    slack.sim.press_and_wait(preview, "Confirm", count=2)
    with session_factory.begin() as s:
        s.execute(update(Contact).where(Contact.no.in_(["R001", "R002"])).values(city="Rome"))
        for n in range(1, 8):
            add_contact(s, workspace.id, f"N{n:03d}", name=f"Newcomer {n}", city="Berlin")
    return "SEG00001"


def _list(call: RecordedCall, label: str) -> str:
    """The text of one labelled list: from its label to the next label (or the end)."""
    text = message_text(call)
    after = text.split(f"*{label}*", 1)[1]
    return re.split(r"\*(?:Entering|Leaving)\*", after, maxsplit=1)[0]


def test_a_refresh_preview_lists_entering_and_leaving_apart_and_pages_each(
    slack: RunningBot, berlin: str
) -> None:
    preview = slack.sim.reply_to(f"refresh {berlin}")

    assert _list(preview, "Entering").startswith(" (7)")
    assert _list(preview, "Leaving").startswith(" (2)")
    assert "N001" in _list(preview, "Entering") and "R001" not in _list(preview, "Entering")
    assert "R001" in _list(preview, "Leaving") and "N001" not in _list(preview, "Leaving")
    assert button_labels(preview).count("Next") == 1  # only Entering has a second page (of five)

    [paged] = slack.sim.press_and_wait(preview, "Next")
    assert paged.params["replace_original"] is True
    assert "Contacts 6-7 of 7" in _list(paged, "Entering")
    assert "Contacts 1-2 of 2" in _list(paged, "Leaving")

    replaced, _ = slack.sim.press_and_wait(paged, "Confirm", count=2)
    assert "New size: 17" in message_text(replaced).replace("*", "")


def test_history_lists_a_refresh_confirmed_in_slack_and_a_no_op_refresh_adds_no_journal_action(
    slack: RunningBot, berlin: str
) -> None:
    slack.sim.press_and_wait(slack.sim.reply_to(f"refresh {berlin}"), "Confirm", count=2)
    quiet = slack.sim.reply_to(f"refresh {berlin}")
    assert "changes nothing" in message_text(quiet)
    applied, _ = slack.sim.press_and_wait(quiet, "Confirm", count=2)
    assert "nobody entered or left. New size: 17" in message_text(applied).replace("*", "")

    runs = message_text(slack.sim.reply_to(f"history {berlin}"))
    assert f"by <@{USER_ID}> · 17 → 17 · +0 entered −0 left" in runs
    assert f"by <@{USER_ID}> · 12 → 17 · +7 entered −2 left" in runs
    journal = message_text(slack.sim.reply_to(f"criteria {berlin}"))
    assert "2. *Refresh*: +7 −2 → 17" in journal
    assert "3. " not in journal and "+0 −0" not in journal


def test_cancelling_the_preview_of_new_leaves_no_segment_in_the_list(
    slack: RunningBot, session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    with session_factory.begin() as s:
        add_contact(s, workspace.id, "R001", name="Retailer", city="Berlin")
    preview = slack.sim.reply_to('new "Draft" city:berlin')
    slack.sim.press_and_wait(preview, "Cancel")

    listed = message_text(slack.sim.reply_to("list"))
    assert "Draft" not in listed
