"""The HTTP transport end to end: signed requests in, acks out at once, replies where Slack shows them."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from commands.context import CommandContext
from commands.registry import Registry, Verb
from commands.reply import Reply
from segbot_testing.slack_api import message_text
from segbot_testing.slack_harness import CHANNEL_ID, USER_ID, HttpAnswer
from storage.db import make_engine
from storage.errors import NotFoundError
from storage.models import Segment
from tests.bot.conftest import RunningBot


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _registry_with(*verbs: Verb) -> Registry:
    # A registry of test verbs only, so the transport is tested apart from the built-in verbs.
    registry = Registry()
    for verb in verbs:
        registry.add(verb)
    return registry


def _verb(name: str, run: Callable[[str, CommandContext], Reply]) -> Verb:
    return Verb(name=name, aliases=(), usage=name, summary=f"test verb {name}", run=run)


def _with_show_button(action_id: str, value: str) -> dict[str, Any]:
    """A message (or App Home) whose only block is a "Show" button."""
    button = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": "Show"},
        "value": value,
    }
    return {"blocks": [{"type": "actions", "elements": [button]}]}


def _sleeping(seconds: float) -> Verb:
    """The verb ``slow``: it works for ``seconds``, then answers "done"."""

    def slow(text: str, ctx: CommandContext) -> Reply:
        time.sleep(seconds)
        return Reply(text="done")

    return _verb("slow", slow)


def _burst(bot: RunningBot, count: int) -> list[tuple[HttpAnswer, str]]:
    """``count`` slash commands ``slow`` sent at the same moment; each one's answer and response_url."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: bot.sim.command("slow"), range(count)))


def test_help_is_acknowledged_empty_and_answered_ephemerally_with_usage(bare: RunningBot) -> None:
    answer, response_url = bare.sim.command("help")

    assert answer.status == 200
    assert answer.body == b""
    reply = bare.fake.wait_for("response_url", url=response_url)[0]
    assert reply.params["response_type"] == "ephemeral"
    assert "/segment" in message_text(reply)


def test_an_unknown_verb_gets_an_ephemeral_error_naming_the_closest_verb(bare: RunningBot) -> None:
    reply = bare.sim.reply_to("hlep")

    assert reply.params["response_type"] == "ephemeral"
    assert "unknown command 'hlep'" in message_text(reply)
    assert "help" in message_text(reply)


def test_a_request_with_a_wrong_signature_is_refused_with_401(bare: RunningBot) -> None:
    body, _ = bare.sim.command_body("help")

    answer = bare.sim.post(body, signature="v0=" + "0" * 64)

    assert answer.status == 401
    time.sleep(0.3)
    assert bare.fake.calls_to("response_url") == []


def test_a_request_signed_more_than_five_minutes_ago_is_refused_with_401(bare: RunningBot) -> None:
    body, _ = bare.sim.command_body("help")

    answer = bare.sim.post(body, timestamp=int(time.time()) - 6 * 60)

    assert answer.status == 401


def test_a_command_without_a_user_is_acknowledged_at_once_and_does_nothing(bare: RunningBot) -> None:
    body, _ = bare.sim.command_body('new "Ghost" city:berlin')
    # Slack always names the user; a request that does not must not hold a worker for 3 s either.
    answer = bare.sim.post("&".join(p for p in body.split("&") if not p.startswith("user_id=")))

    assert answer.status == 200
    assert answer.seconds < 1
    time.sleep(0.3)
    assert bare.fake.calls_to("response_url") == []
    with bare.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Segment)) == 0


def test_healthz_answers_200_while_the_database_answers(bare: RunningBot) -> None:
    status, body = _get(f"{bare.base_url}/healthz")

    assert (status, body) == (200, b"ok\n")


def test_healthz_answers_503_when_the_database_is_unreachable(
    start_bot: Callable[..., RunningBot], tmp_path: Path
) -> None:
    dead = make_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'segbot.db'}")
    bot = start_bot(health_engine=dead)

    status, body = _get(f"{bot.base_url}/healthz")

    assert status == 503
    assert b"database unavailable" in body


def test_the_ack_comes_at_once_while_slow_work_finishes_after_it(
    start_bot: Callable[..., RunningBot],
) -> None:
    def slow(text: str, ctx: CommandContext) -> Reply:
        time.sleep(1.5)
        return Reply(text=f"done for {ctx.user_id} in {ctx.channel_id}")

    bot = start_bot(registry=_registry_with(_verb("slow", slow)))

    answer, response_url = bot.sim.command("slow")
    acked_at = time.time()

    assert answer.status == 200
    assert answer.seconds < 1.0
    reply = bot.fake.wait_for("response_url", url=response_url)[0]
    assert reply.at - acked_at > 1.0
    assert reply.params["text"] == f"done for {USER_ID} in {CHANNEL_ID}"


def test_twenty_commands_at_once_are_all_acknowledged_well_within_three_seconds(
    start_bot: Callable[..., RunningBot],
) -> None:
    bot = start_bot(registry=_registry_with(_sleeping(0.5)))

    answers = _burst(bot, 20)

    assert all(answer.status == 200 for answer, _ in answers)
    assert max(answer.seconds for answer, _ in answers) < 1.0
    bot.fake.wait_for("response_url", 20)


def test_an_unexpected_failure_tells_the_user_nothing_was_changed(
    start_bot: Callable[..., RunningBot],
) -> None:
    def broken(text: str, ctx: CommandContext) -> Reply:
        raise RuntimeError("xoxb-secret-should-not-leak")

    bot = start_bot(registry=_registry_with(_verb("broken", broken)))

    reply = bot.sim.reply_to("broken")

    assert reply.params["response_type"] == "ephemeral"
    assert "nothing was changed" in message_text(reply)
    assert "xoxb" not in message_text(reply)


def test_a_channel_reply_is_posted_in_the_channel(start_bot: Callable[..., RunningBot]) -> None:
    bot = start_bot(
        registry=_registry_with(_verb("shout", lambda t, c: Reply(text="hi all", visibility="channel")))
    )

    reply = bot.sim.reply_to("shout")

    assert reply.params["response_type"] == "in_channel"
    assert reply.params["text"] == "hi all"


def test_a_button_in_the_app_home_answers_in_a_direct_message_despite_a_429(
    start_bot: Callable[..., RunningBot],
) -> None:
    registry = Registry()
    registry.register_action("segbot:test", lambda value, ctx: Reply(text=f"showing {value}"))
    bot = start_bot(registry=registry)
    home = _with_show_button("segbot:test", "SEG00001")
    bot.fake.rate_limit("chat.postMessage", 1, retry_after=0)

    bot.sim.press(home, "Show", channel=None, with_response_url=False)

    posted = bot.fake.wait_for("chat.postMessage")
    assert len(bot.fake.calls_to("chat.postMessage#429")) == 1
    assert len(posted) == 1
    assert posted[0].params["channel"] == USER_ID
    assert posted[0].params["text"] == "showing SEG00001"


def test_a_segbot_error_from_a_button_is_shown_to_the_presser_only(
    start_bot: Callable[..., RunningBot],
) -> None:
    registry = Registry()

    def gone(value: str, ctx: CommandContext) -> Reply:
        raise NotFoundError(f"segment {value} does not exist")

    registry.register_action("segbot:gone", gone)
    bot = start_bot(registry=registry)
    message = _with_show_button("segbot:gone", "SEG00042")

    response_url = bot.sim.press(message, "Show")

    reply = bot.fake.wait_for("response_url", url=response_url)[0]
    assert reply.params["response_type"] == "ephemeral"
    assert "segment SEG00042 does not exist" in message_text(reply)


def test_more_slow_commands_than_listener_threads_are_still_all_acknowledged_at_once(
    start_bot: Callable[..., RunningBot],
) -> None:
    from bot.app import DEFAULT_LISTENER_THREADS

    burst = DEFAULT_LISTENER_THREADS + 8
    # Enough work slots for all of them: this is about acknowledging, not about how many run at once.
    bot = start_bot(registry=_registry_with(_sleeping(1.0)), segbot_work_slots=burst)

    answers = _burst(bot, burst)

    assert all(answer.status == 200 for answer, _ in answers)
    assert max(answer.seconds for answer, _ in answers) < 1.0
    bot.fake.wait_for("response_url", burst, timeout=30)


def test_work_slots_bound_the_commands_running_at_once_while_every_one_is_acknowledged_at_once(
    start_bot: Callable[..., RunningBot],
) -> None:
    running, peak = [0], [0]
    lock = threading.Lock()

    def slow(text: str, ctx: CommandContext) -> Reply:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.3)
        with lock:
            running[0] -= 1
        return Reply(text="done")

    bot = start_bot(registry=_registry_with(_verb("slow", slow)), segbot_work_slots=2)
    answers = _burst(bot, 6)

    assert all(answer.status == 200 and answer.seconds < 0.3 for answer, _ in answers)
    bot.fake.wait_for("response_url", 6, timeout=30)
    assert peak[0] == 2


def test_slack_verifying_the_request_url_gets_its_challenge_back(bare: RunningBot) -> None:
    import json

    body = json.dumps(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )

    answer = bare.sim.post(body, content_type="application/json")

    assert answer.status == 200
    assert json.loads(answer.body) == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
