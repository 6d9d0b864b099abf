"""Settings: defaults, and one clear line naming the variable when a value is bad."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory) -> None:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "DATABASE_URL",
        "SEGBOT_PAGE_SIZE",
        "SEGBOT_TIMEZONE",
        "SEGBOT_WORK_SLOTS",
        "SLACK_API_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]


def test_defaults_follow_the_contract() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///./segbot.db"
    assert settings.segbot_page_size == 10
    assert settings.segbot_timezone == "UTC"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert not settings.has_slack_credentials


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SEGBOT_PAGE_SIZE", "ten"),
        ("SEGBOT_PAGE_SIZE", "0"),
        ("SEGBOT_WORK_SLOTS", "0"),
        ("SEGBOT_TIMEZONE", "Mars/Olympus"),
        ("DATABASE_URL", "mysql://x"),
        ("SLACK_API_URL", "ftp://example"),
    ],
)
def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert variable in message
    assert "\n" not in message


def test_secrets_never_appear_in_messages_or_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("SEGBOT_PAGE_SIZE", "x")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "xoxb-very-secret" not in str(error.value)
    monkeypatch.setenv("SEGBOT_PAGE_SIZE", "5")
    assert "xoxb-very-secret" not in repr(load_settings())


def test_env_file_is_read(tmp_path: pytest.TempPathFactory) -> None:
    (tmp_path / ".env").write_text("SEGBOT_PAGE_SIZE=7\n")  # type: ignore[operator]
    assert load_settings().segbot_page_size == 7
