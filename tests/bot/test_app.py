"""The Bolt app factory starts quietly: no warning a reader of the logs would chase."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from commands.registry import load_registry
from segbot_testing.slack_api import FakeSlackApi
from tests.bot.conftest import bot_settings


def test_starting_with_the_bot_token_in_the_environment_logs_no_token_warning(
    fake_slack: FakeSlackApi,
    engine: Engine,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    with caplog.at_level(logging.INFO):
        create_app(bot_settings(fake_slack, engine), session_factory, load_registry())
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
