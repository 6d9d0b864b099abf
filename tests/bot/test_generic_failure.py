"""A failure that is not the user's is apologised for in the user's language, never with a traceback."""

from __future__ import annotations

from bot.delivery import answer_safely
from bot.runtime import SlackUser, UserDirectory


def _boom() -> str:
    raise RuntimeError("connection refused by 10.0.0.1 with password hunter2")


def test_an_unexpected_failure_becomes_an_apology_that_reveals_nothing() -> None:
    reply = answer_safely(_boom, what="test")
    assert not isinstance(reply, str)
    assert "nothing was changed" in reply.text
    assert "hunter2" not in reply.text and "10.0.0.1" not in reply.text


def test_an_italian_user_is_apologised_to_in_italian() -> None:
    reply = answer_safely(_boom, what="test", locale="it")
    assert not isinstance(reply, str)
    assert "non è stato modificato nulla" in reply.text


def test_the_locale_for_the_apology_comes_from_the_cache_alone() -> None:
    users = UserDirectory()
    assert users.known_locale("T1", "U1") is None
    users._cache[("T1", "U1")] = (0.0, SlackUser(locale="it-IT"))
    assert users.known_locale("T1", "U1") == "it"
