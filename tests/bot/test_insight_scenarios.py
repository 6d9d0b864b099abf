"""Seeing a segment through Slack: the Chart buttons upload PNGs to the channel where they were pressed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session, sessionmaker

from segbot_testing.slack_harness import CHANNEL_ID, USER_ID
from storage.db import unit_of_work
from storage.demo import generate_demo
from storage.models import Workspace
from storage.service import segments
from tests.bot.conftest import RunningBot
from tests.commands.conftest import TODAY
from tests.commands.test_breakdown import assert_retina_png


@pytest.fixture
def demo(session_factory: sessionmaker[Session], workspace: Workspace) -> Workspace:
    with unit_of_work(session_factory) as session:
        generate_demo(session, workspace.id, count=200, seed=5, today=TODAY)
    return workspace


@pytest.mark.parametrize(
    "command", ["breakdown SEG00001 by country", "history SEG00001"], ids=["breakdown", "history"]
)
def test_the_chart_button_uploads_a_png_to_the_channel(
    slack: RunningBot, demo: Workspace, command: str
) -> None:
    slack.sim.press_and_wait(slack.sim.reply_to('new "Companies" type:company'), "Confirm", count=2)
    insight = slack.sim.reply_to(command)

    slack.sim.press(insight, "Chart")

    completed = slack.fake.wait_for("files.completeUploadExternal")[0]
    assert completed.params["channel_id"] == CHANNEL_ID
    assert_retina_png(slack.fake.calls_to("upload")[0].body)


def test_the_app_home_of_a_user_with_200_segments_is_a_dashboard_within_block_kit_limits(
    slack: RunningBot, demo: Workspace, session_factory: sessionmaker[Session]
) -> None:
    slack.sim.press_and_wait(slack.sim.reply_to('new "Companies" type:company'), "Confirm", count=2)
    with unit_of_work(session_factory) as session:
        for n in range(199):
            segments.create_segment(
                session, demo.id, description=f"Segment {n:03d} " + "x" * 150, owner_user_id=USER_ID
            )

    slack.sim.event({"type": "app_home_opened", "user": USER_ID, "channel": "D0001", "tab": "home"})

    view = slack.fake.wait_for("views.publish")[0].params["view"]
    blocks = view["blocks"]
    assert len(blocks) <= 100
    assert all(len(b.get("elements", ())) <= 25 for b in blocks)
    assert all(len((b.get("text") or {}).get("text", "")) <= 3000 for b in blocks)
    text = json.dumps(view)
    assert "Most changed in the workspace this week" in text
    assert "this week" in text and "older segments not shown" in text
    labels = {e["text"]["text"] for b in blocks for e in b.get("elements", ()) if e.get("type") == "button"}
    assert {"Breakdown", "History"} <= labels

    # The Home's Breakdown button answers the user directly: there is no channel or response_url there.
    slack.sim.press(view, "Breakdown", channel=None, with_response_url=False)
    answered = slack.fake.wait_for("chat.postMessage")[-1]
    assert "by country" in json.dumps(answered.params)
