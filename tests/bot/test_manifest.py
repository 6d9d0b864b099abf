"""manifest.yml creates the app Slack talks to: its commands, events and URLs are the ones the app serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import yaml

from bot.http import EVENTS_PATH
from segbot_testing.slack_harness import USER_ID
from tests.bot.conftest import RunningBot

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_every_request_url_points_at_the_apps_events_path(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    urls = [c["url"] for c in manifest["features"]["slash_commands"]]
    urls += [settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]]
    urls += [settings["interactivity"]["message_menu_options_url"]]

    assert {urlsplit(url).path for url in urls} == {EVENTS_PATH}
    assert settings["interactivity"]["is_enabled"] is True


def test_the_slash_command_escapes_channels_and_users(manifest: dict[str, Any]) -> None:
    assert [(c["command"], c["should_escape"]) for c in manifest["features"]["slash_commands"]] == [
        ("/segment", True)
    ]


def test_the_app_home_has_its_home_and_messages_tabs(manifest: dict[str, Any]) -> None:
    home = manifest["features"]["app_home"]

    assert home["home_tab_enabled"] is True
    assert home["messages_tab_enabled"] is True


def test_the_bot_scopes_cover_the_web_api_methods_segbot_calls(manifest: dict[str, Any]) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])

    # commands: /segment; chat:write: replies and notifications; files:write: export;
    # users:read: the caller's time zone and admin role; im:write: opening a DM for a file.
    assert {"commands", "chat:write", "files:write", "users:read", "im:write"} <= scopes


def test_every_slash_command_in_the_manifest_is_answered(slack: RunningBot, manifest: dict[str, Any]) -> None:
    for command in manifest["features"]["slash_commands"]:
        body, response_url = slack.sim.command_body("help")
        fields = dict(parse_qsl(body))
        fields["command"] = command["command"]

        answer = slack.sim.post(urlencode(fields))

        assert answer.status == 200, command["command"]
        assert slack.fake.wait_for("response_url", url=response_url)


def test_a_slash_command_missing_from_the_manifest_is_not_served(slack: RunningBot) -> None:
    body, _ = slack.sim.command_body("help")
    fields = dict(parse_qsl(body))
    fields["command"] = "/segments-typo"

    assert slack.sim.post(urlencode(fields)).status == 404


def test_every_event_the_manifest_subscribes_to_is_handled(
    slack: RunningBot, manifest: dict[str, Any]
) -> None:
    events = manifest["settings"]["event_subscriptions"]["bot_events"]

    for event in events:
        answer = slack.sim.event({"type": event, "user": USER_ID, "channel": "D0001", "tab": "home"})
        assert answer.status == 200, event
    assert events == ["app_home_opened"]
    assert slack.fake.wait_for("views.publish")


def test_an_event_the_manifest_does_not_subscribe_to_is_not_served(slack: RunningBot) -> None:
    answer = slack.sim.event({"type": "member_joined_channel", "user": USER_ID, "channel": "C0001"})

    assert answer.status == 404


def test_oauth_asks_for_the_manifests_scopes_and_redirects_where_the_manifest_says(
    manifest: dict[str, Any],
) -> None:
    from bot.oauth import BOT_SCOPES, REDIRECT_PATH

    assert set(BOT_SCOPES) == set(manifest["oauth_config"]["scopes"]["bot"])
    assert [urlsplit(u).path for u in manifest["oauth_config"]["redirect_urls"]] == [REDIRECT_PATH]


def test_the_new_segment_shortcut_opens_the_segment_builder(
    slack: RunningBot, manifest: dict[str, Any]
) -> None:
    shortcuts = manifest["features"]["shortcuts"]
    assert [(s["name"], s["type"]) for s in shortcuts] == [("New segment", "global")]

    answer = slack.sim.shortcut(shortcuts[0]["callback_id"])

    assert answer.status == 200
    opened = slack.fake.wait_for("views.open")[0]
    assert opened.params["view"]["title"]["text"] == "New segment"
    assert opened.params["trigger_id"]
