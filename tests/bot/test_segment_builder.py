"""The segment builder through the real HTTP path: signed Slack requests in, the modal Slack shows out.

The fake Slack keeps the modal and its hash as Slack does, so an update computed from an older view
is refused (``hash_conflict``) and what the user sees can be read back from ``fake.views``.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from segbot_testing.slack_api import message_text
from segbot_testing.slack_harness import CHANNEL_ID, button_labels
from storage.demo import DEMO_DEFAULT_TEMPLATE, generate_demo
from storage.models import Segment, Workspace
from tests.bot.conftest import RunningBot
from tests.factories import add_contact


@pytest.fixture
def demo(session_factory: sessionmaker[Session], workspace: Workspace) -> Workspace:
    with session_factory.begin() as session:
        generate_demo(session, workspace.id, count=120, seed=2)
    return workspace


def values(*, criteria: str | None = None, description: str = "Built", **picks: list[str]) -> dict[str, Any]:
    state: dict[str, Any] = {
        "description": {"value": {"type": "plain_text_input", "value": description}},
        "criteria": {"value": {"type": "plain_text_input", "value": criteria}},
        "options": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    for field, chosen in picks.items():
        state[f"pick:{field}"] = {
            "value": {"type": "multi_static_select", "selected_options": [{"value": v} for v in chosen]}
        }
    return state


def open_builder(slack: RunningBot) -> dict[str, Any]:
    answer, _ = slack.sim.command("new")
    assert answer.status == 200
    view_id = slack.fake.wait_for("views.open")[0]
    assert view_id
    (opened,) = slack.fake.views.values()
    return dict(opened)


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def count_shown(slack: RunningBot, view_id: str) -> str:
    return str(block(slack.fake.views[view_id], "count")["text"]["text"])


def wait_for_update(slack: RunningBot, count: int = 1) -> None:
    slack.fake.wait_for("views.update", count)
    time.sleep(0.1)


def type_criteria(slack: RunningBot, view: dict[str, Any], criteria: str) -> None:
    """Type ``criteria`` into the builder's criteria box and wait for the modal to be updated."""
    slack.sim.change_input(view, "criteria", values(criteria=criteria))
    wait_for_update(slack)


def test_new_alone_opens_the_builder_with_pickers_filled_from_the_workspaces_codes(
    slack: RunningBot, demo: Workspace
) -> None:
    view = open_builder(slack)

    relation = block(view, "pick:relation")
    assert relation["element"]["type"] == "multi_static_select"
    assert "CUST" in {o["value"] for o in relation["element"]["options"]}
    assert view["private_metadata"] == CHANNEL_ID
    assert count_shown(slack, view["id"]) == "Choose values or type criteria to see how many contacts match."


def test_choosing_a_value_updates_the_modal_with_the_count_using_the_views_hash(
    slack: RunningBot, demo: Workspace
) -> None:
    view = open_builder(slack)

    answer = slack.sim.change_input(view, "pick:relation", values(relation=["CUST"]))

    assert answer.status == 200
    update = slack.fake.wait_for("views.update")[0]
    assert update.params["view_id"] == view["id"]
    assert update.params["hash"] == view["hash"]
    assert count_shown(slack, view["id"]).split("*")[1].endswith("contacts match")
    shown = block(slack.fake.views[view["id"]], "count_criteria")["elements"][0]["text"]
    assert shown == "Criteria: `relation:CUST`"


def test_a_late_change_never_overwrites_the_count_of_a_newer_one(slack: RunningBot, demo: Workspace) -> None:
    view = open_builder(slack)
    newer = time.time()

    slack.sim.change_input(view, "criteria", values(criteria="country:DE"), action_ts=newer)
    wait_for_update(slack)
    shown = count_shown(slack, view["id"])
    slack.sim.change_input(view, "criteria", values(criteria="country:DE OR country:IT"), action_ts=newer - 1)
    time.sleep(0.5)

    assert count_shown(slack, view["id"]) == shown
    assert len(slack.fake.calls_to("views.update")) == 1


def test_an_update_computed_from_a_view_changed_since_is_refused_by_its_hash_and_dropped(
    slack: RunningBot, demo: Workspace
) -> None:
    view = open_builder(slack)
    type_criteria(slack, view, "country:DE")
    shown = count_shown(slack, view["id"])
    # Someone else (another bot process answering a newer change) updated the modal meanwhile.
    slack.fake.touch_view(view["id"])

    slack.sim.change_input(view, "criteria", values(criteria="country:IT"), view_hash=view["hash"])
    slack.fake.wait_for("views.update", 2)
    time.sleep(0.3)

    assert count_shown(slack, view["id"]) == shown


def test_a_mistake_in_the_criteria_is_shown_on_the_criteria_box_while_typing(
    slack: RunningBot, demo: Workspace
) -> None:
    view = open_builder(slack)

    type_criteria(slack, view, "industy:retail")

    hint = block(slack.fake.views[view["id"]], "criteria")["hint"]["text"]
    assert "did you mean 'industry'" in hint
    assert count_shown(slack, view["id"]) == "Fix the criteria to see how many contacts match."


def test_submitting_the_builder_posts_the_preview_with_confirm_and_the_criteria_it_made(
    slack: RunningBot, demo: Workspace
) -> None:
    view = open_builder(slack)

    answer = slack.sim.submit_view(
        view, values(description="Customers in DE", relation=["CUST"], country=["DE"])
    )

    assert answer.status == 200
    posted = slack.fake.wait_for("chat.postEphemeral")[0]
    assert "Add will add" in message_text(posted)
    assert "relation:CUST" in message_text(posted) and "country:DE" in message_text(posted)
    assert {"Confirm", "Cancel"} <= set(button_labels(posted))


def test_a_long_picker_loads_its_options_as_the_user_types(
    slack: RunningBot, session_factory: sessionmaker[Session], workspace: Workspace
) -> None:
    with session_factory.begin() as session:
        for n in range(150):
            add_contact(session, workspace.id, f"C{n:04d}", city=f"Town {n:03d}")
    view = open_builder(slack)
    assert block(view, "pick:city")["element"]["type"] == "multi_external_select"

    answer = slack.sim.suggest(view, "pick:city", "town 14")

    assert answer.status == 200
    options = json.loads(answer.body)["options"]
    assert [o["value"] for o in options] == [f"Town {n}" for n in range(140, 150)]


def test_the_builder_sets_the_header_picked_in_it_and_refuses_an_unknown_campaign_on_its_input(
    slack: RunningBot, demo: Workspace, session_factory: sessionmaker[Session]
) -> None:
    view = open_builder(slack)
    # Not the template new segments start with, so the test sees the pick.
    offered = [o["value"] for o in block(view, "header:template")["element"]["options"]]
    template = next(code for code in offered if code != DEMO_DEFAULT_TEMPLATE)
    picked = {"value": {"type": "static_select", "selected_option": {"value": template}}}
    unknown = {"value": {"type": "static_select", "selected_option": {"value": "CP9999"}}}

    refused = slack.sim.submit_view(
        view, {**values(description="Oops", country=["DE"]), "header:campaign": unknown}
    )
    answer = slack.sim.submit_view(
        view, {**values(description="Customers in DE", country=["DE"]), "header:template": picked}
    )

    assert json.loads(refused.body)["response_action"] == "errors"
    assert "no campaign CP9999" in json.loads(refused.body)["errors"]["header:campaign"]
    assert answer.status == 200
    assert "Add will add" in message_text(slack.fake.wait_for("chat.postEphemeral")[0])
    with session_factory() as session:
        made = session.execute(
            select(Segment.description, Segment.interaction_template_code).where(
                Segment.workspace_id == demo.id
            )
        ).all()
    assert [tuple(row) for row in made] == [("Customers in DE", template)]
