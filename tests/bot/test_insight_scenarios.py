"""Seeing a segment through Slack: the Chart buttons upload PNGs to the channel where they were pressed."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from storage.db import unit_of_work
from storage.demo import generate_demo
from storage.models import Workspace
from tests.bot.conftest import RunningBot
from tests.bot.slack_harness import CHANNEL_ID
from tests.commands.conftest import TODAY
from tests.commands.test_breakdown import assert_retina_png


@pytest.fixture
def demo(session_factory: sessionmaker[Session], workspace: Workspace) -> Workspace:
    with unit_of_work(session_factory) as session:
        generate_demo(session, workspace.id, count=200, seed=5, today=TODAY)
    return workspace


def test_the_breakdown_chart_button_uploads_a_png_to_the_channel(slack: RunningBot, demo: Workspace) -> None:
    slack.sim.press_and_wait(slack.sim.reply_to('new "Companies" type:company'), "Confirm", count=2)
    breakdown = slack.sim.reply_to("breakdown SEG00001 by country")

    slack.sim.press(breakdown, "Chart")

    completed = slack.fake.wait_for("files.completeUploadExternal")[0]
    assert completed.params["channel_id"] == CHANNEL_ID
    assert_retina_png(slack.fake.calls_to("upload")[0].body)


def test_the_history_chart_button_uploads_a_png_to_the_channel(slack: RunningBot, demo: Workspace) -> None:
    slack.sim.press_and_wait(slack.sim.reply_to('new "Companies" type:company'), "Confirm", count=2)
    history = slack.sim.reply_to("history SEG00001")

    slack.sim.press(history, "Chart")

    completed = slack.fake.wait_for("files.completeUploadExternal")[0]
    assert completed.params["channel_id"] == CHANNEL_ID
    assert_retina_png(slack.fake.calls_to("upload")[0].body)
